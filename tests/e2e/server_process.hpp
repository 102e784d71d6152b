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

// Starts path with args (no shell); the child's stdin is in_fd (-1: /dev/null), stdout and
// stderr are out_fd and err_fd, every other descriptor is closed, and SIGTERM, SIGINT and
// SIGPIPE are back to their defaults (Boost.Test changes the parent's). Throws system_error.
pid_t spawn(const std::string& path, const std::vector<std::string>& args, int out_fd, int err_fd,
            int in_fd = -1);

// Output of a finished program.
struct program_output {
    int exit_code = -1;  // 128 + signal when killed by one
    std::string out;
    std::string err;
};

// Runs path with args (argv[0] = path) with `input` on its stdin (then end of file),
// waits at most `timeout`, returns what it printed. Throws std::runtime_error if it
// cannot start or does not finish in time.
program_output run_program(const std::string& path, const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30),
                           const std::string& input = {});

// A device as sotay-admin creates it.
struct device_credentials {
    std::string device_id;
    std::string token;
};

// The org tree every server_process starts with (unless start_with::empty_database):
// the part of scripts/demo-org.csv the tests write in, LS / LS.TP / LS.TP.P1, LS.TP.P2.
inline constexpr const char* test_org_csv =
    "code,name,parent_code,level_name\n"
    "LS,Tỉnh ủy Lạng Sơn,,Tỉnh\n"
    "LS.TP,Thành ủy Lạng Sơn,LS,Huyện\n"
    "LS.TP.P1,Đảng ủy phường Chi Lăng,LS.TP,Cơ sở\n"
    "LS.TP.P2,Đảng ủy phường Đông Kinh,LS.TP,Cơ sở\n";
// The user add_device(name) registers devices for: an officer at the root, LS, so that
// every unit of the test tree is in its scope. No password (devices only).
inline constexpr const char* test_username = "tester";
inline constexpr const char* test_user_org = "LS";

// What the database holds when the server first starts.
enum class start_with {
    test_tree,       // test_org_csv imported and test_username added (what most tests need)
    empty_database,  // nothing: the admin tests build it themselves
};

class server_process {
  public:
    // Makes a fresh temp directory (mkdtemp under /tmp), prepares db = <dir>/sotay.db as
    // `initial` says (with sotay-admin, before the server opens it) and starts the server
    // on it, listening on 127.0.0.1:0. Throws with the server's stderr if it does not
    // print its `listening on` line within 15 s.
    explicit server_process(std::vector<std::string> extra_args = {},
                            start_with initial = start_with::test_tree);
    // Kills the server if it runs and removes the temp directory.
    ~server_process();
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    std::uint16_t port() const { return port_; }
    const std::string& db_path() const { return db_path_; }
    const std::string& dir() const { return dir_; }
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

    // sotay-admin --db <db> args... with `input` on its stdin (--password-stdin),
    // whatever it exits with: for the tests of its refusals.
    program_output admin_run(const std::vector<std::string>& args,
                             const std::string& input = {}) const;
    // The same, which must exit 0; its stdout parsed as one JSON value. Throws with
    // stderr otherwise.
    boost::json::value admin_json(const std::vector<std::string>& args,
                                  const std::string& input = {}) const;
    // The same for tools that print one JSON value per line.
    std::vector<boost::json::value> admin_json_lines(const std::vector<std::string>& args) const;

    // `org import FILE --json` of this CSV text (written to a file in dir()), which must
    // be applied; the report.
    boost::json::object import_org(const std::string& csv) const;
    // `user add --username U --role R --org O --json`, with the password on stdin when
    // not empty; the new user as sotay-admin prints it.
    boost::json::object add_user(const std::string& username, const std::string& role,
                                 const std::string& org_unit,
                                 const std::string& password = {}) const;

    // `device add --name NAME --user U --count N --json`.
    std::vector<device_credentials> add_devices(const std::string& name, int count,
                                                const std::string& username = test_username) const;
    // One device of test_username, or of `username`.
    device_credentials add_device(const std::string& name) const;
    device_credentials add_device(const std::string& name, const std::string& username) const;

  private:
    void start();
    program_output admin(const std::vector<std::string>& args,
                         const std::string& input = {}) const;

    std::vector<std::string> extra_args_;
    std::string dir_;
    std::string db_path_;
    std::string out_path_;
    std::string err_path_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace sotay::e2e
