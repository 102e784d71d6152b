// The embedded store: one SQLite file in WAL mode.
#pragma once

#include <sotay/store/store.hpp>
#include <sotay/sync/clock_rule.hpp>

#include <functional>
#include <memory>
#include <string>

namespace sotay::store {

struct sqlite_options {
    // FULL, not NORMAL: in WAL mode NORMAL may roll back the last committed
    // transactions on power loss, and we acknowledge changes after commit (S1).
    bool synchronous_full = true;
    // How long a connection waits for another process's lock (sotay-admin writing while
    // the server runs) before giving up.
    int busy_timeout_ms = 5000;
    sync::clock_policy clock;
    // The server's clock, in ms since the epoch; replaceable so tests can fix "now".
    std::function<std::int64_t()> now_ms;
};

// Opens (creating and migrating if needed) the database at path. Throws
// std::runtime_error naming the file and the reason if it cannot.
std::unique_ptr<store> open_sqlite_store(const std::string& path, const sqlite_options& = {});

}  // namespace sotay::store
