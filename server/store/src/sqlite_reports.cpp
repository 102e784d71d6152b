// The reports' facts (store.hpp F1-F3; docs/reports.md, "How the store computes figures"):
// the table report_facts (sqlite_schema.hpp, format 5) holds reports::facts_of of every
// record's current state, and a report sums it over the period's windows.
//
// The table's state lives in meta values, read and written in the same transactions as
// its rows:
//   report_facts.fingerprint  reports::fingerprint of the definitions the rows follow
//   report_facts.mark         every record with server_seq <= mark has its current facts
//                             (absent: never built, or deleted to force a rebuild, F3)
//   report_facts.building     0, or while a rebuild has not reached the end: the head
//                             when it began (B below)
//   report_facts.moved        during a rebuild, the measures copied from the stage so
//                             far; else 0
// Invariants:
//   T1. With building = 0, the rows are exactly the facts of every record's state as of
//       server_seq `mark`: a record changed after the mark still has the facts of its
//       state at its previous server_seq, which is <= mark, and one created after it has
//       none. So a read transaction that sees building = 0 and the right fingerprint
//       answers for `mark` exactly, however far the writer has gone since (F1).
//   T2. A rebuild empties the table, drops report_facts_by_record and goes in three
//       steps. (1) Stage: the records with server_seq in (mark, B], in chunks up the
//       seq order, append their facts to report_facts_stage. Each such record has not
//       changed since the rebuild began, so each is read once and nothing is deleted.
//       (2) Move: one measure per transaction, in measure order, the stage's rows go into
//       report_facts sorted by its key: appends, so each page is written once, where
//       inserting chunk after chunk at random places rewrote most of the table's pages
//       in every chunk (measured: 9.4 GB written to rebuild 1M records' facts). (3) The
//       stage is emptied, the index made again by one sort, building set to 0. Records
//       changed during the rebuild (server_seq > B) are then refreshed like any other.
//   T3. The mark only grows, except when the table is emptied; each step advances the
//       meta values in the transaction that writes its rows, so an interrupted refresh
//       resumes where it stopped, in this process or another.
#include "sqlite_store_impl.hpp"

#include <sotay/reports/facts.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace sotay::store::detail {

namespace {

constexpr const char* key_fingerprint = "report_facts.fingerprint";
constexpr const char* key_mark = "report_facts.mark";
constexpr const char* key_building = "report_facts.building";
constexpr const char* key_moved = "report_facts.moved";

constexpr const char* create_by_record =
    "CREATE INDEX IF NOT EXISTS report_facts_by_record ON report_facts(record)";

// A reader that finds the table rebuilt under other definitions between its refresh and
// its read (another process, given another indicators file) refreshes again; after this
// many tries it gives up with a sentence rather than wait forever.
constexpr int read_attempts = 3;

// The table's meta values and the store's head, as one transaction sees them.
struct facts_state {
    std::string fingerprint;
    std::optional<std::uint64_t> mark;
    std::uint64_t building = 0;
    std::uint64_t moved = 0;
    std::uint64_t head = 0;

    // The rows answer for `mark` under these definitions (T1).
    bool usable(const std::string& fp) const { return fingerprint == fp && mark && building == 0; }
    // Nothing to do for a refresh under these definitions.
    bool current(const std::string& fp) const { return usable(fp) && *mark >= head; }
};

facts_state read_state(SQLite::Database& db) {
    facts_state s;
    SQLite::Statement q(db, "SELECT key, value FROM meta WHERE key IN (?, ?, ?, ?, 'head')");
    q.bind(1, key_fingerprint);
    q.bind(2, key_mark);
    q.bind(3, key_building);
    q.bind(4, key_moved);
    while (q.executeStep()) {
        const std::string key = q.getColumn(0).getString();
        std::string value = q.getColumn(1).getString();
        if (key == key_fingerprint) {
            s.fingerprint = std::move(value);
        } else if (key == key_mark) {
            s.mark = std::stoull(value);
        } else if (key == key_building) {
            s.building = std::stoull(value);
        } else if (key == key_moved) {
            s.moved = std::stoull(value);
        } else {
            s.head = std::stoull(value);
        }
    }
    return s;
}

void put_meta(SQLite::Database& db, const char* key, const std::string& value) {
    SQLite::Statement q(db,
                        "INSERT INTO meta(key, value) VALUES(?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    q.bind(1, key);
    q.bind(2, value);
    q.exec();
}

// What one chunk did.
struct chunk_result {
    std::uint64_t records = 0;
    std::uint64_t facts = 0;
    std::uint64_t last_seq = 0;  // server_seq of the last record read
};

// The stage's key: measure m's rows are numbered from m << stage_shift up, so that each
// measure's rows are one range of the table (what a move reads) and a chunk appends at
// one place per measure.
constexpr int stage_shift = 40;

std::int64_t stage_first(std::size_t measure) {
    return static_cast<std::int64_t>(measure) << stage_shift;
}

// Computes the facts of at most refresh_chunk records with server_seq in (after, upto],
// in server_seq order, on the writer inside its open transaction. Staging (T2 step 1):
// appended to report_facts_stage. Else each record's old facts are replaced.
chunk_result replace_facts(SQLite::Database& db, const reports::definitions& defs,
                           const std::set<std::string, std::less<>>& measured_types,
                           std::uint64_t after, std::uint64_t upto, bool staging) {
    chunk_result out;
    SQLite::Statement sel(db,
                          "SELECT id, type, org_unit, deleted, server_seq, fields FROM records "
                          "WHERE server_seq > ? AND server_seq <= ? ORDER BY server_seq LIMIT ?");
    SQLite::Statement del(db, "DELETE FROM report_facts WHERE record = ?");
    SQLite::Statement ins(db, staging ? "INSERT INTO report_facts_stage(measure, org_unit, at, "
                                        "record, value, dkey, n) VALUES(?, ?, ?, ?, ?, ?, ?)"
                                      : "INSERT INTO report_facts(measure, org_unit, at, "
                                        "record, value, dkey) VALUES(?, ?, ?, ?, ?, ?)");
    // Staging: each measure's next number, after the rows earlier chunks staged.
    std::vector<std::int64_t> next_n;
    if (staging) {
        SQLite::Statement last(db, "SELECT max(n) FROM report_facts_stage WHERE n >= ? AND n < ?");
        for (std::size_t m = 0; m < defs.measures.size(); ++m) {
            last.reset();
            last.bind(1, stage_first(m));
            last.bind(2, stage_first(m + 1));
            last.executeStep();
            next_n.push_back(last.getColumn(0).isNull() ? stage_first(m)
                                                        : last.getColumn(0).getInt64() + 1);
        }
    }
    sel.bind(1, static_cast<std::int64_t>(after));
    sel.bind(2, static_cast<std::int64_t>(std::min<std::uint64_t>(upto, INT64_MAX)));
    sel.bind(3, static_cast<std::int64_t>(refresh_chunk));
    std::vector<reports::fact> facts;
    sync::field_map fields;
    while (sel.executeStep()) {
        ++out.records;
        out.last_seq = static_cast<std::uint64_t>(sel.getColumn(4).getInt64());
        const std::string_view type = text_of(sel.getColumn(1));
        // A type no measure counts never had facts under these definitions.
        if (!measured_types.contains(type)) continue;
        const std::string_view id = text_of(sel.getColumn(0));
        if (!staging) {
            del.reset();
            del.bind(1, id.data(), static_cast<int>(id.size()));
            del.exec();
        }
        // A tombstone, deleted or merged away, counts for nothing (E1): no need to parse.
        if (sel.getColumn(3).getInt() != 0) continue;
        fields.clear();
        // The same decoding as every read of a record (sqlite_read.cpp).
        if (!sync::decode_fields_json(text_of(sel.getColumn(5)), fields))
            throw std::runtime_error("corrupt fields of a record at server_seq " +
                                     std::to_string(out.last_seq));
        // TEXT, as a scope's codes are (json_each): a blob would never compare equal.
        const std::string org_unit(text_of(sel.getColumn(2)));
        facts.clear();
        reports::facts_of(defs, {type, org_unit, &fields, false}, facts);
        for (const auto& f : facts) {
            ins.reset();
            ins.bind(1, static_cast<std::int64_t>(f.measure));
            ins.bindNoCopy(2, org_unit);
            ins.bind(3, f.at);
            ins.bind(4, id.data(), static_cast<int>(id.size()));
            ins.bind(5, f.value);
            if (defs.measures[f.measure].agg == reports::aggregate::count_distinct) {
                ins.bindNoCopy(6, f.key);
            } else {
                ins.bind(6);
            }
            if (staging) ins.bind(7, next_n[f.measure]++);
            ins.exec();
            ++out.facts;
        }
    }
    return out;
}

// What one step of a refresh did, in one transaction.
struct step_result {
    chunk_result chunk;
    bool rebuilt = false;  // it emptied the table
    bool finished = false;
    std::uint64_t mark = 0;
    std::uint64_t mark_before = 0;  // for counting what is left to do
};

// One step of F2 on the writer inside its open transaction: the start of a rebuild and
// its first staged chunk, one chunk, one measure moved, or the end of a rebuild (T2).
step_result refresh_step(SQLite::Database& db, const reports::definitions& defs,
                         const std::string& fp,
                         const std::set<std::string, std::less<>>& measured_types,
                         const std::string& path) {
    step_result out;
    auto state = read_state(db);  // here: another process may have moved it
    // F2: built under other definitions, or the mark deleted (F3): from empty.
    if (state.fingerprint != fp || !state.mark) {
        db.exec("DELETE FROM report_facts");
        db.exec("DELETE FROM report_facts_stage");
        state.mark = 0;
        state.building = state.head;  // 0: no record yet, nothing to stage
        state.moved = 0;
        db.exec(state.building != 0 ? "DROP INDEX IF EXISTS report_facts_by_record"
                                    : create_by_record);
        put_meta(db, key_fingerprint, fp);
        put_meta(db, key_mark, "0");
        put_meta(db, key_building, std::to_string(state.building));
        put_meta(db, key_moved, "0");
        spdlog::info("{}: building the report facts for indicator definitions {}", path, fp);
        out.rebuilt = true;
    }
    out.mark_before = out.mark = *state.mark;
    if (state.building == 0 || *state.mark < state.building) {
        const bool staging = state.building != 0;
        out.chunk = replace_facts(db, defs, measured_types, *state.mark,
                                  staging ? state.building : UINT64_MAX, staging);
        const bool last = out.chunk.records < refresh_chunk;
        // Read up to the head (or B): the mark is there (the record changed last carries
        // the head, S3).
        out.mark = !last ? out.chunk.last_seq
                         : std::max(out.chunk.last_seq, staging ? state.building : state.head);
        if (out.mark != *state.mark) put_meta(db, key_mark, std::to_string(out.mark));
        out.finished = last && !staging;
        return out;
    }
    if (state.moved < defs.measures.size()) {  // T2 step 2
        SQLite::Statement move(db,
                               "INSERT INTO report_facts(measure, org_unit, at, record, value, "
                               "dkey) SELECT measure, org_unit, at, record, value, dkey FROM "
                               "report_facts_stage WHERE n >= ? AND n < ? "
                               "ORDER BY org_unit, at, record");
        move.bind(1, stage_first(state.moved));
        move.bind(2, stage_first(state.moved + 1));
        move.exec();
        put_meta(db, key_moved, std::to_string(state.moved + 1));
        return out;
    }
    db.exec("DELETE FROM report_facts_stage");  // T2 step 3
    db.exec(create_by_record);
    put_meta(db, key_building, "0");
    put_meta(db, key_moved, "0");
    return out;
}

}  // namespace

result<refresh_report> sqlite_store::refresh_report_facts(
    const reports::definitions& defs,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
    const std::string fp = reports::fingerprint(defs);
    std::lock_guard refreshing(refresh_mutex_);
    try {
        refresh_report out;
        // Most calls find nothing to do: a reader says so without waiting for the writer.
        {
            auto db = borrow_reader();
            const auto state = read_state(*db);
            if (state.current(fp)) {
                out.as_of = *state.mark;
                return out;
            }
        }
        std::set<std::string, std::less<>> measured_types;
        for (const auto& m : defs.measures) measured_types.insert(m.type);
        std::uint64_t done = 0, total = 0;
        bool counted = false;
        for (;;) {
            step_result step;
            {
                // A short transaction per step, serialised with write(), so that pushes
                // wait for one step at most; progress is called outside it.
                std::lock_guard lock(write_mutex_);
                SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
                step = refresh_step(writer_, defs, fp, measured_types, path_);
                if (step.rebuilt) counted = false;  // restarted (another program's too)
                if (progress && !counted) {
                    SQLite::Statement q(writer_,
                                        "SELECT count(*) FROM records WHERE server_seq > ?");
                    q.bind(1, static_cast<std::int64_t>(step.mark_before));
                    q.executeStep();
                    total = static_cast<std::uint64_t>(q.getColumn(0).getInt64());
                    counted = true;
                    done = 0;
                }
                tx.commit();
            }
            checkpoint_poke(*checkpoints_);
            out.rebuilt = out.rebuilt || step.rebuilt;
            out.records += step.chunk.records;
            out.facts += step.chunk.facts;
            done += step.chunk.records;
            if (progress && step.chunk.records != 0) progress(done, std::max(total, done));
            if (step.finished) {
                out.as_of = step.mark;
                return out;
            }
        }
    } catch (const std::exception& e) {
        return fail("refresh_report_facts", e);
    }
}

namespace {

// errc::internal for a sum SQLite (or add_total) could not hold in 64 bits, naming the
// measure so that someone can look at the records it sums.
error_info sum_too_large(const reports::definitions& defs, std::size_t measure) {
    const auto& m = defs.measures.at(measure);
    return {errc::internal,
            "the figure " + m.id + " (the sum of " + m.agg_field + " over " + m.type +
                " records) leaves the 64-bit range; look for wrong values of " + m.agg_field +
                " in the " + m.type + " records of this scope",
            std::nullopt};
}

}  // namespace

result<report_data> sqlite_store::report_values(const reports::definitions& defs,
                                                const reports::period& p,
                                                const scope_filter& scope) {
    const std::string fp = reports::fingerprint(defs);
    for (int attempt = 0; attempt < read_attempts; ++attempt) {
        const auto refreshed = refresh_report_facts(defs, {});  // F2
        if (!refreshed) return refreshed.error();
        std::size_t measure = 0;
        try {
            auto db = borrow_reader();
            // One snapshot: the mark and every measure's rows as of the same commit.
            SQLite::Transaction tx(*db, SQLite::TransactionBehavior::DEFERRED);
            const auto state = read_state(*db);
            if (!state.usable(fp)) continue;  // rebuilt meanwhile by another process
            report_data out;
            out.as_of = *state.mark;
            if (!scope.everything && scope.codes.empty()) return out;
            const std::string in_scope =
                scope.everything ? "" : " AND org_unit IN (SELECT value FROM json_each(?))";
            SQLite::Statement totals(*db,
                                     "SELECT org_unit, SUM(value) FROM report_facts "
                                     "WHERE measure = ? AND at BETWEEN ? AND ?" +
                                         in_scope + " GROUP BY org_unit");
            SQLite::Statement keys(*db,
                                   "SELECT DISTINCT org_unit, dkey FROM report_facts "
                                   "WHERE measure = ? AND at BETWEEN ? AND ?" +
                                       in_scope);
            const std::string codes = scope.everything ? "" : codes_json(scope.codes);
            for (measure = 0; measure < defs.measures.size(); ++measure) {
                const auto& m = defs.measures[measure];
                const bool distinct = m.agg == reports::aggregate::count_distinct;
                auto& q = distinct ? keys : totals;
                const auto w = reports::window_of(m, p);
                q.reset();
                q.bind(1, static_cast<std::int64_t>(measure));
                q.bind(2, w.lo);
                q.bind(3, w.hi);
                if (!scope.everything) q.bindNoCopy(4, codes);
                while (q.executeStep()) {
                    const std::string_view unit = text_of(q.getColumn(0));
                    if (distinct) {
                        reports::add_key(out.values, defs, unit, measure,
                                         q.getColumn(1).getString());
                    } else {
                        reports::add_total(out.values, defs, unit, measure,
                                           q.getColumn(1).getInt64());
                    }
                }
            }
            tx.commit();
            return out;
        } catch (const std::overflow_error&) {
            return sum_too_large(defs, measure);
        } catch (const SQLite::Exception& e) {
            // SUM raises this rather than wrap (docs/reports.md, E3).
            if (std::string_view(e.what()).find("integer overflow") != std::string_view::npos &&
                measure < defs.measures.size())
                return sum_too_large(defs, measure);
            return fail("report_values", e);
        } catch (const std::exception& e) {
            return fail("report_values", e);
        }
    }
    return error_info{errc::internal,
                      "the report figures are being rebuilt by another program using other "
                      "indicator definitions; give sotay-server and sotay-admin the same "
                      "indicators file, then retry",
                      std::nullopt};
}

// A review device (R4) is told apart by the meta value naming it, review_device.<user id>
// (sqlite_review_decide.cpp): its name is one a person could also give a phone.
std::vector<reports::device_sync> sqlite_store::device_syncs(const scope_filter& scope) {
    std::vector<reports::device_sync> out;
    auto db = borrow_reader();
    SQLite::Statement q(*db,
                        "SELECT d.device_id, u.org_unit, d.last_seen_ms FROM devices d "
                        "JOIN users u ON u.id = d.user_id "
                        "WHERE d.revoked = 0 AND d.device_id NOT IN (SELECT value FROM meta "
                        "WHERE substr(key, 1, 14) = 'review_device.') ORDER BY d.id");
    while (q.executeStep()) {
        const std::string_view unit = text_of(q.getColumn(1));
        if (!scope.contains(unit)) continue;
        reports::device_sync d;
        d.device = q.getColumn(0).getString();
        d.org_unit = std::string(unit);
        if (const auto seen = q.getColumn(2).getInt64(); seen != 0) d.last_sync_ms = seen;
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace sotay::store::detail
