// Older files migrate in place (store.hpp, sqlite_schema.hpp). Format 1 -> 2: the data is
// kept, devices made before users existed are refused with a request to enrol again,
// and the file then works like a new one. Format 2 -> 3: the conflicts become open review
// items with their ids, and the natural keys of stored records are indexed. The format-1
// file is built here from the version-1 DDL exactly as released (git show
// b915b97:server/store/src/sqlite_schema.hpp), with rows made the way the version-1 store
// made them; the format-2 file is that file taken through the version-2 steps as
// released (git show 1438186:server/store/src/sqlite_schema.hpp). Format 4 -> 5: the
// reports' facts table appears empty and the first report builds it.
#include "fixture.hpp"
#include "raw_db.hpp"

#include <sotay/sync/ids.hpp>
#include <sotay/sync/log_codec.hpp>
#include <sotay/sync/merge.hpp>
#include <sotay/sync/record.hpp>

#include <boost/test/unit_test.hpp>

#include <sodium.h>
#include <sqlite3.h>

#include <array>
#include <set>
#include <stdexcept>

namespace {
using namespace sotay;
using test::raw_db;

// The layout of store format 1, verbatim.
constexpr const char* v1_ddl = R"SQL(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per device. `id` is an internal number that keys the change log compactly.
CREATE TABLE IF NOT EXISTS devices (
  id              INTEGER PRIMARY KEY,
  device_id       TEXT NOT NULL UNIQUE,   -- the UUID the device sends in hello
  name            TEXT NOT NULL,
  token_hash      BLOB NOT NULL,          -- BLAKE2b-256 of the token (see sqlite_store.cpp)
  created_ms      INTEGER NOT NULL,
  revoked         INTEGER NOT NULL DEFAULT 0,
  last_seq        INTEGER NOT NULL DEFAULT 0,    -- S4
  last_hlc        TEXT NOT NULL DEFAULT '0:0',   -- last effective clock (clock rule C5)
  clock_offset_ms INTEGER NOT NULL DEFAULT 0,    -- last measured server - device time
  last_seen_ms    INTEGER NOT NULL DEFAULT 0
);

-- Current state of every record: the visible fields (sent as they are at catch-up) and
-- the clocks of every register (for the merge); no value is stored twice.
CREATE TABLE IF NOT EXISTS records (
  id         BLOB PRIMARY KEY,   -- 16-byte UUID
  type       TEXT NOT NULL,
  org_unit   TEXT NOT NULL,
  version    INTEGER NOT NULL,
  deleted    INTEGER NOT NULL,
  server_seq INTEGER NOT NULL,   -- S3: the last change applied to it
  fields     TEXT NOT NULL,      -- JSON object of visible fields
  clocks     TEXT NOT NULL       -- sotay::sync::encode_clocks
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS records_by_seq ON records(server_seq);

-- Every change received, applied or rejected, never rewritten (S2).
CREATE TABLE IF NOT EXISTS changes (
  device        INTEGER NOT NULL REFERENCES devices(id),
  seq           INTEGER NOT NULL,
  record        TEXT NOT NULL,     -- as sent (may be malformed when rejected)
  type          TEXT NOT NULL,
  org_unit      TEXT NOT NULL,
  base          INTEGER NOT NULL,
  device_hlc    TEXT NOT NULL,     -- the device's own clock, kept for history
  effective_hlc TEXT NOT NULL,     -- the clock the merge used ('' when rejected)
  received_ms   INTEGER NOT NULL,  -- server receive time
  server_seq    INTEGER,           -- NULL when rejected
  status        INTEGER NOT NULL,  -- sotay::sync::change_status
  body          TEXT NOT NULL,     -- the change as received, JSON
  result        TEXT NOT NULL,     -- the answer given, JSON
  PRIMARY KEY (device, seq)
) WITHOUT ROWID;

-- Concurrent edits recorded for review (issue 6 grows this into the review queue).
CREATE TABLE IF NOT EXISTS conflicts (
  id             INTEGER PRIMARY KEY,
  record         TEXT NOT NULL,
  field          TEXT NOT NULL,
  winner_device  TEXT NOT NULL,
  loser_device   TEXT NOT NULL,
  kept           TEXT NOT NULL,   -- JSON value
  other          TEXT NOT NULL,   -- JSON value of the side that lost
  change_device  INTEGER NOT NULL,
  change_seq     INTEGER NOT NULL,
  created_ms     INTEGER NOT NULL,
  state          TEXT NOT NULL DEFAULT 'open'
);
CREATE INDEX IF NOT EXISTS conflicts_by_record ON conflicts(record);

-- Every hello: the clock offset measured (clock rule C1), for history.
CREATE TABLE IF NOT EXISTS hellos (
  device       INTEGER NOT NULL REFERENCES devices(id),
  server_ms    INTEGER NOT NULL,
  client_ms    INTEGER NOT NULL,
  offset_ms    INTEGER NOT NULL
);
)SQL";
;


// Version 1's token hash: BLAKE2b-256 of the token text, unkeyed.
std::string v1_token_hash(const std::string& token) {
    std::array<unsigned char, 32> h{};
    crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(token.data()),
                       token.size(), nullptr, 0);
    return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

constexpr const char* v1_device = "0190f5a2-0000-7000-8000-000000000001";
constexpr const char* v1_token =
    "djEtdG9rZW4tb2YtYS12ZXJzaW9uLTEtZGV2aWNlLTMyYg";  // base64url, as v1 made

// The format 1 -> 2 steps, verbatim.
constexpr std::array<const char*, 12> v2_steps = {
    R"SQL(CREATE TABLE org_units (
  code   TEXT PRIMARY KEY,
  name   TEXT NOT NULL,
  parent TEXT NOT NULL,
  level  TEXT NOT NULL
))SQL",
    R"SQL(CREATE TABLE org_versions (
  version    INTEGER PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  tree       TEXT NOT NULL   -- JSON array of {code, name, parent, level}
))SQL",
    R"SQL(CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL,
  role          INTEGER NOT NULL,       -- sotay::access::role
  org_unit      TEXT NOT NULL,          -- root of the user's scope
  password_hash TEXT,                   -- argon2id string; NULL = no web login yet
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_ms    INTEGER NOT NULL
))SQL",
    "ALTER TABLE devices ADD COLUMN user_id INTEGER REFERENCES users(id)",
    "ALTER TABLE devices ADD COLUMN revoked_ms INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE devices ADD COLUMN pulled_seq INTEGER NOT NULL DEFAULT 0",
    R"SQL(CREATE TABLE enrollment_codes (
  code_hash  BLOB PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  used_ms    INTEGER,
  device_id  TEXT
))SQL",
    R"SQL(CREATE TABLE web_sessions (
  token_hash BLOB PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
))SQL",
    R"SQL(CREATE TABLE record_moves (
  server_seq INTEGER PRIMARY KEY,
  record     BLOB NOT NULL,   -- 16-byte UUID, as records.id
  from_org   TEXT NOT NULL,
  to_org     TEXT NOT NULL
))SQL",
    "CREATE INDEX records_by_seq_org ON records(server_seq, org_unit)",
    "CREATE INDEX changes_rejected ON changes(received_ms) WHERE status = 2",
    "INSERT INTO meta(key, value) VALUES('org_version', '0'), ('security_epoch', '0') "
    "ON CONFLICT(key) DO NOTHING",
};

std::shared_ptr<const schema::schema> default_schema() {
    static const auto s = std::make_shared<const schema::schema>(
        schema::load_schema_file(std::string(SOTAY_SOURCE_DIR) + "/schema/default.json"));
    return s;
}

std::string key_bytes(const std::string& record) {
    const auto id = sync::parse_uuid(record);
    return std::string(reinterpret_cast<const char*>(id->data()), id->size());
}

// A record as the store keeps it, made by v1_device's change `seq` at `ms`.
void insert_record(raw_db& db, const std::string& record, std::uint64_t seq, std::uint64_t ms,
                   sync::field_map fields) {
    sync::record_state r;
    sync::change c{record, "petition", "LS.TP.P1", v1_device, seq, {ms, 0}, 0, std::move(fields),
                   false};
    BOOST_REQUIRE(sync::apply(r, c).has_value());
    db.one(
        "INSERT INTO records(id, type, org_unit, version, deleted, server_seq, fields, clocks) "
        "VALUES(?, 'petition', 'LS.TP.P1', 1, 0, ?, ?, ?)",
        {{key_bytes(record), true},
         {std::to_string(seq), false},
         {sync::encode_fields_json(r.visible_fields()), false},
         {sync::encode_clocks(r), false}});
    const std::string hlc = std::to_string(ms) + ":0";
    db.exec(
        "INSERT INTO changes(device, seq, record, type, org_unit, base, device_hlc, "
        "effective_hlc, received_ms, server_seq, status, body, result) VALUES(1, " +
        std::to_string(seq) + ", '" + record + "', 'petition', 'LS.TP.P1', 0, '" + hlc + "', '" +
        hlc + "', " + std::to_string(ms) + ", " + std::to_string(seq) +
        ", 0, '{}', '{\"seq\":" + std::to_string(seq) + ",\"status\":\"applied\"}')");
}

// A format-1 file with one device, one record (LS.TP.P1, two fields) and its change.
void make_v1_file(const std::string& path) {
    raw_db db(path);
    db.exec("PRAGMA page_size=16384");
    db.exec("PRAGMA journal_mode=WAL");
    db.exec(v1_ddl);
    db.exec(
        "INSERT INTO meta(key, value) VALUES('store_format', '1'), ('head', '1'), "
        "('schema_version', '1')");
    db.one(
        "INSERT INTO devices(device_id, name, token_hash, created_ms, last_seq, last_hlc) "
        "VALUES(?, 'phone from v1', ?, 1700000000000, 1, '1700000000000:0')",
        {{v1_device, false}, {v1_token_hash(v1_token), true}});

    sync::record_state r;
    sync::change c{test::record_id(1),
                   "petition",
                   "LS.TP.P1",
                   v1_device,
                   1,
                   {1'700'000'000'000ULL, 0},
                   0,
                   {{"status", sync::value{"received"}}, {"summary", sync::value{"Đơn thư cũ"}}},
                   false};
    BOOST_REQUIRE(sync::apply(r, c).has_value());
    const auto id = sync::parse_uuid(test::record_id(1));
    db.one(
        "INSERT INTO records(id, type, org_unit, version, deleted, server_seq, fields, clocks) "
        "VALUES(?, 'petition', 'LS.TP.P1', 1, 0, 1, ?, ?)",
        {{std::string(reinterpret_cast<const char*>(id->data()), id->size()), true},
         {sync::encode_fields_json(r.visible_fields()), false},
         {sync::encode_clocks(r), false}});
    db.exec(
        "INSERT INTO changes(device, seq, record, type, org_unit, base, device_hlc, "
        "effective_hlc, received_ms, server_seq, status, body, result) VALUES(1, 1, '" +
        test::record_id(1) +
        "', 'petition', 'LS.TP.P1', 0, '1700000000000:0', '1700000000000:0', "
        "1700000000000, 1, 0, '{}', '{\"seq\":1,\"status\":\"applied\"}')");
}

constexpr const char* v2_other_device = "0190f5a2-0000-7000-8000-000000000002";

// A format-2 file as the issue-5 server left it: the format-1 file with a second record
// whose natural key is complete, the schema that server stored, and one conflict (id 7)
// that v1_device's first change met.
void make_v2_file(const std::string& path) {
    make_v1_file(path);
    raw_db db(path);
    for (const char* step : v2_steps) db.exec(step);
    db.exec("UPDATE meta SET value = '2' WHERE key = 'store_format'");
    db.exec("UPDATE meta SET value = '2' WHERE key = 'head'");
    db.exec("UPDATE devices SET last_seq = 2");
    insert_record(db, test::record_id(2), 2, 1'700'000'000'100ULL,
                  {{"received_on", sync::value{"2022-03-04"}},
                   {"kind", sync::value{"complaint"}},
                   {"status", sync::value{"received"}},
                   {"petitioner_id", sync::value{"Trần Thị Bình"}}});
    db.one("INSERT INTO meta(key, value) VALUES('schema_json', ?)",
           {{default_schema()->text, false}});
    db.one(
        "INSERT INTO conflicts(id, record, field, winner_device, loser_device, kept, other, "
        "change_device, change_seq, created_ms) VALUES(7, ?, 'status', ?, ?, '\"received\"', "
        "'\"resolved\"', 1, 1, 1700000000500)",
        {{test::record_id(1), false}, {v1_device, false}, {v2_other_device, false}});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_migration)

BOOST_AUTO_TEST_CASE(a_format_1_file_opens_as_format_6_and_keeps_its_data) {
    test::store_env env;
    make_v1_file(env.dir.path());
    auto s = env.open(false);
    {
        raw_db raw(env.dir.path());
        BOOST_TEST(raw.one("SELECT value FROM meta WHERE key = 'store_format'") == "6");
        BOOST_TEST(raw.one("SELECT count(*) FROM sqlite_master WHERE name = 'conflicts'") == "0");
        for (const char* table : {"org_units", "org_versions", "users", "enrollment_codes",
                                  "web_sessions", "record_moves", "review_items", "history",
                                  "report_facts", "report_facts_stage"}) {
            BOOST_TEST(raw.one("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                               "name = ?",
                               {{table, false}}) == "1",
                       table);
        }
        for (const char* index : {"records_by_seq_org", "records_by_key", "review_by_seq",
                                  "report_facts_by_record"})
            BOOST_TEST(raw.one("SELECT count(*) FROM sqlite_master WHERE name = ?",
                               {{index, false}}) == "1",
                       index);
        // The creating change of the record format 1 made.
        BOOST_TEST(raw.one("SELECT created_device || ':' || created_seq FROM records") == "1:1");
        BOOST_TEST(raw.one("SELECT user_id IS NULL FROM devices") == "1");
    }
    BOOST_TEST(s->head() == 1u);
    const auto page = s->pull(0, 10);
    BOOST_REQUIRE(page->records.size() == 1u);
    BOOST_TEST((page->records[0].fields.at("summary") == sync::value{"Đơn thư cũ"}));
    const auto log = s->change_log(std::nullopt);
    BOOST_REQUIRE(log.size() == 1u);
    BOOST_TEST(log[0].username == "");
    BOOST_TEST(log[0].body_json == "{}");  // an old row keeps the body it was written with
    const auto devices = s->list_devices();
    BOOST_REQUIRE(devices.size() == 1u);
    BOOST_TEST(devices[0].user_id == 0);
    BOOST_TEST(devices[0].last_seq == 1u);
    BOOST_TEST(s->security_epoch() == 0u);
    BOOST_TEST(s->org_tree().version == 0u);
    // Format 4: the logged change is the history's first entry, from before users (H1).
    const auto history = s->history({});
    BOOST_REQUIRE(history.has_value());
    BOOST_REQUIRE(history->rows.size() == 1u);
    BOOST_TEST(history->rows[0].entry.kind == "change");
    BOOST_TEST(history->rows[0].entry.username == "");
    BOOST_TEST(history->rows[0].entry.detail.at("backfilled") == true);
    const auto verified = s->verify_history(std::nullopt);
    BOOST_REQUIRE(verified.has_value());
    BOOST_TEST(!verified->problem.has_value());
}

BOOST_AUTO_TEST_CASE(a_device_from_before_users_is_asked_to_enrol_again) {
    test::store_env env;
    make_v1_file(env.dir.path());
    auto s = env.open(true);
    // Its token still matches (the same hash construction), so it is told why.
    const auto a = s->authenticate(v1_device, v1_token);
    BOOST_REQUIRE(a.has_error());
    BOOST_TEST(a.error().code == sync::errc::auth_failed);
    BOOST_TEST(a.error().message.find("registered before users existed; enrol it again") !=
               std::string::npos);
    const auto wrong = s->authenticate(v1_device, "some-other-token");
    BOOST_REQUIRE(wrong.has_error());
    BOOST_TEST(wrong.error().message.find("before users") == std::string::npos);
    // A push that reaches the writer anyway is rejected and kept.
    const auto out = test::push(*s, v1_device, {test::change_in(2, 2, "LS.TP.P1")});
    BOOST_REQUIRE(out.results.size() == 1u);
    BOOST_TEST(out.results[0].status == sync::change_status::rejected);
    BOOST_TEST(out.results[0].error->code == sync::errc::device_revoked);
    BOOST_TEST(s->head() == 1u);
}

BOOST_AUTO_TEST_CASE(a_migrated_file_works_like_a_new_one) {
    test::store_env env;
    make_v1_file(env.dir.path());
    {
        auto s = env.open(true);  // imports the tree, adds the officer
        raw_db raw(env.dir.path());
        BOOST_TEST(raw.one("SELECT count(*) FROM org_units") == "6");
        BOOST_TEST(raw.one("SELECT version FROM org_versions") == "1");
        BOOST_TEST(raw.one("SELECT parent FROM org_units WHERE code = 'LS.TP.P1'") == "LS.TP");
        const auto dev = test::add_device(*s, test::officer);
        // An edit of the record written under format 1 merges with its stored clocks.
        const auto out = test::push(
            *s, dev, {test::change_in(1, 1, "LS.TP.P2", {{"status", sync::value{"resolved"}}}, 1)});
        BOOST_TEST(out.results.at(0).status == sync::change_status::applied);
    }
    auto s = env.open(false);  // reopening a format-2 file migrates nothing
    const auto tp = test::subtree(*s, "LS.TP");
    const auto page = s->pull(tp, 0, 10);
    BOOST_REQUIRE(page->records.size() == 1u);
    const auto& r = page->records[0];
    BOOST_TEST(r.version == 2u);
    BOOST_TEST(r.org_unit == "LS.TP.P2");
    BOOST_TEST((r.fields.at("status") == sync::value{"resolved"}));
    BOOST_TEST((r.fields.at("summary") == sync::value{"Đơn thư cũ"}));
    // The move was recorded: a reader of LS.TP.P1 alone is told to drop the record.
    const auto p1 = s->pull(store::scope_filter::of({"LS.TP.P1"}), 1, 10);
    BOOST_TEST(p1->evict == std::vector<std::string>{test::record_id(1)});
}

BOOST_AUTO_TEST_CASE(a_file_of_a_newer_format_is_refused_with_the_reason) {
    test::store_env env;
    { auto s = env.open(false); }
    {
        raw_db raw(env.dir.path());
        raw.exec("UPDATE meta SET value = '7' WHERE key = 'store_format'");
    }
    std::string message;
    try {
        env.open(false);
    } catch (const std::exception& e) {
        message = e.what();
    }
    BOOST_TEST(message.find("store format 7 is newer") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(a_format_2_file_keeps_its_conflicts_as_open_review_items) {
    test::store_env env;
    make_v2_file(env.dir.path());
    auto s = env.open(false);
    {
        raw_db raw(env.dir.path());
        BOOST_TEST(raw.one("SELECT value FROM meta WHERE key = 'store_format'") == "6");
        BOOST_TEST(raw.one("SELECT count(*) FROM sqlite_master WHERE name = 'conflicts'") == "0");
        // Keys from the stored schema (record 1 has no petitioner id: incomplete), and each
        // record's creating change.
        BOOST_TEST(raw.one("SELECT key_hash IS NULL FROM records WHERE id = ?",
                           {{key_bytes(test::record_id(1)), true}}) == "1");
        BOOST_TEST(raw.one("SELECT key_hash IS NULL FROM records WHERE id = ?",
                           {{key_bytes(test::record_id(2)), true}}) == "0");
        BOOST_TEST(raw.one("SELECT created_device || ':' || created_seq FROM records WHERE id = ?",
                           {{key_bytes(test::record_id(2)), true}}) == "1:2");
    }
    BOOST_TEST(s->review_seq() == 1u);
    const auto page = s->review_items({});
    BOOST_REQUIRE(page.has_value());
    BOOST_REQUIRE_EQUAL(page->items.size(), 1u);
    const auto& item = page->items[0];
    BOOST_TEST(item.item == 7);  // the id the push result gave
    BOOST_TEST(item.kind == "field");
    BOOST_TEST(item.state == "open");
    BOOST_TEST(item.type == "petition");
    BOOST_TEST(item.record == test::record_id(1));
    BOOST_TEST(item.org_unit == "LS.TP.P1");
    BOOST_TEST(item.field == "status");
    BOOST_TEST(item.created_ms == 1'700'000'000'500);
    BOOST_TEST(item.seq == 1u);
    BOOST_TEST(!item.superseded);
    BOOST_REQUIRE_EQUAL(item.sides.size(), 2u);
    BOOST_TEST(item.sides[0].device_id == v2_other_device);
    BOOST_TEST((item.sides[0].val == sync::value{"resolved"}));
    BOOST_TEST(item.sides[1].device_id == v1_device);
    BOOST_TEST(item.sides[1].seq == 1u);
    BOOST_TEST(item.sides[1].device_hlc == "1700000000000:0");
    BOOST_TEST(item.sides[1].received_ms == 1'700'000'000'000);
    BOOST_TEST((item.sides[1].val == sync::value{"received"}));
    // The old admin command still reads it.
    const auto old = s->conflicts();
    BOOST_REQUIRE_EQUAL(old.size(), 1u);
    BOOST_TEST(old[0].id == 7);
    BOOST_TEST(old[0].winner_device == v1_device);
    BOOST_TEST(old[0].loser_device == v2_other_device);
    BOOST_TEST(old[0].kept_json == "\"received\"");
    BOOST_TEST(old[0].other_json == "\"resolved\"");
    BOOST_TEST(old[0].state == "open");
}

BOOST_AUTO_TEST_CASE(a_migrated_file_finds_duplicates_of_its_old_records) {
    test::store_env env;
    make_v2_file(env.dir.path());
    env.schema = default_schema();
    auto s = env.open(true);
    const auto dev = test::add_device(*s, test::officer);
    auto c = test::change_in(1, 3, "LS.TP.P2",
                             {{"received_on", sync::value{"2022-03-04"}},
                              {"kind", sync::value{"complaint"}},
                              {"status", sync::value{"processing"}},
                              {"petitioner_id", sync::value{"TRẦN THỊ BÌNH"}}});
    const auto out = test::push(*s, dev, {c});
    BOOST_TEST(out.results.at(0).status == sync::change_status::applied);
    store::review_query q;
    q.kind = "duplicate";
    const auto page = s->review_items(q);
    BOOST_REQUIRE_EQUAL(page->items.size(), 1u);
    const auto& item = page->items[0];
    BOOST_TEST(item.item > 7);
    BOOST_TEST(item.seq == 2u);
    BOOST_TEST(item.record == test::record_id(3));
    BOOST_TEST(item.other_record == test::record_id(2));
    BOOST_TEST(item.sides[0].device_id == v1_device);  // the old record's creating change
    BOOST_TEST(item.sides[0].seq == 2u);
    BOOST_TEST(item.sides[0].received_ms == 1'700'000'000'100);
}

// Format 4 -> 5: a file from before the reports (this one without the facts table and its
// meta values, as format 4 was) gets the table, and its first report builds it (F2).
BOOST_AUTO_TEST_CASE(a_format_4_file_gets_its_report_facts_built_by_the_first_report) {
    test::store_env env;
    env.schema = default_schema();
    {
        auto s = env.open(true);
        const auto dev = test::add_device(*s, test::officer);
        auto c = test::change_in(1, 1, "LS.TP.P1",
                                 {{"received_on", sync::value{"2022-03-04"}},
                                  {"kind", sync::value{"complaint"}},
                                  {"status", sync::value{"received"}}});
        BOOST_TEST((test::push(*s, dev, {c}).results.at(0).status == sync::change_status::applied));
    }
    {
        raw_db raw(env.dir.path());
        raw.exec(
            "DROP TABLE report_facts; DROP TABLE report_facts_stage; "
            "DELETE FROM meta WHERE key LIKE 'report_facts.%'; "
            "UPDATE meta SET value = '4' WHERE key = 'store_format'");
    }
    auto s = env.open(false);
    {
        raw_db raw(env.dir.path());
        BOOST_TEST(raw.one("SELECT value FROM meta WHERE key = 'store_format'") == "6");
        BOOST_TEST(raw.one("SELECT count(*) FROM report_facts") == "0");
        BOOST_TEST(raw.one("SELECT count(*) FROM sqlite_master WHERE name = "
                           "'report_facts_stage'") == "1");
    }
    const auto defs = reports::load_definitions_file(
        std::string(SOTAY_SOURCE_DIR) + "/schema/indicators.json", *default_schema());
    const auto v = s->report_values(defs, *reports::year_period(2022), store::scope_filter::all());
    BOOST_REQUIRE(v.has_value());
    BOOST_TEST(v->as_of == 1u);
    BOOST_TEST(v->values.at("LS.TP.P1").at(defs.find_measure("petitions_received")).value == 1);
    raw_db raw(env.dir.path());
    BOOST_TEST(raw.one("SELECT count(*) FROM report_facts") == "1");
    BOOST_TEST(raw.one("SELECT value FROM meta WHERE key = 'report_facts.mark'") == "1");
}

// Format 5 -> 6: the change log stops keeping applied changes' bodies (the history holds
// what was sent). A format-5 file's rows keep theirs and read as before; changes applied
// after the step read back the same form from the history; the chain still verifies.
BOOST_AUTO_TEST_CASE(a_format_5_file_keeps_its_logged_bodies_and_logs_new_changes_once) {
    test::store_env env;
    env.schema = default_schema();
    const sync::field_map fields = {{"received_on", sync::value{"2022-03-04"}},
                                    {"kind", sync::value{"complaint"}},
                                    {"status", sync::value{"received"}}};
    auto c1 = test::change_in(1, 1, "LS.TP.P1", fields);
    std::string dev;
    {
        auto s = env.open(true);
        dev = test::add_device(*s, test::officer);
        BOOST_TEST((test::push(*s, dev, {c1}).results.at(0).status ==
                    sync::change_status::applied));
    }
    const std::string old_body = sync::change_to_json(c1);
    {
        // What format 5 wrote: the body in the log row too.
        raw_db raw(env.dir.path());
        BOOST_TEST(raw.one("SELECT body FROM changes") == "");
        raw.one("UPDATE changes SET body = ?", {{old_body, false}});
        raw.exec("UPDATE meta SET value = '5' WHERE key = 'store_format'");
    }
    auto s = env.open(false);
    auto c2 = test::change_in(2, 2, "LS.TP.P1", fields);
    BOOST_TEST((test::push(*s, dev, {c2}).results.at(0).status == sync::change_status::applied));
    {
        raw_db raw(env.dir.path());
        BOOST_TEST(raw.one("SELECT value FROM meta WHERE key = 'store_format'") == "6");
        BOOST_TEST(raw.one("SELECT body FROM changes WHERE seq = 1") == old_body);
        BOOST_TEST(raw.one("SELECT body FROM changes WHERE seq = 2") == "");
    }
    const auto log = s->change_log(dev);
    BOOST_REQUIRE(log.size() == 2u);
    BOOST_TEST(log[0].body_json == old_body);
    BOOST_TEST(log[1].body_json == sync::change_to_json(c2));
    const auto verified = s->verify_history(std::nullopt);
    BOOST_REQUIRE(verified.has_value());
    BOOST_TEST(!verified->problem.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
