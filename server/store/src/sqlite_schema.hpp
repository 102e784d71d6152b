// The SQLite layout of the central store, format version 6.
//
// Keys: the big tables are WITHOUT ROWID and keyed by values that grow with time
// (UUIDv7 record ids; (device, seq) in the log) so that inserts append to the B-tree
// instead of splitting pages at random. The SQL is kept portable (no SQLite-only types
// beyond BLOB/TEXT/INTEGER) so the PostgreSQL store can share its shape.
//
// Versions (meta 'store_format'; DO NOT EDIT a released step, add the next one):
//   1  issue 2: devices, records, the change log, conflicts, hellos.
//   2  issue 5: the org tree and its versions, users, enrollment codes, web sessions,
//      record moves (S6); devices gain user_id, revoked_ms, pulled_seq; records are
//      indexed by (server_seq, org_unit) for scoped pulls. A new file is made as version 1 and then
//      migrated, so every database takes the same path to the current layout.
//   3  issue 6: the review queue (review_items replaces conflicts, whose rows it takes
//      over as open items); records gain the hash of their natural key, which duplicate
//      detection looks up, and their creating change. The copying needs C++
//      (sqlite_review_open.cpp, sqlite_keys.cpp).
//   4  issue 7: the history (store.hpp H1-H4), a hash chain of every change received,
//      decision and administrative action. An older file gets one entry per change it
//      logged, marked "backfilled" (sqlite_history.cpp).
//   5  issue 8: the reports' facts (store.hpp F1-F3), a table derived from records that
//      a report aggregates with range scans (sqlite_reports.cpp). It starts empty; the
//      first report builds it.
//   6  W1's bytes: an applied change's row in the change log keeps body '' and its
//      history entry's "sent" is the one copy of what the device sent (store.hpp H3;
//      change_log() puts the body back, sqlite_read.cpp). Rows written before keep their
//      body, and rejected changes always do (the quarantine reads them). No DDL.
#pragma once

#include <array>

namespace sotay::store::detail {

inline constexpr int store_format_version = 6;

inline constexpr const char* schema_v1 = R"SQL(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per device. `id` is an internal number that keys the change log compactly.
CREATE TABLE IF NOT EXISTS devices (
  id              INTEGER PRIMARY KEY,
  device_id       TEXT NOT NULL UNIQUE,   -- the UUID the device sends in hello
  name            TEXT NOT NULL,
  token_hash      BLOB NOT NULL,          -- BLAKE2b-256 of the token (access::token_hash)
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

// Version 1 -> 2, run once inside the migration transaction. One statement per entry:
// ALTER TABLE cannot be made idempotent, so the format number decides whether to run it.
inline constexpr std::array<const char*, 12> migrate_v1_to_v2 = {
    // The org tree as it stands now; parent '' for a root. Level names are data.
    R"SQL(CREATE TABLE org_units (
  code   TEXT PRIMARY KEY,
  name   TEXT NOT NULL,
  parent TEXT NOT NULL,
  level  TEXT NOT NULL
))SQL",
    // Every committed tree, whole, so org_tree_at() can answer for any version a
    // device's cursor names. Imports are rare and trees small (thousands of units).
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
    // NULL for devices registered before users existed: refused at hello.
    "ALTER TABLE devices ADD COLUMN user_id INTEGER REFERENCES users(id)",
    "ALTER TABLE devices ADD COLUMN revoked_ms INTEGER NOT NULL DEFAULT 0",
    // The `after` of the device's last pull: what it holds (list_devices' pending_pull).
    "ALTER TABLE devices ADD COLUMN pulled_seq INTEGER NOT NULL DEFAULT 0",
    // Codes are stored hashed (access::token_hash of the normalised code); a used code
    // keeps its row with the device it made, for history.
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
    // One row per applied change that changed a record's org unit (S6): a pull evicts
    // from it what left the reader's scope. Keyed by the change's server_seq.
    R"SQL(CREATE TABLE record_moves (
  server_seq INTEGER PRIMARY KEY,
  record     BLOB NOT NULL,   -- 16-byte UUID, as records.id
  from_org   TEXT NOT NULL,
  to_org     TEXT NOT NULL
))SQL",
    // Scoped reads (pull, scope_exits, pending counts) scan this from a cursor and keep
    // the org units in scope without touching the table rows. Keyed by server_seq, it
    // grows at its end like records_by_seq. Measured on 1M records spread over 5,000
    // cells: (org_unit, server_seq), the obvious key, puts each commit's entries on as
    // many leaf pages as the batch names units and cut writes from ~17k to ~6k
    // changes/s, while this one costs about a tenth of the writer's time and pages a
    // district (551 units) in 10-30 ms and a single cell's catch-up in ~0.1 s.
    "CREATE INDEX records_by_seq_org ON records(server_seq, org_unit)",
    // The quarantine and the per-device rejected count read only rejected changes
    // (status 2 = sync::change_status::rejected); a partial index keeps them apart
    // from the millions applied at no cost to the writer for those.
    "CREATE INDEX changes_rejected ON changes(received_ms) WHERE status = 2",
    "INSERT INTO meta(key, value) VALUES('org_version', '0'), ('security_epoch', '0') "
    "ON CONFLICT(key) DO NOTHING",
};

// Version 2 -> 3, run once inside the migration transaction, before the conflicts are
// copied over and the conflicts table is dropped (sqlite_store.cpp, migrate()).
inline constexpr std::array<const char*, 10> migrate_v2_to_v3 = {
    // One row per review item (store.hpp R1-R7). Record ids are UUID text, as the
    // change log and the wire name them; the item id is the conflict id a push result
    // gave (R1). Decided items keep their row: the queue is also the history of who
    // decided what.
    R"SQL(CREATE TABLE review_items (
  id             INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL,              -- 'field', 'delete_edit', 'duplicate'
  state          TEXT NOT NULL,              -- 'open', 'resolved', 'dismissed'
  type           TEXT NOT NULL,              -- record type
  record         TEXT NOT NULL,
  org_unit       TEXT NOT NULL,              -- the record's unit when the item opened (R3)
  field          TEXT NOT NULL,              -- field or 'org_unit'; '_deleted'; '' (duplicate)
  other_record   TEXT NOT NULL DEFAULT '',   -- duplicate: the record with the same key
  other_org_unit TEXT NOT NULL DEFAULT '',
  natural_key    TEXT NOT NULL DEFAULT '',
  version        INTEGER NOT NULL,           -- the record's version when it opened (R5)
  incoming_won   INTEGER NOT NULL DEFAULT 0, -- field, delete_edit: side 1's value was kept
  sides          TEXT NOT NULL,              -- JSON array of the two sides
  created_ms     INTEGER NOT NULL,
  seq            INTEGER NOT NULL,           -- review_seq of its last change of state (R7)
  decided_by     INTEGER REFERENCES users(id),
  decided_ms     INTEGER NOT NULL DEFAULT 0,
  decision       TEXT NOT NULL DEFAULT '',   -- side, value, restore, delete, merge, settled, dismiss
  chosen         TEXT NOT NULL DEFAULT 'null',  -- JSON value the record keeps (field)
  survivor       TEXT NOT NULL DEFAULT '',
  reason         TEXT NOT NULL DEFAULT '',
  settled_by     INTEGER NOT NULL DEFAULT 0
))SQL",
    // get_review and the API page by seq; the queue's usual view is the open items.
    "CREATE UNIQUE INDEX review_by_seq ON review_items(seq)",
    "CREATE INDEX review_by_state ON review_items(state, seq)",
    // A record's items, from either side of a duplicate (R6 settles by record). Queries
    // by record write `+state`: without statistics the planner would otherwise walk
    // every open item by review_by_state.
    "CREATE INDEX review_by_record ON review_items(record)",
    "CREATE INDEX review_by_other ON review_items(other_record)",
    // Duplicate detection (R2): the 64-bit hash of the record's natural key while it is
    // live and the key complete (NULL otherwise), and the change that created the record
    // (a duplicate item's sides; the change log has no index by record). Columns of the
    // record rather than a table of their own: a create then adds one index entry inside
    // the insert it makes anyway, instead of a statement and two B-trees (W1 writes
    // 100,000 creates; docs/benchmarks.md). Entries of ~30 bytes compared as integers
    // keep the index, which grows at random places, small.
    "ALTER TABLE records ADD COLUMN key_hash INTEGER",
    "ALTER TABLE records ADD COLUMN created_device INTEGER",
    "ALTER TABLE records ADD COLUMN created_seq INTEGER",
    "CREATE INDEX records_by_key ON records(key_hash) WHERE key_hash IS NOT NULL",
    "INSERT INTO meta(key, value) VALUES('review_seq', '0') ON CONFLICT(key) DO NOTHING",
};

// Version 3 -> 4, run once inside the migration transaction, before the change log is
// copied into the history (sqlite_history.cpp, backfill_history()).
inline constexpr std::array<const char*, 5> migrate_v3_to_v4 = {
    // One row per history entry (store.hpp H1-H4; the body and hash formats are
    // server/audit's entry.hpp and chain.hpp). seq is the rowid: appends go to the end of
    // the table's B-tree, and a query's rows come back in chain order from any index
    // below (an index entry carries the rowid). The columns repeat what the body says so
    // that queries need not parse bodies; verify_history checks that they agree (H2).
    // Nothing updates or deletes rows; compaction of the sync log never touches them (H4).
    R"SQL(CREATE TABLE history (
  seq       INTEGER PRIMARY KEY,   -- the entry's number in the chain, from 1 without gaps
  at_ms     INTEGER NOT NULL,      -- server time of the entry
  kind      TEXT NOT NULL,         -- 'change', 'resend', 'rejected', 'decision', 'login', ...
  username  TEXT NOT NULL,         -- who ('' = the system)
  device_id TEXT NOT NULL,         -- from which device ('' = none)
  record    TEXT NOT NULL,         -- the record concerned ('' = none), its type and unit
  type      TEXT NOT NULL,
  org_unit  TEXT NOT NULL,
  body      TEXT NOT NULL,         -- audit::entry_body, exactly the bytes hashed
  hash      BLOB NOT NULL          -- audit::link(previous hash, seq, body), 32 bytes
))SQL",
    // A record's timeline, a user's or a device's actions, a period: each index ends in
    // the rowid, so equal keys are read in seq order and a seq cursor pages them.
    "CREATE INDEX history_by_record ON history(record)",
    "CREATE INDEX history_by_user ON history(username)",
    "CREATE INDEX history_by_device ON history(device_id)",
    "CREATE INDEX history_by_time ON history(at_ms)",
};

// Version 4 -> 5, run once inside the migration transaction. Unlike the earlier steps
// these say IF NOT EXISTS: nothing in the table is data (F3), so a file that has it
// already, whatever its format number says, keeps it, and the refresh puts it right.
inline constexpr std::array<const char*, 3> migrate_v4_to_v5 = {
    // One row per live record and measure it counts for, whatever the period: what
    // reports::facts_of gives for the record's current state, under its current org unit
    // (sqlite_reports.cpp keeps it so; the meta values 'report_facts.*' say how far).
    // Keyed so that a report's query, one per measure (measure = ?, org_unit in the
    // scope, at in the period's window), is a range scan that meets the groups in
    // org_unit order: on 1M records (2M facts) the 21 shipped measures take ~0.25 s this
    // way, against 2.4 s for four of them from the records' JSON, and 1.2 s keyed
    // (measure, at, ...), whose groups need a sort. Integers and TEXT only, as
    // PostgreSQL will keep it.
    R"SQL(CREATE TABLE IF NOT EXISTS report_facts (
  measure  INTEGER NOT NULL,  -- index into the definitions' measures (see .fingerprint)
  org_unit TEXT NOT NULL,     -- the record's current org unit
  at       INTEGER NOT NULL,  -- reports::fact::at: 0, YYYYMMDD or a year
  record   BLOB NOT NULL,     -- records.id
  value    INTEGER NOT NULL,  -- reports::fact::value: 1, or the summed field's value
  dkey     TEXT,              -- reports::fact::key for count_distinct, else NULL
  PRIMARY KEY (measure, org_unit, at, record)
) WITHOUT ROWID)SQL",
    // A changed record's old facts, found to be replaced. A rebuild drops it and makes
    // it again at its end.
    "CREATE INDEX IF NOT EXISTS report_facts_by_record ON report_facts(record)",
    // Where a rebuild puts the facts first, in the order it computes them, to copy them
    // into report_facts in its key order afterwards (sqlite_reports.cpp T2): inserted
    // chunk by chunk at random places of the key, a 1M-record rebuild wrote 9.4 GB of
    // pages for ~100 MB of facts. n: measure << 40 plus a count, so that a chunk appends
    // at one place per measure and a measure's rows are one range. Empty between
    // rebuilds.
    R"SQL(CREATE TABLE IF NOT EXISTS report_facts_stage (
  n        INTEGER PRIMARY KEY,
  measure  INTEGER NOT NULL,
  org_unit TEXT NOT NULL,
  at       INTEGER NOT NULL,
  record   BLOB NOT NULL,
  value    INTEGER NOT NULL,
  dkey     TEXT
))SQL",
};

}  // namespace sotay::store::detail
