// The central store: the one interface the server and sotay-admin talk to.
//
// SQLite (sqlite_store.hpp) is the embedded default; PostgreSQL implements the same
// interface later. Nothing here names a storage type: the engine's values go in, the
// wire's messages come out.
//
// Invariants (tests/server/store_test.cpp cites them):
//   S1. write() is all or nothing: one transaction per call, committed durably
//       (SQLite: WAL + synchronous=FULL) before it returns. A caller acknowledges to
//       devices only after write() returned; so an acknowledged change survives a crash
//       or power cut.
//   S2. Every change received is kept in the change log, applied or rejected, with the
//       device's own hlc, the effective hlc, the server receive time and the answer
//       given; a resend returns that stored answer (status `duplicate`).
//   S3. server_seq grows by one per applied change and is never reused; each record
//       carries the server_seq of the last change applied to it, so a pull from cursor
//       c sends every record changed after c exactly once, in its latest state.
//   S4. A device's last_seq is the highest seq held durably; it never decreases except
//       by restoring an older copy of the database.
//
// Thread safety: write() must be called from one thread at a time (the server's commit
// queue owns it). Every other member may be called from any thread concurrently with
// write(): readers see the last committed state.
#pragma once

#include <sotay/sync/error.hpp>
#include <sotay/sync/messages.hpp>

#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sotay::store {

template <typename T>
using result = boost::system::result<T, sync::error_info>;

struct new_device {
    std::string device_id;  // lowercase UUID
    std::string token;      // shown once; only its hash is stored
};

struct device_info {
    std::string device_id;
    std::string name;
    std::uint64_t last_seq = 0;
    bool revoked = false;
    std::int64_t clock_offset_ms = 0;  // last measured server_time - client_time
    std::int64_t last_seen_ms = 0;     // server time of the last hello, 0 = never
    std::int64_t created_ms = 0;
};

// A hello to record: the clock offset measured, kept with the device and in history.
struct hello_record {
    std::string device_id;
    std::int64_t client_time_ms = 0;
    std::int64_t server_time_ms = 0;
};

// One push from one authenticated device.
struct push_request {
    std::string device_id;
    std::int64_t clock_offset_ms = 0;  // measured at this connection's hello
    std::vector<sync::change_msg> changes;
    // Optional: sync::change_to_json of each change, computed by the caller on its own
    // thread so that the single writer thread does not spend its time on it. Empty, or
    // one per change.
    std::vector<std::string> bodies;
    // Optional, like bodies: one per change when the caller already checked the values
    // against the store's schema (schema::validate as an edit) and NFC-normalised every
    // `set`, off the writer thread. nullopt = the values passed; an error = the change is
    // rejected with it. The store then checks only what needs the record: the fields
    // required when the change creates it.
    std::vector<std::optional<sync::error_info>> checked;
};

// The answer to one push. When `refused` is set (seq_gap, bad_message) nothing of the
// push was applied and `results` is empty.
struct push_outcome {
    std::optional<sync::error_info> refused;
    std::uint64_t last_seq = 0;  // the device's durable last_seq after this push
    std::vector<sync::change_result> results;
};

// Work for one transaction: the commit queue gathers the requests of many sessions.
struct write_batch {
    std::vector<hello_record> hellos;
    std::vector<push_request> pushes;
};

struct write_outcome {
    std::vector<push_outcome> pushes;  // one per request, same order
    std::uint64_t head = 0;            // highest server_seq committed
};

struct pull_page {
    std::vector<sync::record_msg> records;
    std::uint64_t next = 0;  // server_seq to resume after
    bool more = false;
};

// One change as kept in the log (history, tests, audit).
struct logged_change {
    std::string device_id;
    std::uint64_t seq = 0;
    std::string record;
    std::string type;
    std::string org_unit;
    std::string device_hlc;
    std::string effective_hlc;
    std::uint64_t base = 0;
    std::int64_t received_ms = 0;
    std::uint64_t server_seq = 0;  // 0 when rejected
    std::string status;            // "applied" or "rejected"
    std::string body_json;         // the change as received (JSON form)
    std::string result_json;       // the answer given
};

struct conflict_row {
    std::int64_t id = 0;
    std::string record;
    std::string field;
    std::string winner_device;
    std::string loser_device;
    std::string kept_json;
    std::string other_json;
    std::int64_t created_ms = 0;
    std::string state;  // "open"
};

class store {
public:
    virtual ~store() = default;

    // Devices -------------------------------------------------------------------
    virtual result<new_device> add_device(const std::string& name) = 0;
    // Checks a hello's credentials; on success returns the device (with last_seq).
    // auth_failed for an unknown device or a wrong token; device_revoked.
    virtual result<device_info> authenticate(const std::string& device_id,
                                             const std::string& token) = 0;
    virtual std::vector<device_info> list_devices() = 0;

    // Writes (one caller at a time; see S1) -----------------------------------------
    virtual result<write_outcome> write(const write_batch& batch) = 0;

    // Reads ---------------------------------------------------------------------
    // Records changed after server_seq `after`, at most `limit`, oldest change first.
    virtual result<pull_page> pull(std::uint64_t after, std::size_t limit) = 0;
    virtual std::uint64_t head() = 0;
    virtual int schema_version() = 0;
    virtual std::vector<logged_change> change_log(const std::optional<std::string>& device_id) = 0;
    virtual std::vector<conflict_row> conflicts() = 0;
};

}  // namespace sotay::store
