// The embedded store: one SQLite file in WAL mode.
#pragma once

#include <sotay/schema/schema.hpp>
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
    // The record schema every new change is validated against (and its strings
    // NFC-normalised by) before it is applied. Null: no validation (tools such as
    // sotay-admin, and engine-level tests). When set, opening the store compares it with
    // the schema stored at the last start (meta) and throws std::runtime_error naming
    // every incompatible change (schema::incompatible_changes) unless
    // allow_incompatible_schema; then it stores this one and its version.
    std::shared_ptr<const schema::schema> schema;
    bool allow_incompatible_schema = false;
};

// Opens (creating and migrating if needed) the database at path. Throws
// std::runtime_error naming the file and the reason if it cannot.
std::unique_ptr<store> open_sqlite_store(const std::string& path, const sqlite_options& = {});

}  // namespace sotay::store
