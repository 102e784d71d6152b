// The device SDK: what a phone app (or the `sotay` CLI) links to work offline and sync.
//
// One `device` object owns one local SQLite replica (one file per device) holding:
//   - the confirmed state: each record as the server last sent it;
//   - the outbox: every local edit as its own numbered change (seq 1, 2, 3, ...), never
//     collapsed, kept after the server acknowledged it for `options::retention`;
//   - the device's clock (HLC and the offset learned from the server), the pull cursor,
//     and the conflicts the server reported for this device's changes;
//   - the review items (docs/review.md) in the user's scope, fetched after each pull
//     from a stored review cursor: what the district decided about this device's records.
// What the officer sees (get/list) is the LOCAL VIEW: the confirmed state with every
// change not yet confirmed by a pull applied on top, in seq order.
//
// Invariants (tests/sdk and tests/e2e/cli_*_test.cpp cite them):
//   D1. Every state change is one local transaction, durable (WAL, synchronous=FULL)
//       before the call returns: a new change with its seq and clock; a push answer
//       (acks, results, conflicts); a pulled page with the cursor after it.
//   D2. seqs are given out without gaps and never reused; the HLC never goes back, even
//       across restarts and a system clock set back. (A clock correction from the server,
//       see sync(), moves the HLC and every unsent stamp onto the server's time together.)
//   D3. A change stays in the view until a pull brings a record state that includes it
//       (or the server rejected it): a pending edit never vanishes from what the officer
//       sees, whatever fails in between.
//   D4. sync() can be cut at any point (lost link, killed app) and simply run again:
//       the server's welcome.last_seq says what it holds, the device resends the rest,
//       nothing is lost and the server never applies a change twice.
//   D5. Acknowledged changes are kept for `retention`; a server restored from an older
//       backup (welcome.last_seq below what it acknowledged) gets them again.
//
// Thread safety: none; one thread uses a device at a time. Several processes (or several
// device objects) may open the same file: SQLite serialises their transactions, so seqs
// stay unique, and a lock file lets only one of them sync at a time.
// Errors: sdk::error for what a caller can act on; storage failures throw
// std::runtime_error (SQLite's message) and leave the replica as it was before the call.
#pragma once

#include <sotay/schema/schema.hpp>
#include <sotay/sdk/link.hpp>
#include <sotay/sync/codec.hpp>
#include <sotay/sync/error.hpp>
#include <sotay/sync/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sotay::sdk {

// How the device reaches its server; set by configure() (the CLI's `init` and `enroll`).
struct device_settings {
    std::string url;        // wss://HOST:PORT/sync (or ws:// on a trusted network)
    std::string device_id;  // lowercase UUID, issued by the server at enrollment (enroll.hpp)
    std::string token;      // the device's secret, issued with the id
    sync::wire_format format = sync::wire_format::binary;
    // wss:// only: a PEM file of the certificates to trust (a private CA, or the server's
    // self-signed certificate); empty = the system's trust store. Read at every sync.
    std::string ca_file;
};

struct options {
    // How long an acknowledged change is kept after its ack (D5). 30 days: longer than
    // the gap between a server's nightly backups and the time it takes to notice a bad
    // disk and restore, while a busy phone (a few hundred edits a day) keeps only a few
    // MB of history.
    std::chrono::milliseconds retention = std::chrono::hours(24 * 30);
    // Bound on each network step, passed to the link. 10 s: a slow 2G link answers a
    // 1000-change push within it; a dead one is given up on before the officer gives up.
    std::chrono::milliseconds timeout{10000};
    // Records per pulled page. 500: the protocol's default; one page stays well under the
    // server's message limit and is applied in one short local transaction.
    std::uint32_t pull_limit = 500;
    // Review items per get_review page. 100: the protocol's default; an item carries two
    // sides with their authors and clocks, so a page is about the size of 200 records.
    std::uint32_t review_limit = 100;
    // The raw system wall clock, ms since the epoch (tests inject a wrong one).
    std::function<std::int64_t()> system_clock;
    // How sync() connects; default make_ws_link.
    link_factory connect;
    // Check create/edit/remove against the schema cached from the server before
    // recording them (error_kind::validation). false records without checking (the CLI's
    // --no-check); the server still checks and rejects what does not fit.
    bool check_schema = true;
};

// A record as the officer sees it (the local view).
struct record_view {
    std::string id;
    std::string type;
    std::string org_unit;
    std::uint64_t version = 0;  // the confirmed version; 0 = not yet on the server
    bool deleted = false;
    // Visible fields only (a null clears, so none are null). Fields the server writes
    // itself begin with '_' (`_merged_into`); they are kept as pulled, and no edit may
    // set one.
    sync::field_map fields;
    std::size_t pending = 0;  // local changes not yet confirmed by a pull

    // A merged-away duplicate (deleted, with the field `_merged_into`): the id of the
    // record it was merged into; empty for every other record. A reviewer's restore
    // makes the record live again (deleted = false), and it is then no longer merged.
    std::string merged_into() const;
};

// A review item the server holds about a record in the user's scope (docs/review.md): a
// field conflict, a delete-versus-edit or a duplicate pair; open, resolved (who, when,
// what was chosen) or dismissed (who, when, why). Exactly as get_review carries it.
using review_item = sync::review_item_msg;

enum class sync_phase { connecting, pushing, pulling, done };

// Reported once per push answer and once per pulled page (and at each phase change).
struct sync_progress {
    sync_phase phase = sync_phase::connecting;
    std::size_t sent = 0;      // changes answered by the server so far
    std::size_t to_send = 0;   // changes this sync sends in all
    std::size_t received = 0;  // records received so far (the total is not known ahead)
};
using progress_callback = std::function<void(const sync_progress&)>;

struct sync_report {
    std::size_t sent = 0;  // changes answered in this sync
    std::size_t applied = 0;
    std::size_t duplicate = 0;  // the server already held them (an earlier lost answer)
    std::size_t rejected = 0;
    std::size_t conflicts = 0;  // conflicts reported for this device's changes
    std::size_t received = 0;   // records received by the pull
    std::size_t evicted = 0;
    bool server_restored = false;  // welcome.last_seq was below our acknowledged seq
    std::int64_t clock_correction_ms = 0;  // added to the device clock by this sync
    std::size_t purged = 0;  // acknowledged changes dropped after their retention
    // The server said scope_changed (the user was moved, or the org tree changed) and
    // sync() reconnected once; the counts above add up both connections, and `evicted`
    // counts the records that left the device's new scope.
    bool scope_changed = false;
    std::size_t review_received = 0;  // review items new or changed since the last sync
    // Why review items were not (all) fetched: a server older than the review queue
    // answers get_review with bad_message. The sync itself completed; what was fetched
    // before is kept, and the next sync asks again.
    std::optional<std::string> review_skipped;
};

// A conflict the server reported in answer to one of this device's changes.
struct conflict_report {
    std::uint64_t seq = 0;  // the change that met the concurrent edit
    std::string server_id;  // the server's conflict id
    std::string record;
    std::string field;    // a field, "org_unit" or "_deleted"
    std::string outcome;  // "won" or "lost": whether this device's value was kept
    sync::value kept;
    sync::value yours;
    std::int64_t when_ms = 0;  // device clock when the answer arrived
};

// A change the server refused (kept there for review; it used up its seq).
struct rejected_change {
    std::uint64_t seq = 0;
    std::string record;
    sync::error_info error;
};

struct device_status {
    std::optional<device_settings> settings;  // nullopt until configure()
    std::size_t pending = 0;          // changes not yet acknowledged by the server
    std::size_t kept = 0;             // acknowledged changes still kept (D5)
    std::uint64_t last_seq_made = 0;  // the seq of the newest local change
    std::uint64_t acked_seq = 0;      // every change up to this one is acknowledged
    std::optional<std::int64_t> last_sync_ms;     // device clock at the last full sync
    std::optional<std::int64_t> last_attempt_ms;  // the last sync attempt, ok or not
    std::optional<std::string> last_error;        // why the last attempt failed
    std::int64_t clock_offset_ms = 0;             // added to the system clock
    std::size_t conflicts = 0;                    // conflicts reported so far
    std::size_t rejected = 0;                     // changes the server refused
    int schema_version = 0;  // of the schema cached from the server; 0 = none yet
    std::size_t open_review_items = 0;  // open_review_items().size()
    std::uint64_t review_cursor = 0;    // where the next get_review resumes
};

enum class error_kind {
    not_configured,    // no settings yet: configure() first
    invalid_argument,  // bad id, type, org unit, field name or settings
    not_found,         // no such record in the local view
    deleted,           // the record is deleted locally; it cannot be edited
    unreachable,       // the server could not be reached or the link was lost
    refused,           // the server refused the device (auth_failed, device_revoked, ...)
    missing_changes,   // the server needs changes this device no longer keeps
    protocol,          // the server answered something this SDK cannot use
    busy,              // another sync of the same replica is running (another process)
    validation,        // the edit does not fit the cached schema: see error::violations
};

class error : public std::runtime_error {
public:
    error(error_kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

    error_kind kind() const { return kind_; }
    // For a failed sync: the server's error code when it sent one.
    std::optional<sync::errc> server_code;
    // For a failed sync: the server URL and the changes still waiting in the outbox.
    std::string url;
    std::size_t pending = 0;
    // For a validation error: every broken rule, with its field and messages in
    // Vietnamese and English. Nothing was recorded.
    std::vector<schema::violation> violations;

private:
    error_kind kind_;
};

class device {
public:
    // Opens the replica at `path`, creating the file and its tables when missing.
    explicit device(const std::filesystem::path& path, options opts = {});
    ~device();
    device(device&&) noexcept;
    device& operator=(device&&) noexcept;
    device(const device&) = delete;
    device& operator=(const device&) = delete;

    // Sets the server URL and credentials. Throws invalid_argument for a URL that
    // parse_server_url refuses, a device_id that is not a lowercase UUID or a CA file that
    // does not exist, and when the replica already belongs to another device_id (its seqs
    // are that device's).
    void configure(const device_settings& settings);
    std::optional<device_settings> settings() const;

    // Local edits: each is one new change in the outbox (D1, D2). No network.
    // Text values are NFC-normalised. Once a schema was fetched from the server (sync()
    // fetches it when the welcome announces a version other than the cached one), each
    // edit is validated against it first and refused with error_kind::validation.
    // Fields of a record that the cached schema does not know (added by a newer schema)
    // stay in the local view and on the server: an edit sends only the fields it sets.
    // create returns the new record's id (a UUIDv7, increasing on this device).
    std::string create(const std::string& type, const std::string& org_unit,
                       sync::field_map fields);
    // Sets fields (a null value clears one) and, when given, moves the record to another
    // org unit. Throws not_found / deleted.
    void edit(const std::string& id, sync::field_map set,
              const std::optional<std::string>& org_unit = {});
    // Deletes the record (a tombstone the server keeps). Throws not_found / deleted.
    void remove(const std::string& id);

    // The local view (a deleted record is returned with deleted = true; list skips it).
    std::optional<record_view> get(const std::string& id) const;
    std::vector<record_view> list(const std::optional<std::string>& type = {}) const;

    // Records of the local view that a new record would duplicate: the same type and the
    // same natural key (schema::natural_key: trimmed, case-folded, NFC), such as the same
    // citizen's petition entered twice. For warning the officer before create(); creating
    // anyway is allowed (the district reviews and merges duplicates). Empty when no schema
    // is cached yet or the new record's key is incomplete.
    std::vector<record_view> same_natural_key(const std::string& type, const std::string& org_unit,
                                              const sync::field_map& fields) const;

    // Runs `work` (which may call create/edit/remove) in one local transaction: one
    // fsync for many edits, all of them or none. Each edit is still its own change.
    void batch(const std::function<void()>& work);

    // Pushes the outbox, then pulls, then drops changes past their retention (D4, D5).
    // If the server's clock differs from the device clock by more than the clock rule's
    // trusted skew (5 minutes), the difference is added to the device clock afterwards.
    // Throws sdk::error (unreachable, refused, missing_changes, protocol, not_configured,
    // busy) with url and pending filled in; everything done before the failure is kept.
    // Blocks for at most a few times options::timeout per network step.
    sync_report sync(const progress_callback& progress = {});

    device_status status() const;
    std::vector<conflict_report> conflicts() const;

    // Review items, as the last sync fetched them (no network). Items stay on the device
    // when decided, with the decision, so the officer can see how a conflict was settled.
    // Every item about record `id` (either record of a duplicate), in any state, by id.
    std::vector<review_item> review_items(const std::string& id) const;
    // The open items about records this device holds (tombstones included: a
    // delete-versus-edit item is about a deleted record), by id.
    std::vector<review_item> open_review_items() const;
    // The same, in every state: open, resolved and dismissed.
    std::vector<review_item> held_review_items() const;
    // Where a merged-away record went: follows merged_into() through the local view to
    // the record that survived, through a chain of merges; `id` itself when it was not
    // merged. The survivor may be a record this device does not hold (get() says so).
    std::string follow_merged(const std::string& id) const;
    std::vector<rejected_change> rejected() const;
    // Drops acknowledged changes older than the retention; returns how many.
    std::size_t purge_acknowledged();

    // The device clock: the system clock plus the offset learned from the server, ms.
    std::int64_t now_ms() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace sotay::sdk
