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
//   S5. Scope (issue 5): write() applies a change only if the device is not revoked, its
//       user is enabled and may write records (access::permission::write_records), and
//       both the org unit the change names and the record's current org unit (when it
//       exists) lie in the subtree of the user's org unit, as the org tree stands at
//       commit time. Otherwise the change is rejected (device_revoked, forbidden,
//       out_of_scope) and kept like any rejected change (S2).
//   S6. pull(scope, ...) returns only records whose current org unit is in scope, and in
//       `evict` every record that a change in (after, next] moved from an org unit in
//       scope to one outside it. A record that moved out and back in the same range is
//       sent, not evicted.
//   S7. security_epoch() grows whenever something that can end a session or change a
//       scope is committed: a device revoked, a user disabled or moved, the org tree
//       changed, a password reset. It is kept in the database, so a change made by
//       sotay-admin in another process is seen by the server.
//
// Thread safety: write() must be called from one thread at a time (the server's commit
// queue owns it). Every other member may be called from any thread concurrently with
// write(): readers see the last committed state.
#pragma once

#include <sotay/access/org_tree.hpp>
#include <sotay/access/roles.hpp>
#include <sotay/audit/chain.hpp>
#include <sotay/audit/entry.hpp>
#include <sotay/audit/signing.hpp>
#include <sotay/reports/evaluate.hpp>
#include <sotay/reports/indicators.hpp>
#include <sotay/reports/rollup.hpp>
#include <sotay/sync/error.hpp>
#include <sotay/sync/messages.hpp>

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
    std::int64_t revoked_ms = 0;
    std::int64_t clock_offset_ms = 0;  // last measured server_time - client_time
    std::int64_t last_seen_ms = 0;     // server time of the last hello, 0 = never
    std::int64_t created_ms = 0;
    // Its user (every device has one; devices made before users existed have user_id 0
    // and are refused at hello with a request to enrol again).
    std::int64_t user_id = 0;
    std::string username;
    access::role role = access::role::officer;
    std::string org_unit;  // the user's org unit: the root of the device's scope
    bool user_disabled = false;
    // The highest server_seq the device said it holds (the `after` of its last pull).
    std::uint64_t pulled_seq = 0;
    // list_devices only: records in its scope changed after pulled_seq (what the server
    // holds that the device has not received), and its changes kept in quarantine.
    std::uint64_t pending_pull = 0;
    std::uint64_t rejected = 0;
};

// Users ---------------------------------------------------------------------------------

struct user_info {
    std::int64_t id = 0;
    std::string username;  // [a-z0-9._-], 2..64 bytes, unique
    std::string display_name;
    access::role role = access::role::officer;
    std::string org_unit;  // root of the user's scope; must exist in the org tree
    bool disabled = false;
    bool has_password = false;  // false: no web login until a password is set
    std::int64_t created_ms = 0;
};

struct new_user {
    std::string username;
    std::string display_name;
    access::role role = access::role::officer;
    std::string org_unit;
    std::string password;  // empty = none yet (device-only users); else access::password_problem
};

// A browser's or script's login (HTTP API). The token goes into an HttpOnly cookie and
// is stored hashed.
struct web_session {
    std::string token;  // shown once
    std::int64_t expires_ms = 0;
    user_info user;
};

// Enrollment ----------------------------------------------------------------------------

struct enrollment_code {
    std::string code;  // "ABCDE-FGHJK", shown once; stored hashed
    std::string username;
    std::int64_t expires_ms = 0;
};

struct enrolled_device {
    new_device device;
    user_info user;
};

// The org tree --------------------------------------------------------------------------

// The tree as committed, with the version it has (1 for the first import, +1 for every
// import that changed something; 0 = empty tree). Every version is kept so that a
// device's cursor, which names the version it was issued under, can still be read.
struct org_snapshot {
    std::uint64_t version = 0;
    std::shared_ptr<const access::org_tree> tree;  // never null
};

struct org_import_report {
    bool applied = false;  // false: errors is not empty and nothing was written
    std::vector<access::row_error> errors;
    std::size_t added = 0;
    std::size_t updated = 0;
    std::size_t unchanged = 0;
    std::uint64_t version = 0;  // the tree version after the import
};

// Scopes --------------------------------------------------------------------------------

// Which records a reader may see: everything, or those whose org unit is one of `codes`
// (a subtree: access::org_tree::subtree). Sorted codes make lookups binary searches.
struct scope_filter {
    bool everything = false;
    std::vector<std::string> codes;  // sorted, unique

    static scope_filter all() { return {true, {}}; }
    static scope_filter of(std::vector<std::string> codes);  // sorts and dedups
    bool contains(std::string_view code) const;
};

// The records a device that held scope `from` must drop when its scope becomes `to`.
struct exit_page {
    std::vector<std::string> records;  // record ids, ascending
    bool more = false;
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
    // Optional, like bodies: one per change, schema::natural_key of the record the change
    // would create (its type's key over its org_unit and NFC-normalised `set`), computed
    // off the writer thread; the store uses it only when the change does create its
    // record (R2; nullopt = an incomplete key). Empty, or one per change.
    std::vector<std::optional<std::string>> keys;
};

// The answer to one push. When `refused` is set (seq_gap, bad_message) nothing of the
// push was applied and `results` is empty.
struct push_outcome {
    std::optional<sync::error_info> refused;
    std::uint64_t last_seq = 0;  // the device's durable last_seq after this push
    std::vector<sync::change_result> results;
};

// A device pulled from cursor position `after`: it holds everything up to there.
struct pull_mark {
    std::string device_id;
    std::uint64_t after = 0;
};

// Work for one transaction: the commit queue gathers the requests of many sessions.
struct write_batch {
    std::vector<hello_record> hellos;
    std::vector<push_request> pushes;
    std::vector<pull_mark> pulls;
};

struct write_outcome {
    std::vector<push_outcome> pushes;  // one per request, same order
    std::uint64_t head = 0;            // highest server_seq committed
    std::uint64_t review_seq = 0;      // R7: after this write (items it opened)
};

struct pull_page {
    std::vector<sync::record_msg> records;
    std::vector<std::string> evict;  // S6
    std::uint64_t next = 0;          // server_seq to resume after
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
    std::string username;          // the device's user at the time of listing
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

// Review (issue 6; docs/review.md) -------------------------------------------------------
//
// Invariants (tests/server/store_review_test.cpp cites them):
//   R1. Every conflict entry of the merge (merge.hpp M3) opens one review item in the same
//       transaction that applied the change: kind "field" for a field or org_unit
//       register, "delete_edit" for `_deleted`. Sides: [0] the value the change met (its
//       writer's change), [1] the incoming change's value.
//   R2. A change that creates a live record, restores one, or changes a component of its
//       natural key (schema::natural_key) opens one "duplicate" item per other live
//       record of the type with the same key, unless an item for that pair is open.
//       Deleting a record or emptying its key takes it out of duplicate detection.
//   R3. Items are seen only by readers whose scope holds the item's record and, for a
//       duplicate, the other record too (org units as they were when it opened).
//   R4. A decision is applied, in one transaction, as ordinary changes authored by the
//       deciding user's review device (a device of that user named "review decisions",
//       made on first use), each with base = the record's current version and a clock
//       greater than every register it settles: it wins over both sides and syncs to
//       every device in scope like any change (S3, S6).
//   R5. Deciding an item that is not open is errc::conflict, naming who decided what
//       and when. Resolving an open item that a newer edit superseded (the field's or
//       tombstone's register was written after the item opened; for a duplicate, either
//       record was deleted or its key changed) is errc::superseded; nothing is written.
//       Dismissing is allowed for every open item.
//   R6. A decision settles the other open items about the same thing (the same record
//       and field; the same record's tombstone; duplicates of a merged-away record):
//       they become resolved with decision "settled" and settled_by = the item decided.
//   R7. review_seq() grows with every item opened, decided or dismissed; every item
//       carries the review_seq of its last change of state (the cursor of get_review).

enum class review_action {
    pick_side,       // field or delete_edit: keep side[side]'s value
    enter_value,     // field: keep `value` (checked against the schema)
    restore,         // delete_edit: bring the record back, with every merged edit
    confirm_delete,  // delete_edit: keep it deleted
    merge,           // duplicate: keep `survivor`, take fields from the other, tombstone it
    dismiss,         // any kind: close without changing a record; `reason` required
};

struct review_decision {
    std::int64_t item = 0;
    std::string username;  // the deciding user: enabled, permission review, item in scope
    review_action action = review_action::dismiss;
    int side = 0;          // pick_side: 0 or 1
    sync::value value;     // enter_value
    std::string survivor;  // merge: the item's record or its other_record
    // merge: field -> the record whose value the survivor keeps (the survivor's own
    // value for every field not named). Only fields of the type's schema.
    std::map<std::string, std::string, std::less<>> take;
    std::string reason;    // dismiss: 1..500 characters
    // How the decision reached the store, for its history entry (as actor::via and
    // actor::address): "api" with the client's address, "sotay-admin", ...
    std::string via;
    std::string address;
};

struct decision_outcome {
    sync::review_item_msg item;           // the item as it is now (resolved or dismissed)
    std::vector<std::int64_t> settled;    // other items this decision settled (R6)
    std::vector<std::string> records;     // records the decision's changes wrote
    std::uint64_t head = 0;               // highest server_seq after the decision
};

struct review_query {
    scope_filter scope = scope_filter::all();  // the reader's scope (R3)
    std::optional<std::string> kind;           // "field", "delete_edit", "duplicate"
    std::optional<std::string> state;          // "open", "resolved", "dismissed"
    std::optional<std::string> type;           // record type
    std::optional<std::string> record;         // items about this record (either side)
    std::optional<std::int64_t> from_ms, to_ms;  // created_ms in [from, to)
    std::uint64_t after = 0;                   // review_seq cursor: items changed after it
    std::size_t limit = 100;                   // 1..1000
};

struct review_page {
    std::vector<sync::review_item_msg> items;  // ascending review_seq
    std::uint64_t next = 0;  // the review_seq to resume after
    bool more = false;
};

// History (issue 7; docs/audit.md) -----------------------------------------------------
//
// Invariants (tests/server/store_history_test.cpp cites them):
//   H1. Every change received (applied, rejected, and each resend answered duplicate),
//       every review decision and dismissal, and every administrative action (org import,
//       user added / disabled / enabled / moved / role changed / password set, device
//       added / enrolled / revoked, enrollment code created, web login succeeded or
//       failed, logout) appends one history entry in the same transaction as the thing
//       it records. Entries are never updated or deleted; nothing else writes the table.
//   H2. Entry n's body is audit::entry_body(entry) with entry.seq = n, and its hash is
//       audit::link(hash of entry n-1, n, body) (entry 1 follows audit::genesis()). The
//       indexed columns (at_ms, kind, username, device_id, record, type, org_unit) say
//       exactly what the body says (verify_history checks it).
//   H3. A change's entry (kind "change", "resend" or "rejected") holds in `detail`: the
//       device's seq, device hlc, effective hlc, base, the answer (status, error,
//       conflict item ids), the change as the device sent it ("sent": its org unit and
//       set or delete; a set value equal to its register's "after" in "fields" is only
//       named, in "sent"."set_as_after", and audit::expand_sent puts it back; since
//       format 6 this is the one copy of an applied change's body, change_log() rebuilds
//       it),
//       and for an applied change "fields": {register: {"before": v, "after": v}} for
//       every register whose value it altered (sync::diff; "_deleted", "org_unit" and
//       "_merged_into" included). A decision's entries are the changes it wrote (kind
//       "change", device = the reviewer's review device) plus one entry kind "decision"
//       naming the item, the action and what was chosen.
//   H4. Nothing that compacts or prunes the sync log (changes, record_moves) touches
//       history.

// Who did an administrative action, for its history entry.
struct actor {
    std::string username;   // "" = the system (demo seeding, migrations)
    std::string via;        // "api" (with the client's address), "sotay-admin", "server"
    std::string address;    // the HTTP client's address when via == "api"
};

struct history_query {
    std::optional<std::string> record;     // that record's timeline
    std::optional<std::string> username;   // what a user did
    std::optional<std::string> device_id;  // what came from a device
    std::optional<std::string> kind;
    // Entries about records are listed when their org unit is in scope; entries about
    // no record (logins, user and device actions) only when scope.everything.
    scope_filter scope = scope_filter::all();
    std::optional<std::int64_t> from_ms, to_ms;  // at_ms in [from, to)
    std::uint64_t after = 0;                     // entry seq cursor
    std::size_t limit = 1000;                    // 1..10000
};

struct history_row {
    audit::history_entry entry;  // parsed from the stored body
    std::string body;            // the stored bytes, as hashed
    audit::digest hash{};
};

struct history_page {
    std::vector<history_row> rows;  // ascending seq
    std::uint64_t next = 0;
    bool more = false;
};

struct verify_report {
    std::uint64_t entries = 0;               // rows read
    std::optional<audit::chain_problem> problem;  // nullopt = intact
    // The problem is H2's, not the chain's: the row's hashed body is intact but one of its
    // indexed columns says something else (kind `changed`, message naming the column), so
    // queries by that column would lie. Reported when it comes before any chain problem.
    bool in_columns = false;
    std::uint64_t head_seq = 0;              // last entry verified
    audit::digest head_hash{};
};

// Reports (issue 8; docs/reports.md, "How the store computes figures") -----------------
//   F1. report_values(defs, p, scope) equals reports::evaluate(defs, p, R), R being every
//       live record (not deleted, not merged away) whose current org unit is in scope, as
//       of server_seq `as_of`.
//   F2. It reads a derived table of facts (reports/facts.hpp): the facts of every record
//       changed after the table's mark are replaced before answering, so the answer is
//       never staler than the call; a table built under another fingerprint
//       (reports::fingerprint: other definitions, or another facts rule) is rebuilt whole.
//       Refreshing commits in chunks of at most refresh_chunk records, each a short
//       transaction serialised with write(), so pushes never wait for a whole rebuild.
//   F3. The facts table is derived only: deleting its rows and its mark loses nothing (the
//       next refresh rebuilds it), and it never enters the history.
struct report_data {
    reports::unit_values values;
    std::uint64_t as_of = 0;  // the server_seq the figures include every change up to
};

struct refresh_report {
    std::uint64_t records = 0;  // records whose facts were (re)computed
    std::uint64_t facts = 0;    // facts written
    bool rebuilt = false;       // the whole table was rebuilt (new fingerprint)
    std::uint64_t as_of = 0;    // the table's mark afterwards
};

inline constexpr std::size_t refresh_chunk = 5000;

class store {
public:
    virtual ~store() = default;

    // Errors of the administrative calls below: validation (a bad argument, with the
    // field), not_found (no such user, device or org unit), conflict (a username taken,
    // a code already used), auth_failed (wrong password or code), internal (storage).

    // Org tree ------------------------------------------------------------------------
    // Checks rows against the current tree (access::org_tree::merge) and, only if every
    // row is valid, writes them in one transaction (T3, S7). Row errors are in the
    // report, not the result's error.
    virtual result<org_import_report> import_org(const std::vector<access::org_row>& rows,
                                                 const actor& by = {}) = 0;
    virtual org_snapshot org_tree() = 0;  // cheap: a shared snapshot
    // The tree as it was at `version`; nullopt for a version never committed.
    virtual std::optional<org_snapshot> org_tree_at(std::uint64_t version) = 0;

    // Users ---------------------------------------------------------------------------
    virtual result<user_info> add_user(const new_user& u, const actor& by = {}) = 0;
    virtual result<user_info> find_user(const std::string& username) = 0;
    virtual std::vector<user_info> list_users() = 0;
    // Disabling ends the user's web sessions and (S7) their devices' connections.
    virtual result<user_info> set_user_disabled(const std::string& username, bool disabled,
                                                const actor& by = {}) = 0;
    virtual result<user_info> move_user(const std::string& username, const std::string& org_unit,
                                        const actor& by = {}) = 0;
    virtual result<user_info> set_user_role(const std::string& username, access::role r,
                                            const actor& by = {}) = 0;
    // Sets (or resets) the password and ends the user's web sessions.
    virtual result<void> set_password(const std::string& username, const std::string& password,
                                      const actor& by = {}) = 0;
    // auth_failed for an unknown user, a wrong password, no password or a disabled user
    // (one message for all: a caller cannot probe which usernames exist).
    // A failure is recorded in the history as "login_failed" (H1), with `by`'s address.
    virtual result<user_info> check_password(const std::string& username,
                                             const std::string& password,
                                             const actor& by = {}) = 0;

    // Web sessions --------------------------------------------------------------------
    // Recorded as "login" (H1).
    virtual result<web_session> create_web_session(std::int64_t user_id,
                                                   std::chrono::seconds ttl,
                                                   const actor& by = {}) = 0;
    // auth_failed for an unknown or expired token or a disabled user.
    virtual result<user_info> web_session_user(const std::string& token) = 0;
    virtual void end_web_session(const std::string& token, const actor& by = {}) = 0;

    // Devices -------------------------------------------------------------------------
    // Registers a device for a user directly (sotay-admin, tests, the demo); phones use
    // enrollment codes.
    virtual result<new_device> add_device(const std::string& name, const std::string& username,
                                          const actor& by = {}) = 0;
    // A one-time code for `username`, valid for `ttl`.
    virtual result<enrollment_code> create_enrollment_code(const std::string& username,
                                                           std::chrono::seconds ttl,
                                                           const actor& by = {}) = 0;
    // Exchanges a code (as typed: access::normalize_enrollment_code) for a new device.
    // auth_failed names why: unknown, already used, expired, user disabled.
    virtual result<enrolled_device> enroll(const std::string& typed_code,
                                           const std::string& device_name,
                                           const actor& by = {}) = 0;
    // Checks a hello's credentials; on success returns the device (with last_seq and its
    // user). auth_failed for an unknown device, a wrong token or a device without a
    // user; device_revoked for a revoked device or a disabled user.
    virtual result<device_info> authenticate(const std::string& device_id,
                                             const std::string& token) = 0;
    // A device's current state without a token check (the server re-checks its open
    // sessions with it when security_epoch() changes). not_found for an unknown id.
    virtual result<device_info> device_access(const std::string& device_id) = 0;
    // Revokes at once (S7). not_found; revoking twice is not an error.
    virtual result<device_info> revoke_device(const std::string& device_id,
                                              const actor& by = {}) = 0;
    // Every device, with pending_pull and rejected filled in; `scope` limits the list
    // to devices whose user's org unit is in it.
    virtual std::vector<device_info> list_devices(const scope_filter& scope) = 0;
    std::vector<device_info> list_devices() { return list_devices(scope_filter::all()); }
    virtual std::uint64_t security_epoch() = 0;  // S7
    // A 32-byte random key named `name`, made on first use and kept in the database, so
    // the server keeps it across restarts and every process on the file shares it (the
    // server signs pull cursors with "cursor").
    virtual std::string server_secret(const std::string& name) = 0;

    // Writes (one caller at a time; see S1) -----------------------------------------
    virtual result<write_outcome> write(const write_batch& batch) = 0;

    // Reads ---------------------------------------------------------------------
    // Records in scope changed after server_seq `after`, at most `limit`, oldest change
    // first, and the evictions of S6.
    virtual result<pull_page> pull(const scope_filter& scope, std::uint64_t after,
                                   std::size_t limit) = 0;
    result<pull_page> pull(std::uint64_t after, std::size_t limit) {
        return pull(scope_filter::all(), after, limit);
    }
    // Records a device must drop when its scope changes from `from` to `to` (a user
    // moved, the org tree changed): records whose current org unit is in `from` and not
    // in `to`, plus records moved out of `from` by a change after server_seq
    // `moved_after` whose current org unit is not in `to`. Ids after `after_record`
    // (empty = from the start), ascending, at most `limit`.
    virtual result<exit_page> scope_exits(const scope_filter& from, const scope_filter& to,
                                          std::uint64_t moved_after,
                                          const std::string& after_record,
                                          std::size_t limit) = 0;
    // One record's current state; not_found when there is none or it is outside scope.
    virtual result<sync::record_msg> record(const std::string& id, const scope_filter& scope) = 0;
    virtual std::uint64_t head() = 0;
    virtual int schema_version() = 0;
    virtual std::vector<logged_change> change_log(const std::optional<std::string>& device_id) = 0;
    // Rejected changes whose org unit (as sent) is in scope, newest first, at most limit.
    virtual std::vector<logged_change> quarantine(const scope_filter& scope, std::size_t limit) = 0;
    virtual std::vector<conflict_row> conflicts() = 0;

    // Review (R1-R7) --------------------------------------------------------------------
    // Items matching the query, oldest change of state first.
    virtual result<review_page> review_items(const review_query& q) = 0;
    // One item; not_found when there is no such item or it is outside `scope` (R3).
    virtual result<sync::review_item_msg> review_item(std::int64_t id,
                                                      const scope_filter& scope) = 0;
    // Applies a decision (R4-R6) in its own transaction, serialised with write(): may be
    // called from any thread. Errors: not_found (item, or out of the user's scope),
    // forbidden (the user may not review), conflict / superseded (R5), validation (a bad
    // side, value, survivor, field or reason; the field named).
    virtual result<decision_outcome> decide(const review_decision& d) = 0;
    virtual std::uint64_t review_seq() = 0;  // R7; cheap (the server polls it)
    // A merged-away record's survivor, following `_merged_into` to the end (a chain of
    // merges); the id itself when it was not merged. Reports count survivors only.
    virtual std::string follow_merged(const std::string& record) = 0;

    // History (H1-H4) -------------------------------------------------------------------
    virtual result<history_page> history(const history_query& q) = 0;
    // Walks every entry in seq order through audit::chain_verifier, checking each body
    // against its indexed columns (H2), and against `trusted` (a signed head whose
    // signature the caller checked) when given. Reads on a connection of its own: writes
    // go on meanwhile. `progress(rows read)` is called every 10,000 rows when set.
    virtual result<verify_report> verify_history(
        const std::optional<audit::signed_head>& trusted,
        const std::function<void(std::uint64_t)>& progress = {}) = 0;
    // The newest entry's (seq, hash); (0, audit::genesis()) for an empty history.
    virtual std::pair<std::uint64_t, audit::digest> history_head() = 0;
    // An event only the caller sees, appended as its own entry (H1): kind, who, detail.
    virtual result<void> record_event(const std::string& kind, const actor& by,
                                      const boost::json::object& detail) = 0;

    // Reports (F1-F3) -------------------------------------------------------------------
    // Brings the facts table up to date with every record changed since its mark (F2).
    // May be called from any thread. `progress(records done, records to do)` is called
    // after each chunk when set. Errors: internal (storage), with the reason.
    virtual result<refresh_report> refresh_report_facts(
        const reports::definitions& defs,
        const std::function<void(std::uint64_t, std::uint64_t)>& progress = {}) = 0;
    // Refreshes (F2), then aggregates the facts in the period's windows per org unit and
    // measure, for the org units in scope (F1). Errors: internal (storage; a sum that
    // leaves the 64-bit range).
    virtual result<report_data> report_values(const reports::definitions& defs,
                                              const reports::period& p,
                                              const scope_filter& scope) = 0;
    // Every device that syncs records for a user whose org unit is in scope (not revoked,
    // not a review-decision device), with its user's org unit and its last sync (the last
    // hello; nullopt when it never synced): the inputs of reports::freshness_of.
    virtual std::vector<reports::device_sync> device_syncs(const scope_filter& scope) = 0;
};

}  // namespace sotay::store
