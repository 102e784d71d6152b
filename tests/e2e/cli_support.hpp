// What the CLI tests need besides the server: `sotay` devices in temp directories, a TCP
// proxy that can break a connection at a chosen WebSocket message, and a way to run the
// CLI in the background and kill it.
#pragma once

#include "e2e_support.hpp"
#include "server_process.hpp"

#include <boost/json.hpp>

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sotay::e2e {

// One `sotay` device: its own data directory (removed at the end unless
// SOTAY_E2E_KEEP=1), run as a separate process for every command.
class cli_device {
public:
    cli_device();
    ~cli_device();
    cli_device(const cli_device&) = delete;
    cli_device& operator=(const cli_device&) = delete;

    const std::string& dir() const { return dir_; }
    std::string db_path() const { return dir_ + "/device.db"; }
    const std::string& id() const { return device_id_; }

    // sotay --data DIR args... ; whatever it exits with.
    program_output run(const std::vector<std::string>& args) const;
    // The same, which must exit 0 (throws with stderr otherwise); stdout.
    std::string ok(const std::vector<std::string>& args) const;
    // --json added; must exit 0; stdout parsed.
    boost::json::value json(const std::vector<std::string>& args) const;

    // sotay init for this port and these credentials.
    void init(std::uint16_t port, const device_credentials& creds,
              const std::string& format = "bin");
    // sotay add TYPE --org UNIT --set k=v...; the new record's id.
    std::string add(const std::string& type, const std::vector<std::string>& sets,
                    const std::string& org_unit = default_org_unit) const;
    // sotay list --json, by record id.
    std::map<std::string, boost::json::object> records() const;
    // sotay status --json.
    boost::json::object status() const;

private:
    std::string dir_;
    std::string device_id_;
};

// The server's current records by id, as a device pulls them (an observer device's
// credentials, cursor null). Tombstones included, with "deleted": true.
std::map<std::string, boost::json::object> server_records(const server_process& server,
                                                          const device_credentials& observer);

// A record as `sotay list --json` prints it, without the device-only "pending" member.
boost::json::object comparable(boost::json::object record);

// The change log of one device: seq -> entry (sotay-admin log --json); `count` is how many
// entries there were, so that a doubled seq shows even though the map holds one.
struct device_log {
    std::map<std::uint64_t, boost::json::object> by_seq;
    std::size_t count = 0;
};
device_log log_by_seq(const server_process& server, const std::string& device_id);

// A loopback TCP proxy in front of the server, for breaking a connection at a chosen
// point of the WebSocket conversation. Each accepted connection gets the fault armed at
// that moment (then the proxy is back to passing through). Threads: one acceptor, one
// relay per connection; all joined by the destructor.
class tcp_proxy {
public:
    enum class fault {
        none,
        // The server's 2nd message (after welcome: the push's answer) is not forwarded;
        // both sides are reset instead: the push is applied, its answer lost.
        drop_server_message_2,
        // The client's 2nd message (after hello: the first push) is cut in the middle
        // and both sides are reset: the server never gets the push whole.
        cut_client_message_2,
    };

    explicit tcp_proxy(std::uint16_t target_port);
    ~tcp_proxy();
    tcp_proxy(const tcp_proxy&) = delete;
    tcp_proxy& operator=(const tcp_proxy&) = delete;

    std::uint16_t port() const { return port_; }
    // Where new connections go (after a server restart the port may change).
    void set_target(std::uint16_t port) { target_port_ = port; }
    // The next connection gets this fault.
    void arm(fault f);
    // Faults applied so far (a test checks its fault really happened).
    int faults_applied() const { return faults_applied_; }
    // Every chunk from the server waits this long before it is forwarded (a slow link).
    void set_delay(std::chrono::milliseconds d) { delay_ms_ = static_cast<int>(d.count()); }

private:
    void accept_loop();
    void relay(int client, int server, fault f);

    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<std::uint16_t> target_port_;
    std::atomic<bool> stop_{false};
    std::atomic<int> faults_applied_{0};
    std::atomic<int> delay_ms_{0};
    std::mutex mutex_;
    fault armed_ = fault::none;
    std::vector<std::thread> relays_;
    std::thread acceptor_;
};

// A program started in the background (stdout and stderr to files in `log_dir`).
class background_program {
public:
    background_program(const std::string& path, const std::vector<std::string>& args,
                       const std::string& log_dir);
    ~background_program();  // SIGKILL if still running
    background_program(const background_program&) = delete;
    background_program& operator=(const background_program&) = delete;

    // The exit code if it has finished (128 + signal if killed), without waiting.
    std::optional<int> poll();
    // SIGKILL and reap; returns the exit code (normally 137, or its own if it had ended).
    int kill9();
    std::string stderr_text() const;

private:
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
    std::string err_path_;
};

}  // namespace sotay::e2e
