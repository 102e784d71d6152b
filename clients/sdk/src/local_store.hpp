// The device's local SQLite replica: one file per device (device.hpp states D1-D5).
//
// Layout (local schema version 3, PRAGMA user_version; version 1 lacked meta.ca_file,
// versions 1 and 2 meta.review_cursor and review_items):
//   meta      one row (id = 1): settings (url, device_id, token, format, ca_file), the
//             pull cursor, the HLC (hlc_wall, hlc_counter), next_seq, acked_seq (every
//             seq up to it is acknowledged), clock_offset_ms, the last id minted (uuid_ms,
//             uuid_counter), last_sync_ms / last_attempt_ms / last_error.
//   records   the confirmed state: one row per record as the server last sent it
//             (id, type, org_unit, version, deleted, fields JSON). Tombstones stay.
//   outbox    every local change, one row each (seq PRIMARY KEY, record, type, org_unit,
//             hlc, base, body JSON {"set":{...}} or {"delete":true}, created_ms), then
//             the server's answer: acked_ms, status, result JSON; `settled` = 1 once a
//             pulled state includes it (or it was rejected): it then leaves the view.
//   conflicts what push results reported for this device's changes, one row per
//             (seq, server conflict id, field).
//   review_items  the review items get_review brought (docs/review.md), one row per item:
//             item id, state, record, other_record (duplicates), seq (the review cursor
//             position of its last change of state), body (the item as the JSON
//             subprotocol carries it). meta.review_cursor is where the next get_review
//             resumes; a fetch from 0 replaces the table.
//
// Every method that writes expects to run inside a write_tx (D1); the device opens one
// per operation. Not thread-safe, like the device that owns it.
#pragma once

#include <sotay/sdk/device.hpp>
#include <sotay/sync/hlc.hpp>
#include <sotay/sync/messages.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sotay::sdk::detail {

struct meta_row {
    std::optional<device_settings> settings;
    std::optional<std::string> cursor;
    sync::hlc clock;
    std::uint64_t next_seq = 1;
    std::uint64_t acked_seq = 0;
    std::int64_t clock_offset_ms = 0;
    std::uint64_t uuid_ms = 0;
    std::uint32_t uuid_counter = 0;
    std::optional<std::int64_t> last_sync_ms;
    std::optional<std::int64_t> last_attempt_ms;
    std::optional<std::string> last_error;
    std::uint64_t review_cursor = 0;  // get_review's `after`
};

// One change of the outbox.
struct outbox_row {
    std::uint64_t seq = 0;
    std::string record;
    std::string type;
    std::string org_unit;
    std::string hlc;
    std::uint64_t base = 0;
    sync::field_map set;
    bool del = false;
    std::int64_t created_ms = 0;
    std::optional<std::int64_t> acked_ms;
    bool settled = false;

    sync::change_msg to_change() const;
};

class local_store {
public:
    explicit local_store(const std::filesystem::path& path);

    // A write transaction: BEGIN IMMEDIATE at the outermost level (so two processes
    // never both read the same next_seq), a SAVEPOINT inside device::batch. Rolls back
    // unless commit() was called.
    class write_tx {
    public:
        explicit write_tx(local_store& s);
        ~write_tx();
        write_tx(const write_tx&) = delete;
        write_tx& operator=(const write_tx&) = delete;
        void commit();

    private:
        local_store& s_;
        int level_;
        bool done_ = false;
    };

    meta_row meta();
    void save_settings(const device_settings& s);
    void save_clock(const sync::hlc& clock, std::uint64_t next_seq);
    void save_uuid_state(std::uint64_t ms, std::uint32_t counter);
    void save_offset(std::int64_t offset_ms);
    void save_cursor(const std::optional<std::string>& cursor);
    // The record schema last fetched from the server (version, JSON text), if any.
    std::optional<std::pair<int, std::string>> cached_schema();
    void save_schema(int version, const std::string& document);
    void save_acked_seq(std::uint64_t seq);
    void save_attempt(std::int64_t when_ms, const std::optional<std::string>& error,
                      bool completed);

    // The outbox.
    void append(const outbox_row& row);
    // Changes with seq >= from, in seq order, at most limit.
    std::vector<outbox_row> outbox_from(std::uint64_t from, std::size_t limit);
    // Changes not yet settled: of one record, or of all records (grouped by record).
    std::vector<outbox_row> unsettled(const std::string& record);
    std::map<std::string, std::vector<outbox_row>> unsettled_all();
    // The smallest seq still kept, if any.
    std::optional<std::uint64_t> lowest_kept_seq();
    // Stores the server's answer to change `seq`; a rejected change is settled at once.
    void store_answer(std::uint64_t seq, const sync::change_result& result, std::int64_t now);
    // Returns true if the conflict was not known yet.
    bool add_conflict(std::uint64_t seq, const std::string& record,
                      const sync::conflict_info& c, std::int64_t now);
    // Shifts the hlc of every unacknowledged change by delta_ms (clock correction).
    void shift_unacked_clocks(std::int64_t delta_ms);
    std::size_t purge_acked_before(std::int64_t before_ms);

    // The confirmed state.
    std::optional<record_view> confirmed(const std::string& id);
    std::vector<record_view> confirmed_all();
    // Stores a pulled record and settles the acknowledged changes it includes.
    void put_record(const sync::record_msg& r);
    // Drops an evicted record and settles its acknowledged changes.
    void evict(const std::string& id);

    // Review items (docs/review.md), as get_review brought them.
    void save_review_cursor(std::uint64_t after);
    // Stores an item, unless the replica holds a later state of it (a higher seq).
    void put_review_item(const sync::review_item_msg& item);
    void clear_review_items();
    // Items about record `id` (either record of a duplicate), by item id.
    std::vector<sync::review_item_msg> review_items_of(const std::string& id);
    // Items about a record of the confirmed state (tombstones included), by item id;
    // only the open ones when `open_only`.
    std::vector<sync::review_item_msg> review_items_held(bool open_only);
    std::size_t count_open_review_held();

    // Counts for status().
    std::size_t count_pending();
    std::size_t count_kept();
    std::size_t count_conflicts();
    std::vector<conflict_report> conflicts();
    std::vector<rejected_change> rejected();

private:
    SQLite::Database db_;
    int depth_ = 0;  // open write_tx levels
    // Statements of the hot paths, prepared once.
    SQLite::Statement append_;
    SQLite::Statement answer_;
    SQLite::Statement add_conflict_;
    SQLite::Statement put_record_;
    SQLite::Statement settle_record_;
    SQLite::Statement unsettled_of_;
};

// "{"set":{...}}" / "{"delete":true}" and back.
std::string encode_body(const sync::field_map& set, bool del);
bool decode_body(const std::string& text, sync::field_map& set, bool& del);

}  // namespace sotay::sdk::detail
