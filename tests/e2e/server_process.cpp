#include "server_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace sotay::e2e {
namespace {

using clock_type = std::chrono::steady_clock;

const std::string bin_dir = SOTAY_BIN_DIR;

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// An fd closed when the scope ends.
class unique_fd {
  public:
    explicit unique_fd(int fd = -1) : fd_(fd) {}
    ~unique_fd() { reset(); }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = -1;
    }

  private:
    int fd_;
};


int exit_code_of(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// Waits for pid up to `timeout`; the exit code, or nullopt if it still runs.
std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            return exit_code_of(status);
        }
        if (r < 0 && errno != EINTR) {
            throw_errno("waitpid");
        }
        if (clock_type::now() >= deadline) {
            return std::nullopt;
        }
        // 5 ms: short against the 10-40 s bounds, long enough not to spin a core.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

std::string read_file_from(const std::string& path, std::streamoff offset) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(offset);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::streamoff file_size(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : static_cast<std::streamoff>(size);
}

int open_append(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw_errno("open " + path);
    }
    return fd;
}

}  // namespace

// Starts path with args; the child's stdin is in_fd or /dev/null, stdout and stderr are
// out_fd and err_fd, every other descriptor is closed, and signals are back to their
// defaults.
pid_t spawn(const std::string& path, const std::vector<std::string>& args, int out_fd, int err_fd,
            int in_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (in_fd >= 0) {
        posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);

    // Boost.Test installs handlers and the test may block signals in threads: the child
    // must see SIGTERM and SIGPIPE as a freshly started program does.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const auto& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);

    pid_t pid = -1;
    const int rc = posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        throw std::system_error(rc, std::generic_category(), "posix_spawn " + path);
    }
    return pid;
}

program_output run_program(const std::string& path, const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout, const std::string& input) {
    std::array<int, 2> in_pair{};
    std::array<int, 2> out_pipe{};
    std::array<int, 2> err_pipe{};
    // stdin is a socket pair, not a pipe: send() with MSG_NOSIGNAL to a child that exited
    // without reading fails with EPIPE instead of killing the test with SIGPIPE.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair.data()) != 0) {
        throw_errno("socketpair");
    }
    unique_fd in_read(in_pair[0]);
    unique_fd in_write(in_pair[1]);
    if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0) {
        throw_errno("pipe2");
    }
    unique_fd out_read(out_pipe[0]);
    unique_fd out_write(out_pipe[1]);
    if (::pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
        throw_errno("pipe2");
    }
    unique_fd err_read(err_pipe[0]);
    unique_fd err_write(err_pipe[1]);

    const pid_t pid = spawn(path, args, out_write.get(), err_write.get(), in_read.get());
    in_read.reset();
    out_write.reset();
    err_write.reset();
    std::size_t written = 0;
    if (input.empty()) {
        in_write.reset();  // end of file at once
    }

    // Feed stdin and read both pipes together: a child blocked on a full stderr pipe
    // would never finish writing stdout, nor read the rest of its input.
    program_output result;
    const auto deadline = clock_type::now() + timeout;
    std::array<pollfd, 3> fds{pollfd{out_read.get(), POLLIN, 0}, pollfd{err_read.get(), POLLIN, 0},
                              pollfd{in_write.get(), POLLOUT, 0}};
    std::array<std::string*, 2> sinks{&result.out, &result.err};
    int open_pipes = 2;
    while (open_pipes > 0) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            throw std::runtime_error(path + " did not finish within " +
                                     std::to_string(timeout.count()) +
                                     " ms; stderr: " + result.err);
        }
        const int n = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
        if (n < 0 && errno != EINTR) {
            throw_errno("poll");
        }
        // MSG_DONTWAIT: a child that never reads its stdin must not stall this loop.
        if (fds[2].fd >= 0 && fds[2].revents != 0) {
            const ssize_t put = ::send(fds[2].fd, input.data() + written, input.size() - written,
                                       MSG_NOSIGNAL | MSG_DONTWAIT);
            if (put > 0) {
                written += static_cast<std::size_t>(put);
            }
            // Everything written, or the child closed its stdin (EPIPE): end of file.
            if (written == input.size() || (put < 0 && errno != EAGAIN && errno != EINTR)) {
                fds[2].fd = -1;
                in_write.reset();
            }
        }
        for (std::size_t i = 0; i < sinks.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) {
                continue;
            }
            std::array<char, 4096> chunk{};
            const ssize_t got = ::read(fds[i].fd, chunk.data(), chunk.size());
            if (got > 0) {
                sinks[i]->append(chunk.data(), static_cast<std::size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                fds[i].fd = -1;  // poll ignores negative descriptors
                --open_pipes;
            }
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw_errno("waitpid");
        }
    }
    result.exit_code = exit_code_of(status);
    return result;
}

server_process::server_process(std::vector<std::string> extra_args, start_with initial)
    : extra_args_(std::move(extra_args)) {
    std::string templ = "/tmp/sotay-e2e-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) {
        throw_errno("mkdtemp");
    }
    dir_ = templ;
    db_path_ = dir_ + "/sotay.db";
    out_path_ = dir_ + "/server.out";
    err_path_ = dir_ + "/server.err";
    try {
        // Before the server opens the database: it starts with the tree and the user in
        // place, as a deployment does.
        if (initial == start_with::test_tree) {
            import_org(test_org_csv);
            add_user(test_username, "officer", test_user_org);
        }
        start();
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        throw;
    }
}

server_process::~server_process() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    // SOTAY_E2E_KEEP=1 keeps the database and logs for a post-mortem.
    const char* keep = std::getenv("SOTAY_E2E_KEEP");
    if (keep == nullptr || std::string_view(keep) != "1") {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
}

void server_process::start() {
    // Each run appends to the same files; only what this run writes is searched.
    const std::streamoff out_start = file_size(out_path_);
    unique_fd out(open_append(out_path_));
    unique_fd err(open_append(err_path_));
    std::vector<std::string> args{"--db", db_path_, "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    pid_ = spawn(bin_dir + "/sotay-server", args, out.get(), err.get());
    port_ = 0;

    // 15 s: the server opens (and on first run creates) its database before listening;
    // that takes milliseconds, but the test machine may be busy compiling.
    const auto deadline = clock_type::now() + std::chrono::seconds(15);
    const std::string marker = "listening on 127.0.0.1:";
    while (port_ == 0) {
        const std::string text = read_file_from(out_path_, out_start);
        const auto at = text.find(marker);
        const auto eol = at == std::string::npos ? at : text.find('\n', at);
        if (eol != std::string::npos) {
            const std::string digits = text.substr(at + marker.size(), eol - at - marker.size());
            const unsigned long port = std::stoul(digits);
            if (port == 0 || port > 65535) {
                throw std::runtime_error("sotay-server printed a bad port: " + text);
            }
            port_ = static_cast<std::uint16_t>(port);
            break;
        }
        if (auto code = wait_for(pid_, std::chrono::milliseconds(10))) {
            pid_ = -1;
            throw std::runtime_error("sotay-server exited with " + std::to_string(*code) +
                                     " before listening; stderr:\n" + stderr_text());
        }
        if (clock_type::now() >= deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
            throw std::runtime_error(
                "sotay-server did not print `listening on` within 15 s;"
                " stdout:\n" +
                text + "\nstderr:\n" + stderr_text());
        }
    }
}

int server_process::stop() {
    if (pid_ <= 0) {
        throw std::logic_error("stop(): the server is not running");
    }
    ::kill(pid_, SIGTERM);
    const auto code = wait_for(pid_, std::chrono::seconds(40));
    if (!code) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        throw std::runtime_error("sotay-server ignored SIGTERM for 40 s; stderr:\n" +
                                 stderr_text());
    }
    pid_ = -1;
    return *code;
}

void server_process::kill9() {
    if (pid_ <= 0) {
        throw std::logic_error("kill9(): the server is not running");
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void server_process::restart() {
    if (pid_ > 0) {
        throw std::logic_error("restart(): the server still runs");
    }
    start();
}

std::string server_process::stderr_text() const {
    return read_file_from(err_path_, 0);
}

program_output server_process::admin_run(const std::vector<std::string>& args,
                                         const std::string& input) const {
    std::vector<std::string> all{"--db", db_path_};
    all.insert(all.end(), args.begin(), args.end());
    return run_program(bin_dir + "/sotay-admin", all, std::chrono::seconds(30), input);
}

program_output server_process::admin(const std::vector<std::string>& args,
                                     const std::string& input) const {
    auto result = admin_run(args, input);
    if (result.exit_code != 0) {
        std::string line;
        for (const auto& a : args) {
            line += " " + a;
        }
        throw std::runtime_error("sotay-admin" + line + " exited with " +
                                 std::to_string(result.exit_code) + "; stderr:\n" + result.err);
    }
    return result;
}

boost::json::value server_process::admin_json(const std::vector<std::string>& args,
                                              const std::string& input) const {
    const auto result = admin(args, input);
    boost::system::error_code ec;
    auto v = boost::json::parse(result.out, ec);
    if (ec) {
        throw std::runtime_error("sotay-admin printed no JSON (" + ec.message() + "):\n" +
                                 result.out);
    }
    return v;
}

std::vector<boost::json::value> server_process::admin_json_lines(
    const std::vector<std::string>& args) const {
    const auto result = admin(args);
    std::vector<boost::json::value> values;
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        boost::system::error_code ec;
        values.push_back(boost::json::parse(line, ec));
        if (ec) {
            throw std::runtime_error("sotay-admin printed a line that is not JSON (" +
                                     ec.message() + "): " + line);
        }
    }
    return values;
}

boost::json::object server_process::import_org(const std::string& csv) const {
    // A new file per import: a test may import several versions of the tree.
    static std::atomic<int> imports{0};
    const std::string path = dir_ + "/org-" + std::to_string(++imports) + ".csv";
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << csv;
        if (!out) {
            throw std::runtime_error("cannot write " + path);
        }
    }
    auto report = admin_json({"org", "import", path, "--json"}).as_object();
    if (!report.at("applied").as_bool()) {
        throw std::runtime_error("org import was not applied: " + boost::json::serialize(report));
    }
    return report;
}

boost::json::object server_process::add_user(const std::string& username, const std::string& role,
                                             const std::string& org_unit,
                                             const std::string& password) const {
    std::vector<std::string> args{"user", "add",   "--username", username, "--role",
                                  role,   "--org", org_unit,     "--json"};
    if (!password.empty()) {
        args.push_back("--password-stdin");
    }
    return admin_json(args, password.empty() ? std::string() : password + "\n").as_object();
}

std::vector<device_credentials> server_process::add_devices(const std::string& name, int count,
                                                            const std::string& username) const {
    std::vector<std::string> args{"device", "add", "--name", name, "--user", username, "--json"};
    if (count != 1) {
        args.insert(args.end(), {"--count", std::to_string(count)});
    }
    const auto lines = admin_json_lines(args);
    std::vector<device_credentials> devices;
    for (const auto& v : lines) {
        const auto& o = v.as_object();
        devices.push_back(
            {std::string(o.at("device_id").as_string()), std::string(o.at("token").as_string())});
    }
    if (devices.size() != static_cast<std::size_t>(count)) {
        throw std::runtime_error("sotay-admin device add printed " +
                                 std::to_string(devices.size()) + " devices, not " +
                                 std::to_string(count));
    }
    return devices;
}

device_credentials server_process::add_device(const std::string& name) const {
    return add_devices(name, 1).front();
}

device_credentials server_process::add_device(const std::string& name,
                                              const std::string& username) const {
    return add_devices(name, 1, username).front();
}

}  // namespace sotay::e2e
