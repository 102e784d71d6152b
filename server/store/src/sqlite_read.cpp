// Reads: pull pages with their evictions (S3, S6), scope exits, one record, the change
// log and the quarantine. Each multi-statement read runs in one read transaction, so its
// parts describe the same committed state.
#include "sqlite_store_impl.hpp"

#include <sotay/sync/log_codec.hpp>

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

namespace sotay::store::detail {

namespace {

// Page sizes above this are taken as this: no arithmetic on `limit + 1` can overflow.
constexpr std::size_t limit_max = std::size_t{1} << 30;

constexpr const char* record_columns =
    "SELECT id, type, org_unit, version, deleted, server_seq, fields FROM records";

std::string uuid_text(const SQLite::Column& c) {
    if (c.getBytes() != 16) throw std::runtime_error("corrupt record id");
    sync::uuid_bytes bytes{};
    std::memcpy(bytes.data(), c.getBlob(), bytes.size());
    return sync::format_uuid(bytes);
}

// Appends the row (record_columns) to `out`; returns its server_seq. `all_fields`: a
// tombstone's fields too (a reviewer's view), not only what a device needs.
std::uint64_t read_record(SQLite::Statement& q, std::vector<sync::record_msg>& out,
                          bool all_fields = false) {
    sync::record_msg r;
    r.record = uuid_text(q.getColumn(0));
    r.type = q.getColumn(1).getString();
    r.org_unit = q.getColumn(2).getString();
    r.version = static_cast<std::uint64_t>(q.getColumn(3).getInt64());
    r.deleted = q.getColumn(4).getInt() != 0;
    const std::string_view fields = text_of(q.getColumn(6));
    // A tombstone travels without its fields: the client only needs to drop its copy
    // (the values stay on the server, for history and a restore), and to learn where a
    // merged duplicate went (`_merged_into`, docs/review.md).
    if (!r.deleted || all_fields) {
        if (!sync::decode_fields_json(fields, r.fields))
            throw std::runtime_error("corrupt fields of record " + r.record);
    } else if (fields.find(sync::merged_into_field) != std::string_view::npos) {
        sync::field_map all;
        if (!sync::decode_fields_json(fields, all))
            throw std::runtime_error("corrupt fields of record " + r.record);
        if (auto it = all.find(sync::merged_into_field); it != all.end())
            r.fields.insert(all.extract(it));
    }
    out.push_back(std::move(r));
    return static_cast<std::uint64_t>(q.getColumn(5).getInt64());
}

// The rows of a scoped page in two steps: the server_seqs in scope from the covering
// index records_by_seq_org (org units are filtered inside the index, no table row is
// read for a record outside the scope), then those rows by records_by_seq. One step
// would read the table row of every index entry: SQLite defers that seek only for
// rowid tables, and records is WITHOUT ROWID.
constexpr const char* scoped_page_where =
    " WHERE server_seq IN (SELECT server_seq FROM records INDEXED BY records_by_seq_org "
    "WHERE server_seq > ?1 AND org_unit IN (SELECT value FROM json_each(?2)) "
    "ORDER BY server_seq LIMIT ?3) ORDER BY server_seq";

// S6: records a change in (after, next] moved from inside the scope to outside it,
// except those sent in this page (they moved back in).
std::vector<std::string> evictions(SQLite::Database& db, const scope_filter& scope,
                                   std::uint64_t after, std::uint64_t next,
                                   const std::vector<sync::record_msg>& sent) {
    std::set<std::string> out;
    SQLite::Statement q(db,
                        "SELECT record, from_org, to_org FROM record_moves "
                        "WHERE server_seq > ? AND server_seq <= ?");
    q.bind(1, static_cast<std::int64_t>(after));
    q.bind(2, static_cast<std::int64_t>(next));
    while (q.executeStep()) {
        if (scope.contains(text_of(q.getColumn(1))) && !scope.contains(text_of(q.getColumn(2))))
            out.insert(uuid_text(q.getColumn(0)));
    }
    for (const auto& r : sent) out.erase(r.record);
    return {out.begin(), out.end()};
}

constexpr const char* change_columns =
    "SELECT d.device_id, c.seq, c.record, c.type, c.org_unit, c.device_hlc, c.effective_hlc, "
    "c.base, c.received_ms, c.server_seq, c.status, c.body, c.result, u.username "
    "FROM changes c JOIN devices d ON d.id = c.device LEFT JOIN users u ON u.id = d.user_id";

logged_change read_change(SQLite::Statement& q) {
    logged_change c;
    c.device_id = q.getColumn(0).getString();
    c.seq = static_cast<std::uint64_t>(q.getColumn(1).getInt64());
    c.record = q.getColumn(2).getString();
    c.type = q.getColumn(3).getString();
    c.org_unit = q.getColumn(4).getString();
    c.device_hlc = q.getColumn(5).getString();
    c.effective_hlc = q.getColumn(6).getString();
    c.base = static_cast<std::uint64_t>(q.getColumn(7).getInt64());
    c.received_ms = q.getColumn(8).getInt64();
    c.server_seq =
        q.getColumn(9).isNull() ? 0 : static_cast<std::uint64_t>(q.getColumn(9).getInt64());
    c.status = sync::status_name(static_cast<sync::change_status>(q.getColumn(10).getInt()));
    c.body_json = q.getColumn(11).getString();
    c.result_json = q.getColumn(12).getString();
    c.username = q.getColumn(13).getString();  // '' for a device without a user
    return c;
}

}  // namespace

result<pull_page> sqlite_store::pull(const scope_filter& scope, std::uint64_t after,
                                     std::size_t limit) {
    limit = std::min<std::size_t>(limit, limit_max);
    try {
        auto db = borrow_reader();
        SQLite::Transaction tx(*db, SQLite::TransactionBehavior::DEFERRED);
        const std::uint64_t head = read_meta(*db, "head");
        pull_page page;
        std::vector<std::uint64_t> seqs;
        const std::size_t wanted = limit + 1;  // one more tells `more`
        if (scope.everything) {
            SQLite::Statement q(*db, std::string(record_columns) +
                                         " WHERE server_seq > ? ORDER BY server_seq LIMIT ?");
            q.bind(1, static_cast<std::int64_t>(after));
            q.bind(2, static_cast<std::int64_t>(wanted));
            while (q.executeStep()) seqs.push_back(read_record(q, page.records));
        } else if (!scope.codes.empty()) {
            SQLite::Statement q(*db, std::string(record_columns) + scoped_page_where);
            q.bind(1, static_cast<std::int64_t>(after));
            q.bind(2, codes_json(scope.codes));
            q.bind(3, static_cast<std::int64_t>(wanted));
            while (q.executeStep()) seqs.push_back(read_record(q, page.records));
        }
        if (page.records.size() > limit) {
            page.more = true;
            page.records.resize(limit);
            page.next = limit == 0 ? after : seqs[limit - 1];
        } else {
            // Everything in scope up to the head was read: the cursor passes the changes
            // outside the scope too. Never behind `after` (a database restored from an
            // older copy is the caller's to notice).
            page.next = std::max(after, head);
        }
        if (!scope.everything && page.next > after)
            page.evict = evictions(*db, scope, after, page.next, page.records);
        tx.commit();
        return page;
    } catch (const std::exception& e) {
        return fail("pull", e);
    }
}

result<exit_page> sqlite_store::scope_exits(const scope_filter& from, const scope_filter& to,
                                            std::uint64_t moved_after,
                                            const std::string& after_record, std::size_t limit) {
    std::string start;  // record key to continue after; '' sorts before every id
    if (!after_record.empty()) {
        const auto id = sync::parse_uuid(after_record);
        if (!id) return invalid("after_record", "after_record must be a record id (a UUID)");
        start = key_of(*id);
    }
    limit = std::min<std::size_t>(limit, limit_max);
    if (to.everything) return exit_page{};  // nothing leaves "everything"
    try {
        auto db = borrow_reader();
        SQLite::Transaction tx(*db, SQLite::TransactionBehavior::DEFERRED);
        std::set<std::string> keys;  // ascending, as ids compare byte for byte
        // Records now in `from` and not in `to`.
        std::string sql;
        std::string codes;
        // The covering index holds org_unit and id: a scan of it reads no record row
        // (a scope change is rare; its cost is one pass over the index per page).
        if (from.everything) {
            sql =
                "SELECT id FROM records INDEXED BY records_by_seq_org WHERE id > ?1 AND "
                "org_unit NOT IN (SELECT value FROM json_each(?2)) ORDER BY id LIMIT ?3";
            codes = codes_json(to.codes);
        } else {
            std::vector<std::string> leaving;
            std::set_difference(from.codes.begin(), from.codes.end(), to.codes.begin(),
                                to.codes.end(), std::back_inserter(leaving));
            sql =
                "SELECT id FROM records INDEXED BY records_by_seq_org WHERE id > ?1 AND "
                "org_unit IN (SELECT value FROM json_each(?2)) ORDER BY id LIMIT ?3";
            codes = codes_json(leaving);
        }
        SQLite::Statement a(*db, sql);
        a.bind(1, start.data(), static_cast<int>(start.size()));
        a.bind(2, codes);
        a.bind(3, static_cast<std::int64_t>(limit) + 1);
        while (a.executeStep()) keys.emplace(text_of(a.getColumn(0)));
        // Records that left `from` after the device's cursor (it may still hold them)
        // and are not in `to` now. Moves are few: read them all.
        SQLite::Statement b(*db,
                            "SELECT m.record, m.from_org, r.org_unit FROM record_moves m "
                            "JOIN records r ON r.id = m.record "
                            "WHERE m.server_seq > ? AND m.record > ?");
        b.bind(1, static_cast<std::int64_t>(moved_after));
        b.bind(2, start.data(), static_cast<int>(start.size()));
        while (b.executeStep()) {
            if (from.contains(text_of(b.getColumn(1))) && !to.contains(text_of(b.getColumn(2))))
                keys.emplace(text_of(b.getColumn(0)));
        }
        tx.commit();
        // The first limit + 1 of the union are all here: `a` stopped at limit + 1.
        exit_page page;
        for (const auto& k : keys) {
            if (page.records.size() == limit) {
                page.more = true;
                break;
            }
            if (k.size() != 16) throw std::runtime_error("corrupt record id");
            sync::uuid_bytes bytes{};
            std::memcpy(bytes.data(), k.data(), bytes.size());
            page.records.push_back(sync::format_uuid(bytes));
        }
        return page;
    } catch (const std::exception& e) {
        return fail("scope_exits", e);
    }
}

result<sync::record_msg> sqlite_store::record(const std::string& id, const scope_filter& scope) {
    const auto bytes = sync::parse_uuid(id);
    if (!bytes)
        return invalid("record",
                       "a record id is a UUID such as 0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b");
    try {
        auto db = borrow_reader();
        SQLite::Statement q(*db, std::string(record_columns) + " WHERE id = ?");
        q.bind(1, bytes->data(), static_cast<int>(bytes->size()));
        std::vector<sync::record_msg> out;
        if (q.executeStep()) read_record(q, out, true);
        if (out.empty() || !scope.contains(out.front().org_unit))
            return not_found("record", "there is no record " + id + " in your scope");
        return std::move(out.front());
    } catch (const std::exception& e) {
        return fail("record", e);
    }
}

std::uint64_t sqlite_store::head() {
    auto db = borrow_reader();
    return read_meta(*db, "head");
}

int sqlite_store::schema_version() {
    auto db = borrow_reader();
    return static_cast<int>(read_meta(*db, "schema_version"));
}

std::vector<logged_change> sqlite_store::change_log(const std::optional<std::string>& device_id) {
    std::vector<logged_change> out;
    auto db = borrow_reader();
    SQLite::Statement q(*db, std::string(change_columns) +
                                 " WHERE ? IS NULL OR d.device_id = ? "
                                 "ORDER BY c.received_ms, d.device_id, c.seq");
    if (device_id) {
        q.bind(1, *device_id);
        q.bind(2, *device_id);
    }
    while (q.executeStep()) out.push_back(read_change(q));
    q.reset();
    fill_logged_bodies(*db, out);  // format 6: applied changes' bodies are in the history
    return out;
}

std::vector<logged_change> sqlite_store::quarantine(const scope_filter& scope, std::size_t limit) {
    std::vector<logged_change> out;
    auto db = borrow_reader();
    // `status = 2` written out: the partial index changes_rejected applies only to a
    // query that states its condition.
    SQLite::Statement q(*db, std::string(change_columns) +
                                 " WHERE c.status = 2 AND (?1 IS NULL OR c.org_unit IN "
                                 "(SELECT value FROM json_each(?1))) "
                                 "ORDER BY c.received_ms DESC, c.device DESC, c.seq DESC LIMIT ?2");
    if (!scope.everything) q.bind(1, codes_json(scope.codes));
    q.bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, limit_max)));
    while (q.executeStep()) out.push_back(read_change(q));
    return out;
}

}  // namespace sotay::store::detail
