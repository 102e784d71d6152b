#include "cli_support.hpp"

#include <sotay/sdk/json.hpp>
#include <sotay/sync/ids.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

extern char** environ;

namespace sotay::e2e {
namespace {

const std::string sotay_path = std::string(SOTAY_BIN_DIR) + "/sotay";

// Two minutes for one CLI command: a sync of a few thousand changes takes seconds; the
// bound only stops a hang from stalling the suite.
constexpr auto cli_timeout = std::chrono::minutes(2);

std::string make_temp_dir(const char* prefix) {
    std::string templ = std::string("/tmp/") + prefix + "-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp");
    }
    return templ;
}

bool keep_temp() {
    const char* keep = std::getenv("SOTAY_E2E_KEEP");
    return keep != nullptr && std::string_view(keep) == "1";
}

std::string command_line(const std::vector<std::string>& args) {
    std::string line = "sotay";
    for (const auto& a : args) {
        line += " " + a;
    }
    return line;
}

boost::json::value parse_json(const std::string& text, const std::string& what) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec) {
        throw std::runtime_error(what + " printed no JSON (" + ec.message() + "):\n" + text);
    }
    return v;
}

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

// Closes with SO_LINGER 0: the peer gets a RST, as when a phone's link dies.
void reset_fd(int& fd) {
    if (fd >= 0) {
        const linger l{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close_fd(fd);
    }
}

bool write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return false;
        }
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

// Follows one direction of a WebSocket connection byte by byte: the HTTP head, then
// frames (RFC 6455 section 5.2), counting data messages. Tells where to cut: before the
// first byte of message `stop` (half = false), or half-way through the payload of its
// first frame (half = true).
class ws_scanner {
public:
    ws_scanner(int stop, bool half) : stop_(stop), half_(half) {}

    // How many bytes of `chunk` to forward; fewer than chunk.size() means: cut here.
    std::size_t scan(std::string_view chunk) {
        for (std::size_t i = 0; i < chunk.size(); ++i) {
            const auto c = static_cast<unsigned char>(chunk[i]);
            if (in_http_) {
                tail_ = (tail_ << 8) | c;
                in_http_ = (tail_ & 0xFFFFFFFFu) != 0x0D0A0D0Au;  // "\r\n\r\n"
                continue;
            }
            if (remaining_ == 0 && header_.empty()) {
                // A new frame begins: a data frame with opcode 1 or 2 starts a message.
                const int opcode = c & 0x0F;
                if (opcode == 1 || opcode == 2) {
                    ++messages_;
                    if (messages_ == stop_ && !half_) {
                        return i;
                    }
                }
            }
            if (remaining_ > 0) {
                --remaining_;
                if (messages_ == stop_ && half_ && payload_ - remaining_ >= payload_ / 2) {
                    return i + 1;
                }
                continue;
            }
            header_.push_back(c);
            if (header_.size() >= 2 && header_.size() == header_size()) {
                remaining_ = payload_length();
                payload_ = remaining_;
                header_.clear();
            }
        }
        return chunk.size();
    }

private:
    std::size_t header_size() const {
        const unsigned len7 = header_[1] & 0x7F;
        const std::size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        const std::size_t mask = (header_[1] & 0x80) != 0 ? 4 : 0;
        return 2 + ext + mask;
    }
    std::uint64_t payload_length() const {
        const unsigned len7 = header_[1] & 0x7F;
        if (len7 < 126) {
            return len7;
        }
        const std::size_t bytes = len7 == 126 ? 2 : 8;
        std::uint64_t n = 0;
        for (std::size_t i = 0; i < bytes; ++i) {
            n = (n << 8) | header_[2 + i];
        }
        return n;
    }

    int stop_;
    bool half_;
    bool in_http_ = true;
    std::uint32_t tail_ = 0;
    std::vector<unsigned char> header_;
    std::uint64_t remaining_ = 0;
    std::uint64_t payload_ = 0;
    int messages_ = 0;
};

}  // namespace

// --------------------------------------------------------------------------------------

cli_device::cli_device() : dir_(make_temp_dir("sotay-cli")) {}

cli_device::~cli_device() {
    if (!keep_temp()) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
}

// Every command is a fresh process, as an officer running the CLI would do.
program_output cli_device::run(const std::vector<std::string>& args) const {
    std::vector<std::string> all{"--data", dir_};
    all.insert(all.end(), args.begin(), args.end());
    return run_program(sotay_path, all, cli_timeout);
}

std::string cli_device::ok(const std::vector<std::string>& args) const {
    auto r = run(args);
    if (r.exit_code != 0) {
        throw std::runtime_error(command_line(args) + " exited with " +
                                 std::to_string(r.exit_code) + "; stderr:\n" + r.err);
    }
    return r.out;
}

boost::json::value cli_device::json(const std::vector<std::string>& args) const {
    std::vector<std::string> all{"--json"};
    all.insert(all.end(), args.begin(), args.end());
    return parse_json(ok(all), command_line(all));
}

void cli_device::init(std::uint16_t port, const device_credentials& creds,
                      const std::string& format) {
    ok({"init", "--url", "ws://127.0.0.1:" + std::to_string(port) + "/sync", "--device-id",
        creds.device_id, "--token", creds.token, "--format", format});
    device_id_ = creds.device_id;
}

std::string cli_device::add(const std::string& type, const std::vector<std::string>& sets,
                            const std::string& org_unit) const {
    std::vector<std::string> args{"add", type, "--org", org_unit};
    for (const auto& s : sets) {
        args.insert(args.end(), {"--set", s});
    }
    std::string out = ok(args);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
        out.pop_back();
    }
    if (!sync::is_uuid(out)) {
        throw std::runtime_error("sotay add printed '" + out + "', not a record id");
    }
    return out;
}

std::map<std::string, boost::json::object> cli_device::records() const {
    std::map<std::string, boost::json::object> out;
    const auto list = json({"list"});
    for (const auto& v : list.as_array()) {
        const auto& o = v.as_object();
        out.emplace(std::string(o.at("record").as_string()), o);
    }
    return out;
}

boost::json::object cli_device::status() const { return json({"status"}).as_object(); }

// Pulls everything with the JSON subprotocol and shapes it as `sotay list --json` does.
std::map<std::string, boost::json::object> server_records(const server_process& server,
                                                          const device_credentials& observer) {
    client::sync_client c;
    test_device d(observer);
    d.connect(c, server.port(), sync::wire_format::json);
    std::map<std::string, boost::json::object> out;
    for (const auto& r : pull_all(c)) {
        out[r.record] = boost::json::object{{"record", r.record},
                                            {"type", r.type},
                                            {"org_unit", r.org_unit},
                                            {"version", r.version},
                                            {"deleted", r.deleted},
                                            {"fields", sdk::to_json(r.fields)}};
    }
    c.close();
    return out;
}

boost::json::object comparable(boost::json::object record) {
    record.erase("pending");
    return record;
}

device_log log_by_seq(const server_process& server, const std::string& device_id) {
    device_log log;
    for (auto& entry : log_of(server, device_id)) {
        ++log.count;
        log.by_seq[entry.at("seq").to_number<std::uint64_t>()] = std::move(entry);
    }
    return log;
}

// --------------------------------------------------------------------------------------

// Listens on 127.0.0.1, port chosen by the kernel.
tcp_proxy::tcp_proxy(std::uint16_t target_port) : target_port_(target_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "socket");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const int e = errno;
        close_fd(listen_fd_);
        throw std::system_error(e, std::generic_category(), "proxy listen");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

tcp_proxy::~tcp_proxy() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : relays_) {
        t.join();
    }
    close_fd(listen_fd_);
}

void tcp_proxy::arm(fault f) {
    std::lock_guard lock(mutex_);
    armed_ = f;
}

// Accepts, connects to the target, hands both sockets to a relay thread with the fault
// armed at that moment.
void tcp_proxy::accept_loop() {
    while (!stop_) {
        pollfd p{listen_fd_, POLLIN, 0};
        // 20 ms: how long the destructor may wait for this loop to notice stop_.
        if (::poll(&p, 1, 20) <= 0) {
            continue;
        }
        int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            continue;
        }
        int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(target_port_.load());
        if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            // The server is down: the client sees its connection refused (reset).
            close_fd(server);
            reset_fd(client);
            continue;
        }
        fault f = fault::none;
        {
            std::lock_guard lock(mutex_);
            f = armed_;
            armed_ = fault::none;
        }
        relays_.emplace_back([this, client, server, f] { relay(client, server, f); });
    }
}

// Copies bytes both ways until either side closes; a scanner per direction says where
// the armed fault cuts.
void tcp_proxy::relay(int client, int server, fault f) {
    // Index 0: client -> server; 1: server -> client.
    std::array<ws_scanner, 2> scanners{
        ws_scanner(f == fault::cut_client_message_2 ? 2 : -1, true),
        ws_scanner(f == fault::drop_server_message_2 ? 2 : -1, false)};
    std::array<pollfd, 2> fds{pollfd{client, POLLIN, 0}, pollfd{server, POLLIN, 0}};
    std::array<char, 16384> buf{};
    bool open = true;
    while (open && !stop_) {
        if (::poll(fds.data(), fds.size(), 20) <= 0) {
            continue;
        }
        for (std::size_t i = 0; i < 2 && open; ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            const ssize_t got = ::recv(fds[i].fd, buf.data(), buf.size(), 0);
            if (got <= 0) {
                open = false;
                break;
            }
            const std::string_view chunk(buf.data(), static_cast<std::size_t>(got));
            if (i == 1 && delay_ms_ > 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
            }
            const std::size_t pass = scanners[i].scan(chunk);
            const int to = i == 0 ? server : client;
            if (!write_all(to, chunk.data(), pass)) {
                open = false;
                break;
            }
            if (pass < chunk.size()) {
                ++faults_applied_;
                // Give the kernel a moment to hand the forwarded part over before the RST.
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                reset_fd(client);
                reset_fd(server);
                return;
            }
        }
    }
    close_fd(client);
    close_fd(server);
}

// --------------------------------------------------------------------------------------

// Through spawn() (server_process.hpp), output to files in log_dir.
background_program::background_program(const std::string& path,
                                       const std::vector<std::string>& args,
                                       const std::string& log_dir)
    : err_path_(log_dir + "/background.err") {
    const std::string out_path = log_dir + "/background.out";
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    try {
        if (out < 0 || err < 0) throw std::system_error(errno, std::generic_category(), log_dir);
        pid_ = spawn(path, args, out, err);
    } catch (...) {
        if (out >= 0) ::close(out);
        if (err >= 0) ::close(err);
        throw;
    }
    ::close(out);
    ::close(err);
}

background_program::~background_program() {
    if (!exit_code_) {
        kill9();
    }
}

std::optional<int> background_program::poll() {
    if (exit_code_) {
        return exit_code_;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return exit_code_;
}

int background_program::kill9() {
    if (exit_code_) {
        return *exit_code_;
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return *exit_code_;
}

std::string background_program::stderr_text() const {
    std::ifstream in(err_path_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace sotay::e2e
