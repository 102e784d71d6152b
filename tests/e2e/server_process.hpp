// A real sotay-server for one test: its own temp directory and database, a free port,
// and the sotay-admin tool run against the same file.
//
// Processes are started with posix_spawn and an argument vector (never a shell), with
// every inherited descriptor above stderr closed so a child never holds the test's
// sockets open. The server's stdout and stderr go to files in the temp directory: a
// file never fills up and blocks the server the way an undrained pipe would, and the
// stderr text is put into the failure message when the server misbehaves.
#pragma once

#include <boost/json/value.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sotay::e2e {

// Starts path with args (no shell); the child's stdin is /dev/null, stdout and stderr are
// out_fd and err_fd, every other descriptor is closed, and SIGTERM, SIGINT and SIGPIPE
// are back to their defaults (Boost.Test changes the parent's). Throws system_error.
pid_t spawn(const std::string& path, const std::vector<std::string>& args, int out_fd, int err_fd);

// Output of a finished program.
struct program_output {
    int exit_code = -1;  // 128 + signal when killed by one
    std::string out;
    std::string err;
};

// Runs path with args (argv[0] = path), waits at most `timeout`, returns what it
// printed. Throws std::runtime_error if it cannot start or does not finish in time.
program_output run_program(const std::string& path, const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A device as sotay-admin creates it.
struct device_credentials {
    std::string device_id;
    std::string token;
};

class server_process {
  public:
    // Makes a fresh temp directory (mkdtemp under /tmp) and starts the server on
    // db = <dir>/sotay.db, listening on 127.0.0.1:0. Throws with the server's stderr if
    // it does not print its `listening on` line within 15 s.
    explicit server_process(std::vector<std::string> extra_args = {});
    // Kills the server if it runs and removes the temp directory.
    ~server_process();
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    std::uint16_t port() const { return port_; }
    const std::string& db_path() const { return db_path_; }
    bool running() const { return pid_ > 0; }

    // SIGTERM, then waits up to 40 s (the server's shutdown grace is 30 s). Returns the
    // exit code; throws if the server had to be killed.
    int stop();
    // SIGKILL and reap: a crash, nothing flushed or closed.
    void kill9();
    // Starts again on the same database (after stop() or kill9()); the port may change.
    void restart();

    // Everything the server wrote to stderr so far (all runs).
    std::string stderr_text() const;

    // sotay-admin --db <db> args..., which must exit 0; its stdout parsed as one JSON
    // value. Throws with stderr otherwise.
    boost::json::value admin_json(const std::vector<std::string>& args) const;
    // The same for tools that print one JSON value per line.
    std::vector<boost::json::value> admin_json_lines(const std::vector<std::string>& args) const;

    // `device add --name NAME --count N --json`.
    std::vector<device_credentials> add_devices(const std::string& name, int count) const;
    device_credentials add_device(const std::string& name) const;

  private:
    void start();
    program_output admin(const std::vector<std::string>& args) const;

    std::vector<std::string> extra_args_;
    std::string dir_;
    std::string db_path_;
    std::string out_path_;
    std::string err_path_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace sotay::e2e
