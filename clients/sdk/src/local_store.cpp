#include "local_store.hpp"

#include <sotay/sdk/json.hpp>
#include <sotay/sync/codec.hpp>
#include <sotay/sync/record.hpp>

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace sotay::sdk::detail {
namespace {

namespace json = boost::json;

// 1: issue 3. 2: meta.ca_file (issue 5, wss://). 3: meta.review_cursor and the
// review_items table (issue 6).
constexpr int schema_version = 3;

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    device_id TEXT, token TEXT, url TEXT, format TEXT NOT NULL DEFAULT 'bin', ca_file TEXT,
    cursor TEXT,
    hlc_wall INTEGER NOT NULL DEFAULT 0, hlc_counter INTEGER NOT NULL DEFAULT 0,
    next_seq INTEGER NOT NULL DEFAULT 1, acked_seq INTEGER NOT NULL DEFAULT 0,
    clock_offset_ms INTEGER NOT NULL DEFAULT 0,
    uuid_ms INTEGER NOT NULL DEFAULT 0, uuid_counter INTEGER NOT NULL DEFAULT 0,
    last_sync_ms INTEGER, last_attempt_ms INTEGER, last_error TEXT,
    review_cursor INTEGER NOT NULL DEFAULT 0);
INSERT OR IGNORE INTO meta(id) VALUES (1);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, org_unit TEXT NOT NULL,
    version INTEGER NOT NULL, deleted INTEGER NOT NULL, fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY, record TEXT NOT NULL, type TEXT NOT NULL,
    org_unit TEXT NOT NULL, hlc TEXT NOT NULL, base INTEGER NOT NULL, body TEXT NOT NULL,
    created_ms INTEGER NOT NULL, acked_ms INTEGER, status TEXT, result TEXT,
    settled INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS outbox_by_record ON outbox(record, seq);
CREATE INDEX IF NOT EXISTS outbox_unsettled ON outbox(record, seq) WHERE settled = 0;
CREATE TABLE IF NOT EXISTS conflicts (
    id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, server_id TEXT NOT NULL,
    record TEXT NOT NULL, field TEXT NOT NULL, outcome TEXT NOT NULL,
    kept TEXT NOT NULL, yours TEXT NOT NULL, when_ms INTEGER NOT NULL,
    UNIQUE (seq, server_id, field));
CREATE TABLE IF NOT EXISTS schema_cache (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL, document TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS review_items (
    item INTEGER PRIMARY KEY, state TEXT NOT NULL, record TEXT NOT NULL,
    other_record TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS review_by_record ON review_items(record);
CREATE INDEX IF NOT EXISTS review_by_other ON review_items(other_record)
    WHERE other_record <> '';
)sql";

// Busy timeout for a second process on the same file (the CLI's `add` while a `sync`
// runs). 5 s: a local transaction takes milliseconds, a page of 500 records well under
// a second; beyond that something is stuck and the caller should hear about it.
constexpr int busy_timeout_ms = 5000;

// Creates the tables of a new file and brings an older file up to date; refuses a file
// written by a newer SDK. The version is read inside the write transaction, so that two
// processes opening an old file at once do not both alter it.
void migrate(SQLite::Database& db) {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    const int version = db.execAndGet("PRAGMA user_version").getInt();
    if (version > schema_version) {
        throw std::runtime_error("local store: written by a newer SDK (schema " +
                                 std::to_string(version) + ", this SDK knows " +
                                 std::to_string(schema_version) + ")");
    }
    if (version == schema_version) {
        return;  // the transaction rolls back: nothing was written
    }
    db.exec(schema_sql);  // CREATE ... IF NOT EXISTS: a new file gets every column
    // Each step adds what its version lacked; the pull cursor and everything else stay.
    if (version >= 1 && version < 2) {
        db.exec("ALTER TABLE meta ADD COLUMN ca_file TEXT");
    }
    if (version >= 1 && version < 3) {
        db.exec("ALTER TABLE meta ADD COLUMN review_cursor INTEGER NOT NULL DEFAULT 0");
    }
    db.exec("PRAGMA user_version = " + std::to_string(schema_version));
    tx.commit();
}

SQLite::Database open_database(const std::filesystem::path& path) {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.setBusyTimeout(busy_timeout_ms);
    // WAL + FULL: a transaction is on disk when COMMIT returns (D1), and a reader (the
    // app's UI, another process) never blocks the sync that writes.
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");
    migrate(db);
    return db;
}

// SQLite integers are signed 64-bit; seqs and versions stay far below 2^63.
std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::uint64_t u64(const SQLite::Column& c) { return static_cast<std::uint64_t>(c.getInt64()); }

// NULL columns as nullopt.
std::optional<std::string> opt_text(const SQLite::Column& c) {
    if (c.isNull()) {
        return std::nullopt;
    }
    return c.getString();
}

std::optional<std::int64_t> opt_int(const SQLite::Column& c) {
    if (c.isNull()) {
        return std::nullopt;
    }
    return c.getInt64();
}

// A conflict's kept/yours value as JSON text, and back (unreadable text stays text).
std::string value_text(const sync::value& v) { return json::serialize(to_json(v)); }

sync::value value_of_text(const std::string& text) {
    boost::system::error_code ec;
    const auto j = json::parse(text, ec);
    if (ec) {
        return sync::value{text};
    }
    return value_from_json(j).value_or(sync::value{text});
}

// The names the protocol uses (docs/protocol.md section 4.4).
const char* status_text(sync::change_status s) {
    switch (s) {
        case sync::change_status::applied:
            return "applied";
        case sync::change_status::duplicate:
            return "duplicate";
        case sync::change_status::rejected:
            return "rejected";
    }
    return "applied";
}

// The answer as stored in outbox.result: status and error; conflicts live in their table.
std::string result_text(const sync::change_result& r) {
    json::object o{{"seq", r.seq}, {"status", status_text(r.status)}};
    if (r.error) {
        json::object e{{"code", sync::to_code(r.error->code)}, {"message", r.error->message}};
        if (r.error->field) {
            e["field"] = *r.error->field;
        }
        o["error"] = std::move(e);
    }
    return json::serialize(o);
}

// A review item is stored as the JSON subprotocol carries it, a one-item `review`
// message, and read back by the same codec (codec.hpp contract 4: decode(encode(m)) ==
// m), so the replica never has a mapping of its own to keep in step with the wire's.
std::string review_item_text(const sync::review_item_msg& item) {
    sync::review_msg m;
    m.items.push_back(item);
    return sync::encode_json(m);
}

sync::review_item_msg review_item_of_text(const std::string& text) {
    auto decoded = sync::decode_json(text);
    auto* m = decoded ? std::get_if<sync::review_msg>(&*decoded) : nullptr;
    if (m == nullptr || m->items.size() != 1) {
        throw std::runtime_error("local store: a review item is unreadable" +
                                 (decoded ? std::string() : ": " + decoded.error().message));
    }
    return std::move(m->items.front());
}

std::vector<sync::review_item_msg> read_review_items(SQLite::Statement& q) {
    std::vector<sync::review_item_msg> out;
    while (q.executeStep()) {
        out.push_back(review_item_of_text(q.getColumn(0).getString()));
    }
    return out;
}

// Items whose record, or other record, is in the confirmed state (tombstones included:
// a delete-versus-edit item is about a deleted record).
constexpr const char* held_review_items =
    "FROM review_items i WHERE (EXISTS (SELECT 1 FROM records r WHERE r.id = i.record) OR "
    "(i.other_record <> '' AND EXISTS (SELECT 1 FROM records r WHERE r.id = i.other_record)))";

// Column order shared by every outbox query and read_outbox().
const char* select_outbox =
    "SELECT seq, record, type, org_unit, hlc, base, body, created_ms, acked_ms, settled "
    "FROM outbox ";

outbox_row read_outbox(const SQLite::Statement& q) {
    outbox_row r;
    r.seq = u64(q.getColumn(0));
    r.record = q.getColumn(1).getString();
    r.type = q.getColumn(2).getString();
    r.org_unit = q.getColumn(3).getString();
    r.hlc = q.getColumn(4).getString();
    r.base = u64(q.getColumn(5));
    if (!decode_body(q.getColumn(6).getString(), r.set, r.del)) {
        throw std::runtime_error("local store: outbox change " + std::to_string(r.seq) +
                                 " has an unreadable body");
    }
    r.created_ms = q.getColumn(7).getInt64();
    r.acked_ms = opt_int(q.getColumn(8));
    r.settled = q.getColumn(9).getInt() != 0;
    return r;
}

// Column order shared by every records query and read_record().
const char* select_record = "SELECT id, type, org_unit, version, deleted, fields FROM records ";

record_view read_record(const SQLite::Statement& q) {
    record_view r;
    r.id = q.getColumn(0).getString();
    r.type = q.getColumn(1).getString();
    r.org_unit = q.getColumn(2).getString();
    r.version = u64(q.getColumn(3));
    r.deleted = q.getColumn(4).getInt() != 0;
    if (!sync::decode_fields_json(q.getColumn(5).getString(), r.fields)) {
        throw std::runtime_error("local store: record " + r.id + " has unreadable fields");
    }
    return r;
}

}  // namespace

// The change exactly as it was made: seq, clock and base never change once stored
// (except the clock correction of sync.cpp step 4, before the change is sent).
sync::change_msg outbox_row::to_change() const {
    sync::change_msg c;
    c.seq = seq;
    c.record = record;
    c.type = type;
    c.org_unit = org_unit;
    c.hlc = hlc;
    c.base = base;
    c.set = set;
    c.del = del;
    return c;
}

std::string encode_body(const sync::field_map& set, bool del) {
    if (del) {
        return R"({"delete":true})";
    }
    return R"({"set":)" + sync::encode_fields_json(set) + "}";
}

bool decode_body(const std::string& text, sync::field_map& set, bool& del) {
    boost::system::error_code ec;
    const auto j = json::parse(text, ec);
    if (ec || !j.is_object()) {
        return false;
    }
    const auto& o = j.get_object();
    del = false;
    set.clear();
    if (const auto* d = o.if_contains("delete"); d != nullptr && d->is_bool()) {
        del = d->get_bool();
    }
    if (const auto* s = o.if_contains("set")) {
        return sync::decode_fields_json(json::serialize(*s), set);
    }
    return true;
}

// ---------------------------------------------------------------------------------------

local_store::local_store(const std::filesystem::path& path)
    : db_(open_database(path)),
      append_(db_, "INSERT INTO outbox(seq, record, type, org_unit, hlc, base, body, "
                   "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      answer_(db_,
              "UPDATE outbox SET acked_ms = COALESCE(acked_ms, ?), status = ?, result = ?, "
              "settled = CASE WHEN ? THEN 1 ELSE settled END WHERE seq = ?"),
      add_conflict_(db_,
                    "INSERT OR IGNORE INTO conflicts(seq, server_id, record, field, outcome, "
                    "kept, yours, when_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      put_record_(db_,
                  "INSERT OR REPLACE INTO records(id, type, org_unit, version, deleted, fields) "
                  "VALUES (?, ?, ?, ?, ?, ?)"),
      settle_record_(db_,
                     "UPDATE outbox SET settled = 1 "
                     "WHERE record = ? AND settled = 0 AND acked_ms IS NOT NULL"),
      unsettled_of_(db_, std::string(select_outbox) +
                             "WHERE record = ? AND settled = 0 ORDER BY seq") {}

// IMMEDIATE takes the write lock at once: a second process waits (busy timeout) instead
// of failing later when a read transaction tries to become a write one.
local_store::write_tx::write_tx(local_store& s) : s_(s), level_(s.depth_) {
    if (level_ == 0) {
        s_.db_.exec("BEGIN IMMEDIATE");
    } else {
        s_.db_.exec("SAVEPOINT level_" + std::to_string(level_));
    }
    ++s_.depth_;
}

local_store::write_tx::~write_tx() {
    if (done_) {
        return;
    }
    --s_.depth_;
    try {
        if (level_ == 0) {
            s_.db_.exec("ROLLBACK");
        } else {
            const std::string name = "level_" + std::to_string(level_);
            s_.db_.exec("ROLLBACK TO " + name);
            s_.db_.exec("RELEASE " + name);
        }
    } catch (const SQLite::Exception&) {
        // SQLite already rolled back (e.g. after SQLITE_FULL); nothing is left to undo.
    }
}

void local_store::write_tx::commit() {
    if (level_ == 0) {
        s_.db_.exec("COMMIT");
    } else {
        s_.db_.exec("RELEASE level_" + std::to_string(level_));
    }
    done_ = true;
    --s_.depth_;
}

// Read inside the caller's transaction, never cached: another process may have moved
// next_seq or the clock since the last call.
std::optional<std::pair<int, std::string>> local_store::cached_schema() {
    SQLite::Statement q(db_, "SELECT version, document FROM schema_cache WHERE id = 1");
    if (!q.executeStep()) return std::nullopt;
    return std::make_pair(q.getColumn(0).getInt(), q.getColumn(1).getString());
}

void local_store::save_schema(int version, const std::string& document) {
    SQLite::Statement q(db_, "INSERT INTO schema_cache(id, version, document) VALUES(1, ?, ?) "
                             "ON CONFLICT(id) DO UPDATE SET version = excluded.version, "
                             "document = excluded.document");
    q.bind(1, version);
    q.bind(2, document);
    q.exec();
}

meta_row local_store::meta() {
    SQLite::Statement q(db_,
                        "SELECT device_id, token, url, format, cursor, hlc_wall, hlc_counter, "
                        "next_seq, acked_seq, clock_offset_ms, uuid_ms, uuid_counter, "
                        "last_sync_ms, last_attempt_ms, last_error, ca_file, review_cursor "
                        "FROM meta "
                        "WHERE id = 1");
    if (!q.executeStep()) {
        throw std::runtime_error("local store: the meta row is missing");
    }
    meta_row m;
    if (!q.getColumn(0).isNull()) {
        device_settings s;
        s.device_id = q.getColumn(0).getString();
        s.token = q.getColumn(1).getString();
        s.url = q.getColumn(2).getString();
        s.format = q.getColumn(3).getString() == "json" ? sync::wire_format::json
                                                         : sync::wire_format::binary;
        s.ca_file = opt_text(q.getColumn(15)).value_or("");
        m.settings = std::move(s);
    }
    m.cursor = opt_text(q.getColumn(4));
    m.clock = sync::hlc{u64(q.getColumn(5)),
                        static_cast<std::uint32_t>(q.getColumn(6).getInt64())};
    m.next_seq = u64(q.getColumn(7));
    m.acked_seq = u64(q.getColumn(8));
    m.clock_offset_ms = q.getColumn(9).getInt64();
    m.uuid_ms = u64(q.getColumn(10));
    m.uuid_counter = static_cast<std::uint32_t>(q.getColumn(11).getInt64());
    m.last_sync_ms = opt_int(q.getColumn(12));
    m.last_attempt_ms = opt_int(q.getColumn(13));
    m.last_error = opt_text(q.getColumn(14));
    m.review_cursor = u64(q.getColumn(16));
    return m;
}

void local_store::save_settings(const device_settings& s) {
    SQLite::Statement q(db_, "UPDATE meta SET device_id = ?, token = ?, url = ?, format = ?, "
                             "ca_file = ? WHERE id = 1");
    q.bind(1, s.device_id);
    q.bind(2, s.token);
    q.bind(3, s.url);
    q.bind(4, s.format == sync::wire_format::json ? "json" : "bin");
    if (s.ca_file.empty()) {
        q.bind(5);
    } else {
        q.bind(5, s.ca_file);
    }
    q.exec();
}

void local_store::save_clock(const sync::hlc& clock, std::uint64_t next_seq) {
    SQLite::Statement q(db_, "UPDATE meta SET hlc_wall = ?, hlc_counter = ?, next_seq = ? "
                             "WHERE id = 1");
    q.bind(1, i64(clock.wall_ms));
    q.bind(2, static_cast<std::int64_t>(clock.counter));
    q.bind(3, i64(next_seq));
    q.exec();
}

void local_store::save_uuid_state(std::uint64_t ms, std::uint32_t counter) {
    SQLite::Statement q(db_, "UPDATE meta SET uuid_ms = ?, uuid_counter = ? WHERE id = 1");
    q.bind(1, i64(ms));
    q.bind(2, static_cast<std::int64_t>(counter));
    q.exec();
}

void local_store::save_offset(std::int64_t offset_ms) {
    SQLite::Statement q(db_, "UPDATE meta SET clock_offset_ms = ? WHERE id = 1");
    q.bind(1, offset_ms);
    q.exec();
}

void local_store::save_cursor(const std::optional<std::string>& cursor) {
    SQLite::Statement q(db_, "UPDATE meta SET cursor = ? WHERE id = 1");
    if (cursor) {
        q.bind(1, *cursor);
    } else {
        q.bind(1);
    }
    q.exec();
}

void local_store::save_review_cursor(std::uint64_t after) {
    SQLite::Statement q(db_, "UPDATE meta SET review_cursor = ? WHERE id = 1");
    q.bind(1, i64(after));
    q.exec();
}

// MAX: a resend after a restore answers seqs below the highest one ever acknowledged.
void local_store::save_acked_seq(std::uint64_t seq) {
    SQLite::Statement q(db_, "UPDATE meta SET acked_seq = MAX(acked_seq, ?) WHERE id = 1");
    q.bind(1, i64(seq));
    q.exec();
}

// Every sync attempt is noted; a completed one also moves last_sync_ms.
void local_store::save_attempt(std::int64_t when_ms, const std::optional<std::string>& error,
                               bool completed) {
    SQLite::Statement q(db_, "UPDATE meta SET last_attempt_ms = ?, last_error = ?, "
                             "last_sync_ms = CASE WHEN ? THEN ? ELSE last_sync_ms END "
                             "WHERE id = 1");
    q.bind(1, when_ms);
    if (error) {
        q.bind(2, *error);
    } else {
        q.bind(2);
    }
    q.bind(3, completed ? 1 : 0);
    q.bind(4, when_ms);
    q.exec();
}

// D1, D2: the caller stores the new seq and clock in the same transaction.
void local_store::append(const outbox_row& row) {
    auto& q = append_;
    q.reset();
    q.clearBindings();
    q.bind(1, i64(row.seq));
    q.bind(2, row.record);
    q.bind(3, row.type);
    q.bind(4, row.org_unit);
    q.bind(5, row.hlc);
    q.bind(6, i64(row.base));
    q.bind(7, encode_body(row.set, row.del));
    q.bind(8, row.created_ms);
    q.exec();
}

std::vector<outbox_row> local_store::outbox_from(std::uint64_t from, std::size_t limit) {
    SQLite::Statement q(db_, std::string(select_outbox) + "WHERE seq >= ? ORDER BY seq LIMIT ?");
    q.bind(1, i64(from));
    q.bind(2, static_cast<std::int64_t>(limit));
    std::vector<outbox_row> rows;
    while (q.executeStep()) {
        rows.push_back(read_outbox(q));
    }
    return rows;
}

std::vector<outbox_row> local_store::unsettled(const std::string& record) {
    auto& q = unsettled_of_;
    q.reset();
    q.bind(1, record);
    std::vector<outbox_row> rows;
    while (q.executeStep()) {
        rows.push_back(read_outbox(q));
    }
    return rows;
}

// One pass over the unsettled changes for list(), grouped by record, in seq order.
std::map<std::string, std::vector<outbox_row>> local_store::unsettled_all() {
    SQLite::Statement q(db_, std::string(select_outbox) + "WHERE settled = 0 ORDER BY seq");
    std::map<std::string, std::vector<outbox_row>> by_record;
    while (q.executeStep()) {
        auto row = read_outbox(q);
        by_record[row.record].push_back(std::move(row));
    }
    return by_record;
}

// For the missing_changes message: what the device still has.
std::optional<std::uint64_t> local_store::lowest_kept_seq() {
    SQLite::Statement q(db_, "SELECT MIN(seq) FROM outbox");
    if (!q.executeStep() || q.getColumn(0).isNull()) {
        return std::nullopt;
    }
    return u64(q.getColumn(0));
}

// COALESCE keeps the first ack time: retention counts from when the server first held
// the change, not from a resend after a restore.
void local_store::store_answer(std::uint64_t seq, const sync::change_result& result,
                               std::int64_t now) {
    auto& q = answer_;
    q.reset();
    q.bind(1, now);
    q.bind(2, status_text(result.status));
    q.bind(3, result_text(result));
    // D3: a rejected change will never be part of the server's state: it leaves the view.
    q.bind(4, result.status == sync::change_status::rejected ? 1 : 0);
    q.bind(5, i64(seq));
    q.exec();
}

// UNIQUE (seq, server id, field) + OR IGNORE: a `duplicate` answer repeating the first
// answer's conflicts adds nothing.
bool local_store::add_conflict(std::uint64_t seq, const std::string& record,
                               const sync::conflict_info& c, std::int64_t now) {
    auto& q = add_conflict_;
    q.reset();
    q.bind(1, i64(seq));
    q.bind(2, c.id);
    q.bind(3, record);
    q.bind(4, c.field);
    q.bind(5, c.outcome);
    q.bind(6, value_text(c.kept));
    q.bind(7, value_text(c.yours));
    q.bind(8, now);
    return q.exec() == 1;
}

// Read first, then update: SQLite must not rewrite rows under a running SELECT.
void local_store::shift_unacked_clocks(std::int64_t delta_ms) {
    SQLite::Statement select(db_, "SELECT seq, hlc FROM outbox WHERE acked_ms IS NULL");
    SQLite::Statement update(db_, "UPDATE outbox SET hlc = ? WHERE seq = ?");
    std::vector<std::pair<std::int64_t, std::string>> rows;
    while (select.executeStep()) {
        rows.emplace_back(select.getColumn(0).getInt64(), select.getColumn(1).getString());
    }
    for (const auto& [seq, text] : rows) {
        auto h = sync::parse_hlc(text);
        if (!h) {
            continue;  // the server rejects it whatever its clock says
        }
        const auto wall = static_cast<std::int64_t>(h->wall_ms) + delta_ms;
        constexpr auto max_wall = static_cast<std::int64_t>(sync::hlc_clock::max_wall_ms);
        h->wall_ms = static_cast<std::uint64_t>(std::clamp<std::int64_t>(wall, 0, max_wall));
        update.reset();
        update.bind(1, sync::format_hlc(*h));
        update.bind(2, seq);
        update.exec();
    }
}

// D5: only settled changes go; one still in the overlay (its pull has not come) stays.
std::size_t local_store::purge_acked_before(std::int64_t before_ms) {
    SQLite::Statement q(db_, "DELETE FROM outbox WHERE acked_ms IS NOT NULL AND settled = 1 "
                             "AND acked_ms < ?");
    q.bind(1, before_ms);
    return static_cast<std::size_t>(q.exec());
}

std::optional<record_view> local_store::confirmed(const std::string& id) {
    SQLite::Statement q(db_, std::string(select_record) + "WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep()) {
        return std::nullopt;
    }
    return read_record(q);
}

// Sorted by id: UUIDv7 ids sort by creation time.
std::vector<record_view> local_store::confirmed_all() {
    SQLite::Statement q(db_, std::string(select_record) + "ORDER BY id");
    std::vector<record_view> out;
    while (q.executeStep()) {
        out.push_back(read_record(q));
    }
    return out;
}

void local_store::put_record(const sync::record_msg& r) {
    auto& q = put_record_;
    q.reset();
    q.bind(1, r.record);
    q.bind(2, r.type);
    q.bind(3, r.org_unit);
    q.bind(4, i64(r.version));
    q.bind(5, r.deleted ? 1 : 0);
    q.bind(6, sync::encode_fields_json(r.fields));
    q.exec();
    // D3: the state just stored was read after every acknowledged change of this record
    // was durable on the server, so it includes them: they leave the overlay.
    settle_record_.reset();
    settle_record_.bind(1, r.record);
    settle_record_.exec();
}

void local_store::evict(const std::string& id) {
    SQLite::Statement q(db_, "DELETE FROM records WHERE id = ?");
    q.bind(1, id);
    q.exec();
    settle_record_.reset();
    settle_record_.bind(1, id);
    settle_record_.exec();
}

// pending = not yet acknowledged; kept = acknowledged and not yet purged.
std::size_t local_store::count_pending() {
    return static_cast<std::size_t>(
        db_.execAndGet("SELECT COUNT(*) FROM outbox WHERE acked_ms IS NULL").getInt64());
}

std::size_t local_store::count_kept() {
    return static_cast<std::size_t>(
        db_.execAndGet("SELECT COUNT(*) FROM outbox WHERE acked_ms IS NOT NULL").getInt64());
}

std::size_t local_store::count_conflicts() {
    return static_cast<std::size_t>(db_.execAndGet("SELECT COUNT(*) FROM conflicts").getInt64());
}

std::vector<conflict_report> local_store::conflicts() {
    SQLite::Statement q(db_, "SELECT seq, server_id, record, field, outcome, kept, yours, "
                             "when_ms FROM conflicts ORDER BY id");
    std::vector<conflict_report> out;
    while (q.executeStep()) {
        conflict_report c;
        c.seq = u64(q.getColumn(0));
        c.server_id = q.getColumn(1).getString();
        c.record = q.getColumn(2).getString();
        c.field = q.getColumn(3).getString();
        c.outcome = q.getColumn(4).getString();
        c.kept = value_of_text(q.getColumn(5).getString());
        c.yours = value_of_text(q.getColumn(6).getString());
        c.when_ms = q.getColumn(7).getInt64();
        out.push_back(std::move(c));
    }
    return out;
}

// The error is read back from the stored answer; a damaged one yields code internal.
std::vector<rejected_change> local_store::rejected() {
    SQLite::Statement q(db_, "SELECT seq, record, result FROM outbox WHERE status = 'rejected' "
                             "ORDER BY seq");
    std::vector<rejected_change> out;
    while (q.executeStep()) {
        rejected_change r;
        r.seq = u64(q.getColumn(0));
        r.record = q.getColumn(1).getString();
        boost::system::error_code ec;
        const auto j = json::parse(q.getColumn(2).getString(), ec);
        const json::object* e = nullptr;
        if (!ec && j.is_object()) {
            if (const auto* v = j.get_object().if_contains("error"); v && v->is_object()) {
                e = &v->get_object();
            }
        }
        if (e != nullptr) {
            if (const auto* code = e->if_contains("code"); code && code->is_string()) {
                r.error.code = sync::from_code(code->get_string()).value_or(sync::errc::internal);
            }
            if (const auto* m = e->if_contains("message"); m && m->is_string()) {
                r.error.message = std::string(m->get_string());
            }
            if (const auto* f = e->if_contains("field"); f && f->is_string()) {
                r.error.field = std::string(f->get_string());
            }
        }
        out.push_back(std::move(r));
    }
    return out;
}

// An item's later state replaces its earlier one, never the other way round: pages come
// in seq order, and a page fetched again after a cut sync repeats states already held.
void local_store::put_review_item(const sync::review_item_msg& item) {
    SQLite::Statement q(db_,
                        "INSERT INTO review_items(item, state, record, other_record, seq, body) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(item) DO UPDATE SET "
                        "state = excluded.state, record = excluded.record, "
                        "other_record = excluded.other_record, seq = excluded.seq, "
                        "body = excluded.body WHERE excluded.seq >= review_items.seq");
    q.bind(1, item.item);
    q.bind(2, item.state);
    q.bind(3, item.record);
    q.bind(4, item.other_record);
    q.bind(5, i64(item.seq));
    q.bind(6, review_item_text(item));
    q.exec();
}

void local_store::clear_review_items() { db_.exec("DELETE FROM review_items"); }

std::vector<sync::review_item_msg> local_store::review_items_of(const std::string& id) {
    SQLite::Statement q(db_, "SELECT body FROM review_items WHERE record = ?1 OR "
                             "other_record = ?1 ORDER BY item");
    q.bind(1, id);
    return read_review_items(q);
}

std::vector<sync::review_item_msg> local_store::review_items_held(bool open_only) {
    SQLite::Statement q(db_, std::string("SELECT body ") + held_review_items +
                                 (open_only ? " AND i.state = 'open'" : "") + " ORDER BY item");
    return read_review_items(q);
}

std::size_t local_store::count_open_review_held() {
    return static_cast<std::size_t>(
        db_.execAndGet(std::string("SELECT COUNT(*) ") + held_review_items +
                       " AND i.state = 'open'")
            .getInt64());
}

}  // namespace sotay::sdk::detail
