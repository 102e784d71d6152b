// The SQLite layout of the central store, format version 1.
//
// Keys: the big tables are WITHOUT ROWID and keyed by values that grow with time
// (UUIDv7 record ids; (device, seq) in the log) so that inserts append to the B-tree
// instead of splitting pages at random. The SQL is kept portable (no SQLite-only types
// beyond BLOB/TEXT/INTEGER) so the PostgreSQL store can share its shape.
#pragma once

namespace sotay::store::detail {

inline constexpr int store_format_version = 1;

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

}  // namespace sotay::store::detail
