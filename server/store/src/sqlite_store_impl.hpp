// The SQLite store's class, shared by the files that implement it:
//   sqlite_store.cpp    opening, migration, schema adoption, connections, meta values
//   sqlite_write.cpp    write(): admission, S5 scope checks, merge, record moves (S6)
//   sqlite_read.cpp     pull (S6), scope_exits, one record, the change log, quarantine
//   sqlite_keys.cpp     natural keys of records and duplicate detection (R2)
//   sqlite_review_open.cpp    opening review items (R1, R2), the format 2 -> 3 copy
//   sqlite_review.cpp         reading review items (R3, R5, R7), conflicts(), follow_merged
//   sqlite_review_decide.cpp  decisions (R4-R6)
//   sqlite_devices.cpp  devices, enrollment, authenticate, revoke (S7)
//   sqlite_users.cpp    users, passwords, web sessions
//   sqlite_org.cpp      the org tree: import, versions, the cached snapshot
//   sqlite_history.cpp  the history (H1-H4): appending to the chain, queries, verify,
//                       the format 3 -> 4 backfill
//   sqlite_reports.cpp  the reports' facts table (F1-F3): refresh, aggregation, the
//                       devices' freshness
//
// Connections: one writer connection, used under write_mutex_ by write() and the
// administrative writes; a small pool of reader connections for everything else. WAL
// mode lets readers run while the writer commits, so pulls never wait for a push.
#pragma once

#include <sotay/store/sqlite_store.hpp>
#include <sotay/sync/ids.hpp>
#include <sotay/sync/diff.hpp>
#include <sotay/sync/merge.hpp>
#include <sotay/sync/record.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sotay::store::detail {

using sync::errc;
using sync::error_info;

std::int64_t system_now_ms();

// A TEXT or BLOB column without a copy; valid until the statement steps again.
inline std::string_view text_of(const SQLite::Column& c) {
    return {static_cast<const char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes())};
}

inline std::string key_of(const sync::uuid_bytes& id) {
    return std::string(reinterpret_cast<const char*>(id.data()), id.size());
}

// The codes as a JSON array, bound to `IN (SELECT value FROM json_each(?))`: one
// parameter however large the subtree.
std::string codes_json(const std::vector<std::string>& codes);

// Error values of the administrative calls (store.hpp).
inline error_info invalid(std::string field, std::string message) {
    return {errc::validation, std::move(message), std::move(field)};
}
inline error_info not_found(std::string field, std::string message) {
    return {errc::not_found, std::move(message), std::move(field)};
}

// The lifetime of a web session or an enrollment code: ten years at most, far beyond
// any sensible one and far from overflowing milliseconds.
inline std::optional<error_info> ttl_problem(std::chrono::seconds ttl) {
    if (ttl.count() > 0 && ttl.count() <= 10LL * 365 * 86'400) return std::nullopt;
    return invalid("ttl", "the lifetime must be positive and at most ten years");
}

// A device row as the write transaction sees and updates it, with its user's access.
struct device_row {
    std::int64_t id = 0;
    std::uint64_t last_seq = 0;
    sync::hlc last_hlc;
    bool revoked = false;
    bool has_user = false;
    access::role role = access::role::officer;
    std::string org_unit;  // the user's: root of the device's scope
    std::string username;  // the user's, for history entries
    bool user_disabled = false;
    bool dirty = false;
};

// A record touched by the current transaction: written back once at the end.
struct record_entry {
    sync::record_state state;
    std::uint64_t server_seq = 0;
    bool dirty = false;
    // Made by this transaction, by change (creator_device, creator_seq): inserted.
    bool created = false;
    std::int64_t creator_device = 0;
    std::uint64_t creator_seq = 0;
    // R2 (sqlite_keys.cpp): the natural key may have changed (key_check), or the record
    // is to be compared with the others whatever its key did (recheck: a merge's
    // survivor); the key hash as stored, and as the transaction leaves it.
    bool key_check = false;
    bool recheck = false;
    std::optional<std::int64_t> key_hash;
    std::optional<std::string> new_key;
    // The key the creating change's push brought (push_request::keys), while no other
    // change of the transaction touched the record.
    bool key_given = false;
    std::optional<std::string> given_key;
};

// Where a change comes from, for apply_change: a device's push, or a review decision
// carried out by the reviewer's review device (R4), which chooses the clock and may
// restore or point a tombstone at a survivor (sync::change).
struct change_source {
    const std::string& device_id;
    std::int64_t clock_offset_ms = 0;
    const std::string* body = nullptr;  // the change as logged (JSON); null: made here
    const std::optional<error_info>* checked = nullptr;  // push_request::checked
    const std::optional<std::string>* key = nullptr;     // push_request::keys
    const sync::hlc* clock = nullptr;                    // decisions: the effective clock
    bool restore = false;
    const std::string* merged_into = nullptr;
};

// One side of a review item as stored (review_items.sides); the username is looked up
// when the item is read.
struct side_row {
    std::string record;
    sync::value val;
    std::string device_id;
    std::uint64_t seq = 0;
    std::string device_hlc;
    std::int64_t received_ms = 0;
};

// A review item to insert (sqlite_review_open.cpp).
struct new_item {
    std::string_view kind;
    std::string_view type;
    std::string_view record;
    std::string_view org_unit;
    std::string_view field;
    std::string_view other_record;
    std::string_view other_org_unit;
    std::string_view natural_key;
    std::uint64_t version = 0;
    bool incoming_won = false;
    side_row sides[2];
    std::int64_t created_ms = 0;
};

// One change received, for its history entry (H3; sqlite_history.cpp).
struct change_entry {
    std::string_view kind;  // "change", "rejected", "resend"
    const std::string& device_id;
    const sync::change_msg& c;
    const change_source* src = nullptr;  // null for a resend
    std::string_view effective_hlc;      // "" unless applied
    const sync::change_result& answer;
    std::string_view type, org_unit;  // the record's (applied), else as the change says
    const std::vector<sync::field_diff>* fields = nullptr;  // applied: what it altered
};

// The registers `c` can write (org_unit, _deleted, its `set`, _merged_into) copied out
// of `r`: diffing two such copies, before and after the merge, lists what the change
// altered without copying whole records on the writer's path.
sync::record_state touched_registers(const sync::record_state& r, const sync::change& c);

// The length of the longest prefix of s that is well-formed UTF-8 (sqlite_history.cpp).
std::size_t utf8_prefix(std::string_view s);

// Format 6 (sqlite_schema.hpp): the bodies the change log keeps empty (applied changes)
// rebuilt from their history entries' "sent", as the writer would have stored them
// (sqlite_history.cpp). Rows with a body are left alone.
void fill_logged_bodies(SQLite::Database& db, std::vector<logged_change>& rows);

struct decision_plan;  // sqlite_review_decide.cpp

class checkpointer;
void checkpoint_poke(checkpointer& c);  // after a commit: copy the WAL back, off this thread

class sqlite_store final : public store {
  public:
    sqlite_store(std::string path, sqlite_options options);
    ~sqlite_store() override;

    // Org tree (sqlite_org.cpp)
    result<org_import_report> import_org(const std::vector<access::org_row>& rows,
                                         const actor& by) override;
    org_snapshot org_tree() override;
    std::optional<org_snapshot> org_tree_at(std::uint64_t version) override;

    // Users and web sessions (sqlite_users.cpp)
    result<user_info> add_user(const new_user& u, const actor& by) override;
    result<user_info> find_user(const std::string& username) override;
    std::vector<user_info> list_users() override;
    result<user_info> set_user_disabled(const std::string& username, bool disabled,
                                        const actor& by) override;
    result<user_info> move_user(const std::string& username, const std::string& org_unit,
                                const actor& by) override;
    result<user_info> set_user_role(const std::string& username, access::role r,
                                    const actor& by) override;
    result<void> set_password(const std::string& username, const std::string& password,
                              const actor& by) override;
    result<user_info> check_password(const std::string& username, const std::string& password,
                                     const actor& by) override;
    result<web_session> create_web_session(std::int64_t user_id, std::chrono::seconds ttl,
                                           const actor& by) override;
    result<user_info> web_session_user(const std::string& token) override;
    void end_web_session(const std::string& token, const actor& by) override;

    // Devices (sqlite_devices.cpp)
    result<new_device> add_device(const std::string& name, const std::string& username,
                                  const actor& by) override;
    result<enrollment_code> create_enrollment_code(const std::string& username,
                                                   std::chrono::seconds ttl,
                                                   const actor& by) override;
    result<enrolled_device> enroll(const std::string& typed_code, const std::string& device_name,
                                   const actor& by) override;
    result<device_info> authenticate(const std::string& device_id,
                                     const std::string& token) override;
    result<device_info> device_access(const std::string& device_id) override;
    result<device_info> revoke_device(const std::string& device_id, const actor& by) override;
    std::vector<device_info> list_devices(const scope_filter& scope) override;
    std::uint64_t security_epoch() override;
    std::string server_secret(const std::string& name) override;

    // Writes (sqlite_write.cpp)
    result<write_outcome> write(const write_batch& batch) override;

    // Reads (sqlite_read.cpp)
    result<pull_page> pull(const scope_filter& scope, std::uint64_t after,
                           std::size_t limit) override;
    result<exit_page> scope_exits(const scope_filter& from, const scope_filter& to,
                                  std::uint64_t moved_after, const std::string& after_record,
                                  std::size_t limit) override;
    std::uint64_t head() override;
    int schema_version() override;
    std::vector<logged_change> change_log(const std::optional<std::string>& device_id) override;
    std::vector<logged_change> quarantine(const scope_filter& scope, std::size_t limit) override;
    result<sync::record_msg> record(const std::string& id, const scope_filter& scope) override;

    // Review (sqlite_review.cpp, sqlite_review_decide.cpp)
    std::vector<conflict_row> conflicts() override;
    result<review_page> review_items(const review_query& q) override;
    result<sync::review_item_msg> review_item(std::int64_t id, const scope_filter& scope) override;
    result<decision_outcome> decide(const review_decision& d) override;
    std::uint64_t review_seq() override;
    std::string follow_merged(const std::string& record) override;

    // History (sqlite_history.cpp)
    result<history_page> history(const history_query& q) override;
    result<verify_report> verify_history(
        const std::optional<audit::signed_head>& trusted,
        const std::function<void(std::uint64_t)>& progress) override;
    std::pair<std::uint64_t, audit::digest> history_head() override;
    result<void> record_event(const std::string& kind, const actor& by,
                              const boost::json::object& detail) override;

    // Reports (sqlite_reports.cpp)
    result<refresh_report> refresh_report_facts(
        const reports::definitions& defs,
        const std::function<void(std::uint64_t, std::uint64_t)>& progress) override;
    result<report_data> report_values(const reports::definitions& defs, const reports::period& p,
                                      const scope_filter& scope) override;
    std::vector<reports::device_sync> device_syncs(const scope_filter& scope) override;

  private:
    // Connections (sqlite_store.cpp) ---------------------------------------------------
    // A reader connection on loan; returned to the pool when the handle dies.
    struct reader_deleter {
        sqlite_store* owner;
        void operator()(SQLite::Database* db) const;
    };
    using reader_handle = std::unique_ptr<SQLite::Database, reader_deleter>;
    reader_handle borrow_reader();

    error_info fail(const char* what, const std::exception& e);
    static error_info auth_failed();

    void migrate();
    void adopt_schema(const schema::schema& s);
    // The schema last stored in meta (schema_json), or null.
    std::shared_ptr<const schema::schema> stored_schema();

    // meta values: '0' when absent. read_meta works on any connection (inside its
    // transaction); watched_meta on a connection of its own, for the cheap polls of
    // security_epoch() and org_tree(). bump_meta adds one, in the writer's transaction.
    static std::uint64_t read_meta(SQLite::Database& db, const char* key);
    std::uint64_t watched_meta(const char* key);
    void bump_meta(const char* key);
    std::int64_t now() const { return options_.now_ms(); }

    // Org tree (sqlite_org.cpp) ----------------------------------------------------------
    // The tree at `version`, read with `db` when not cached; nullopt if never committed.
    std::optional<org_snapshot> snapshot_at(SQLite::Database& db, std::uint64_t version);
    // The current tree as `db`'s transaction sees it.
    org_snapshot current_org(SQLite::Database& db);

    // Users (sqlite_users.cpp) -----------------------------------------------------------
    // A user row in the writer's transaction; nullopt if no such username.
    std::optional<user_info> writer_user(const std::string& username);
    // The end of a user change: bumps security_epoch, re-reads the row, commits.
    result<user_info> finish_user_change(SQLite::Transaction& tx, const std::string& username);
    void end_user_sessions(std::int64_t user_id);

    // Devices (sqlite_devices.cpp) -------------------------------------------------------
    // Inserts a device for a user in the writer's open transaction.
    new_device insert_device(const std::string& name, std::int64_t user_id);
    result<std::int64_t> enabled_user_id(const std::string& username);

    // Writes (sqlite_write.cpp) ----------------------------------------------------------
    void prepare_writer();
    device_row* load_device(const std::string& device_id);
    record_entry& load_record(const sync::uuid_bytes& id, const std::string& id_text);
    void record_hello(const hello_record& h);
    void record_pull(const pull_mark& m);
    push_outcome apply_push(const push_request& p, std::int64_t now);
    std::optional<error_info> push_denial(const device_row& d) const;
    sync::change_result stored_answer(const device_row& d, const sync::change_msg& c);
    sync::change_result apply_change(device_row& d, const change_source& src,
                                     const sync::change_msg& c,
                                     const std::optional<error_info>& denial, std::int64_t now);
    std::optional<error_info> scope_check(const device_row& d, std::string_view org_unit,
                                          bool current) const;
    void insert_change(const device_row& d, const sync::change_msg& c, const std::string* body,
                       const std::string& effective_text, std::int64_t now,
                       std::uint64_t server_seq, const sync::change_result& res);
    // Starts a transaction's work: the caches emptied, head, review_seq, the tree and the
    // time read.
    void begin_work(bool with_tree);
    void flush();

    // Natural keys (sqlite_keys.cpp) ---------------------------------------------------
    // R2, after a change with `set` was merged into record `e`: notes whether its key may
    // have changed (created, deleted or restored, a key component set or moved).
    // was_live/org_before: the record before the change.
    void note_key(const sync::uuid_bytes& id, record_entry& e, const sync::field_map& set,
                  bool created, bool was_live, std::string_view org_before);
    void mark_key(const sync::uuid_bytes& id, record_entry& e);
    // At flush, before the records are written: each noted record's key as it ends.
    void final_keys();
    // At flush, after they are written: a duplicate item per other live record with the
    // same key, for every noted record whose key is new (a create found by a create of
    // the same batch too).
    void detect_duplicates();
    void find_duplicates(const sync::uuid_bytes& id, const record_entry& e, const std::string& key);
    // The change that created a stored record, as an item's side.
    side_row creator_side(const sync::uuid_bytes& id, const std::string& id_text);
    // Every stored record's key hash, recomputed (a schema whose natural keys differ from
    // the stored one's), and the creating changes of records made before format 3.
    void rebuild_keys(const schema::schema& s);
    void fill_creators();

    // Review items (sqlite_review_open.cpp) --------------------------------------------
    std::int64_t insert_item(const new_item& item);
    // R1: the item for one conflict entry of the merge; its id goes to the push result.
    sync::conflict_info open_conflict_item(const change_source& src, const sync::change_msg& c,
                                           const sync::conflict& k, const record_entry& e,
                                           std::int64_t now);
    // The logged change that wrote a register, found by its writer.
    side_row writer_side(const sync::writer& w, const std::string& record, const sync::value& v);
    void migrate_conflicts();

    // Decisions (sqlite_review_decide.cpp) ---------------------------------------------
    // The user's review device (R4), made on first use: its id and row.
    std::unordered_map<std::string, device_row>::value_type& review_device(const user_info& u);
    result<decision_plan> plan_decision(const sync::review_item_msg& item, const review_decision& d,
                                        const user_info& user);
    std::optional<error_info> carry_out(const decision_plan& plan, const user_info& user,
                                        const review_decision& d, std::int64_t now,
                                        std::vector<std::string>& written);
    std::vector<std::int64_t> settle(const sync::review_item_msg& item,
                                     const std::string& merged_away, std::int64_t user_id,
                                     std::int64_t now);
    void recheck_survivor(const std::string& survivor);

    // History (sqlite_history.cpp) -------------------------------------------------------
    // Appends e as the next entry of the chain, on the writer inside its open transaction
    // (H1); e.seq is set here. The chain's head is read from the table on the first
    // append of each transaction (begin_work, and every administrative append, forget
    // it): another process may have appended since.
    void append_history(audit::history_entry e);
    // One administrative action's entry, in its own transaction (re-reads the head): `by`
    // is who (the username column), its via and address go into the detail with what
    // changed. `self`, when given, is the username instead: the user acted on their
    // own account (login, logout, enrollment), before anyone was authenticated.
    void append_admin(std::string kind, const actor& by, boost::json::object detail,
                      const std::string* self = nullptr);
    void record_login_failure(const std::string& typed, const actor& by);
    // One change's entry (H3).
    void append_change_entry(const device_row& d, const change_entry& e);
    void backfill_history();  // format 3 -> 4 (migrate)

    std::string path_;
    sqlite_options options_;

    std::mutex write_mutex_;  // guards writer_, its statements and the caches below
    SQLite::Database writer_;
    std::unique_ptr<SQLite::Statement> sel_device_, upd_device_, sel_result_, ins_change_,
        sel_record_, put_record_, ins_move_, upd_pulled_;
    // Creates, natural keys and review items.
    std::unique_ptr<SQLite::Statement> ins_record_, upd_key_, sel_same_key_, ins_item_,
        sel_open_pair_;
    std::unordered_map<std::string, device_row> devices_;    // per transaction
    std::unordered_map<std::string, record_entry> records_;  // per transaction
    // Per transaction: the records noted for R2, in order (entries of records_, whose
    // addresses stay put).
    std::vector<std::pair<sync::uuid_bytes, record_entry*>> key_order_;
    std::int64_t now_ms_ = 0;  // per transaction
    std::uint64_t head_ = 0;
    std::uint64_t review_seq_ = 0;       // per transaction (R7)
    std::uint64_t review_seq_read_ = 0;  // its value when the transaction began
    std::shared_ptr<const access::org_tree> tree_;  // per transaction: the tree at commit
    // The history's head as this transaction left it; valid while history_known_.
    std::unique_ptr<SQLite::Statement> ins_history_, sel_history_head_;
    bool history_known_ = false;
    std::uint64_t history_seq_ = 0;
    audit::digest history_hash_{};

    // One refresher of the report facts at a time (F2); taken before write_mutex_, which
    // each of its chunks takes in turn.
    std::mutex refresh_mutex_;

    std::mutex readers_mutex_;
    std::vector<std::unique_ptr<SQLite::Database>> readers_;

    std::mutex watch_mutex_;  // guards watch_db_ and watch_q_
    std::unique_ptr<SQLite::Database> watch_db_;
    std::unique_ptr<SQLite::Statement> watch_q_;

    std::mutex org_mutex_;  // guards org_current_ and org_cache_
    org_snapshot org_current_;
    std::map<std::uint64_t, org_snapshot> org_cache_;  // a few recent versions

    std::unique_ptr<checkpointer> checkpoints_;  // after writer_: stops before it closes
};

}  // namespace sotay::store::detail
