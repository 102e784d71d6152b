// The history (store.hpp H1-H4): appending entries to the hash chain on the writer, the
// queries, the verifier's walk, and the format 3 -> 4 backfill from the change log.
//
// Appending. The chain's head (the newest entry's seq and hash) is kept in memory only
// for the rest of one transaction: the first append of every transaction reads the
// table's last row (one lookup at the end of the rowid B-tree) under the writer's
// IMMEDIATE lock, so an entry appended by another process (sotay-admin) in between is
// followed, never forked from. A rolled-back transaction leaves nothing behind: the next
// one reads the head again.
//
// Costs on the writer's path (W1): per change one canonical body (a JSON object of a few
// hundred bytes, members sorted), one SHA-256 and one row with four index entries. The
// before/after of a change copies only the registers it touches (touched_registers).
#include "sqlite_store_impl.hpp"

#include <sotay/sync/json_values.hpp>
#include <sotay/sync/log_codec.hpp>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

namespace sotay::store::detail {

namespace json = boost::json;

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
std::size_t utf8_prefix(std::string_view s) {
    std::size_t i = 0;
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    auto in = [&](std::size_t k, unsigned lo, unsigned hi) {
        return k < s.size() && at(k) >= lo && at(k) <= hi;
    };
    while (i < s.size()) {
        const unsigned c = at(i);
        std::size_t n = 0;
        if (c < 0x80) {
            n = 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = in(i + 1, 0x80, 0xBF) ? 2 : 0;
        } else if (c >= 0xE0 && c <= 0xEF) {
            const unsigned lo = c == 0xE0 ? 0xA0 : 0x80;
            const unsigned hi = c == 0xED ? 0x9F : 0xBF;
            n = in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) ? 3 : 0;
        } else if (c >= 0xF0 && c <= 0xF4) {
            const unsigned lo = c == 0xF0 ? 0x90 : 0x80;
            const unsigned hi = c == 0xF4 ? 0x8F : 0xBF;
            n = in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) && in(i + 3, 0x80, 0xBF) ? 4 : 0;
        }
        if (n == 0) break;
        i += n;
    }
    return i;
}

namespace {

bool is_utf8(std::string_view s) {
    return utf8_prefix(s) == s.size();
}

// The columns an entry's body spells with U+FFFD where the entry had bytes that are not
// UTF-8 (only a rejected change can bring them): the columns must say what the body says.
bool columns_are_utf8(const audit::history_entry& e) {
    return is_utf8(e.kind) && is_utf8(e.username) && is_utf8(e.device_id) && is_utf8(e.record) &&
           is_utf8(e.type) && is_utf8(e.org_unit);
}

audit::digest digest_of(const SQLite::Column& c) {
    audit::digest d{};
    // A stored hash of the wrong size (a damaged row) is compared as far as it goes: the
    // verifier then names the row.
    std::memcpy(d.data(), c.getBlob(),
                std::min<std::size_t>(d.size(), static_cast<std::size_t>(c.getBytes())));
    return d;
}

// The answer given to a change (H3): status, error, the review items its conflicts opened.
json::object answer_json(const sync::change_result& r) {
    json::object o;
    o["status"] = sync::status_name(r.status);
    if (r.error) {
        json::object e{{"code", sync::to_code(r.error->code)}, {"message", r.error->message}};
        if (r.error->field) e["field"] = *r.error->field;
        o["error"] = std::move(e);
    }
    if (!r.conflicts.empty()) {
        json::array ids;
        for (const auto& k : r.conflicts) ids.emplace_back(k.id);
        o["conflicts"] = std::move(ids);
    }
    return o;
}

// What the device sent that the entry does not already say: its org unit (which may
// differ from the record's) and its set or delete, with a decision's restore or merge
// target. The seq, hlc and base are in the detail and the record and type in the entry:
// every byte here is written once per change, for as long as the history is kept. So a
// sent value that is its register's "after" in `fields` (every value of a create, every
// value of an edit that won its register) is only named, in "set_as_after" (H3), and
// audit::expand_sent puts it back: in W1 that is ~300 of the ~1,070 bytes of a create's entry.
json::object sent_json(const sync::change_msg& c, const change_source* src,
                       const std::vector<sync::field_diff>* fields) {
    json::object o;
    o["org_unit"] = c.org_unit;
    if (c.del) {
        o["delete"] = true;
    } else {
        json::object set;
        json::array as_after;
        for (const auto& [name, v] : c.set) {
            const sync::field_diff* d = nullptr;
            if (fields != nullptr) {
                const auto it = std::find_if(fields->begin(), fields->end(),
                                             [&](const auto& f) { return f.name == name; });
                if (it != fields->end()) d = &*it;
            }
            // Equal values give equal JSON (value_to_json), so the reader's copy of the
            // after is byte for byte what this would have written.
            if (d != nullptr && d->after == v) {
                as_after.emplace_back(name);
            } else {
                set.emplace(name, sync::value_to_json(v));
            }
        }
        o["set"] = std::move(set);
        if (!as_after.empty()) o["set_as_after"] = std::move(as_after);
    }
    if (src != nullptr && src->restore) o["restore"] = true;
    if (src != nullptr && src->merged_into != nullptr) o["merged_into"] = *src->merged_into;
    return o;
}

json::object fields_json(const std::vector<sync::field_diff>& diffs) {
    json::object o;
    for (const auto& d : diffs) {
        o[d.name] = json::object{{"before", sync::value_to_json(d.before)},
                                 {"after", sync::value_to_json(d.after)}};
    }
    return o;
}

// Kinds the store writes itself: record_event may not forge them.
constexpr std::string_view store_kinds[] = {
    "change",          "resend",         "rejected",        "decision",     "login",
    "login_failed",    "logout",         "org_import",      "user_added",   "user_disabled",
    "user_enabled",    "user_moved",     "user_role",       "password_set", "device_added",
    "device_enrolled", "device_revoked", "enrollment_code",
};

std::size_t depth_of(const json::value& v) {
    std::size_t d = 0;
    if (const auto* o = v.if_object()) {
        for (const auto& kv : *o) d = std::max(d, depth_of(kv.value()));
        return d + 1;
    }
    if (const auto* a = v.if_array()) {
        for (const auto& x : *a) d = std::max(d, depth_of(x));
        return d + 1;
    }
    return 0;
}

}  // namespace

sync::record_state touched_registers(const sync::record_state& r, const sync::change& c) {
    sync::record_state out;
    // Values only: diff compares nothing else, and writers would cost a copy each.
    out.org_unit.v = r.org_unit.v;
    out.deleted.v = r.deleted.v;
    auto copy = [&](std::string_view name) {
        if (auto it = r.fields.find(name); it != r.fields.end())
            out.fields[std::string(name)].v = it->second.v;
    };
    for (const auto& [name, v] : c.set) copy(name);
    if (!c.merged_into.empty()) copy(sync::merged_into_field);
    return out;
}

// Appending ---------------------------------------------------------------------------

void sqlite_store::append_history(audit::history_entry e) {
    if (!ins_history_) {
        ins_history_ = std::make_unique<SQLite::Statement>(
            writer_,
            "INSERT INTO history(seq, at_ms, kind, username, device_id, record, type, org_unit, "
            "body, hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        sel_history_head_ = std::make_unique<SQLite::Statement>(
            writer_, "SELECT seq, hash FROM history ORDER BY seq DESC LIMIT 1");
    }
    if (!history_known_) {
        auto& q = *sel_history_head_;
        q.reset();
        history_seq_ = 0;
        history_hash_ = audit::genesis;
        if (q.executeStep()) {
            history_seq_ = static_cast<std::uint64_t>(q.getColumn(0).getInt64());
            history_hash_ = digest_of(q.getColumn(1));
        }
        q.reset();
        history_known_ = true;
    }
    e.seq = history_seq_ + 1;
    const std::string body = audit::entry_body(e);
    if (!columns_are_utf8(e)) {
        // The body holds U+FFFD for the bad bytes: the columns take its spelling (H2).
        auto parsed = audit::parse_entry(body);
        if (!parsed)
            throw std::runtime_error("a history entry does not read back: " +
                                     parsed.error().message);
        e = std::move(*parsed);
    }
    const audit::digest hash = audit::link(history_hash_, e.seq, body);
    auto& q = *ins_history_;
    q.reset();
    q.bind(1, static_cast<std::int64_t>(e.seq));
    q.bind(2, e.at_ms);
    q.bindNoCopy(3, e.kind);  // e and body outlive exec()
    q.bindNoCopy(4, e.username);
    q.bindNoCopy(5, e.device_id);
    q.bindNoCopy(6, e.record);
    q.bindNoCopy(7, e.type);
    q.bindNoCopy(8, e.org_unit);
    q.bindNoCopy(9, body);
    q.bindNoCopy(10, hash.data(), static_cast<int>(hash.size()));
    q.exec();
    q.reset();
    history_seq_ = e.seq;
    history_hash_ = hash;
}

void sqlite_store::append_admin(std::string kind, const actor& by, json::object detail,
                                const std::string* self) {
    history_known_ = false;  // its own transaction: another process may have appended
    detail["via"] = by.via;
    detail["address"] = by.address;
    audit::history_entry e;
    e.at_ms = now();
    e.kind = std::move(kind);
    e.username = self != nullptr ? *self : by.username;
    e.detail = std::move(detail);
    append_history(std::move(e));
}

void sqlite_store::append_change_entry(const device_row& d, const change_entry& x) {
    audit::history_entry e;
    e.at_ms = now_ms_;
    e.kind = x.kind;
    e.username = d.username;
    e.device_id = x.device_id;
    e.record = x.c.record;
    e.type = x.type;
    e.org_unit = x.org_unit;
    auto& o = e.detail;
    o["seq"] = x.c.seq;
    o["hlc"] = x.c.hlc;
    o["answer"] = answer_json(x.answer);
    if (x.src != nullptr) {  // a resend is the change already recorded: seq and answer
        o["base"] = x.c.base;
        o["effective_hlc"] = x.effective_hlc;
        o["sent"] = sent_json(x.c, x.src, x.fields);
    }
    if (x.fields != nullptr) o["fields"] = fields_json(*x.fields);
    append_history(std::move(e));
}

result<void> sqlite_store::record_event(const std::string& kind, const actor& by,
                                        const json::object& detail) {
    bool ok = !kind.empty() && kind.size() <= 64;
    for (const char c : kind)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.');
    if (!ok) {
        return invalid("kind",
                       "an event kind is 1 to 64 characters of a-z, 0-9, '_' and '.', such as "
                       "export.csv");
    }
    if (std::find(std::begin(store_kinds), std::end(store_kinds), kind) != std::end(store_kinds))
        return invalid("kind", "the kind " + kind +
                                   " is written by the store itself; name the event otherwise");
    // entry.hpp: parse_entry reads 30 levels; the body adds one, via and address none.
    if (depth_of(detail) > 20)
        return invalid("detail", "an event's detail may nest at most 20 levels deep");
    if (detail.contains("via") || detail.contains("address"))
        return invalid("detail", "\"via\" and \"address\" come from the actor; leave them out");
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        append_admin(kind, by, detail);
        tx.commit();
        return {};
    } catch (const std::exception& e) {
        return fail("record_event", e);
    }
}

// Reading -----------------------------------------------------------------------------

std::pair<std::uint64_t, audit::digest> sqlite_store::history_head() {
    auto db = borrow_reader();
    SQLite::Statement q(*db, "SELECT seq, hash FROM history ORDER BY seq DESC LIMIT 1");
    if (!q.executeStep()) return {0, audit::genesis};
    return {static_cast<std::uint64_t>(q.getColumn(0).getInt64()), digest_of(q.getColumn(1))};
}

result<history_page> sqlite_store::history(const history_query& q) {
    if (q.limit < 1 || q.limit > 10'000)
        return invalid("limit", "limit must be between 1 and 10000");
    if (q.from_ms && q.to_ms && *q.from_ms > *q.to_ms)
        return invalid("from", "the period's start is after its end");
    // Every filter is a bound parameter; the text below holds no input.
    std::string sql =
        "SELECT seq, body, hash, at_ms, kind, username, device_id, record, type, "
        "org_unit FROM history WHERE seq > ?";
    std::vector<std::string> texts;
    auto text_filter = [&](const std::optional<std::string>& v, const char* column) {
        if (!v) return;
        sql += std::string(" AND ") + column + " = ?";
        texts.push_back(*v);
    };
    text_filter(q.record, "record");
    text_filter(q.username, "username");
    text_filter(q.device_id, "device_id");
    text_filter(q.kind, "kind");
    if (!q.scope.everything) {
        // Entries about no record (logins, users, devices) only for a scope of everything.
        sql += " AND record <> '' AND org_unit IN (SELECT value FROM json_each(?))";
        texts.push_back(codes_json(q.scope.codes));
    }
    if (q.from_ms) sql += " AND at_ms >= ?";
    if (q.to_ms) sql += " AND at_ms < ?";
    sql += " ORDER BY seq LIMIT ?";
    try {
        auto db = borrow_reader();
        SQLite::Statement s(*db, sql);
        int i = 0;
        s.bind(++i, static_cast<std::int64_t>(std::min<std::uint64_t>(q.after, INT64_MAX)));
        for (const auto& t : texts) s.bind(++i, t);
        if (q.from_ms) s.bind(++i, *q.from_ms);
        if (q.to_ms) s.bind(++i, *q.to_ms);
        s.bind(++i, static_cast<std::int64_t>(q.limit) + 1);  // one more: is there more?
        history_page page;
        page.next = q.after;
        while (s.executeStep()) {
            if (page.rows.size() == q.limit) {
                page.more = true;
                break;
            }
            history_row row;
            row.body = s.getColumn(1).getString();
            row.hash = digest_of(s.getColumn(2));
            if (auto parsed = audit::parse_entry(row.body)) {
                row.entry = std::move(*parsed);
            } else {
                // A damaged row still shows what its columns say; `audit verify` names it.
                spdlog::warn("history entry {} does not read: {}", s.getColumn(0).getInt64(),
                             parsed.error().message);
                auto& e = row.entry;
                e.seq = static_cast<std::uint64_t>(s.getColumn(0).getInt64());
                e.at_ms = s.getColumn(3).getInt64();
                e.kind = s.getColumn(4).getString();
                e.username = s.getColumn(5).getString();
                e.device_id = s.getColumn(6).getString();
                e.record = s.getColumn(7).getString();
                e.type = s.getColumn(8).getString();
                e.org_unit = s.getColumn(9).getString();
                e.detail["unreadable"] = parsed.error().message;
            }
            page.next = static_cast<std::uint64_t>(s.getColumn(0).getInt64());
            page.rows.push_back(std::move(row));
        }
        return page;
    } catch (const std::exception& e) {
        return fail("history", e);
    }
}

namespace {

// H2: the first column of a stored row that does not say what its body says; "" if all do.
std::string column_mismatch(const audit::history_entry& e, SQLite::Statement& s) {
    auto text = [&](int col, const std::string& want, const char* name) -> std::string {
        const std::string_view got = text_of(s.getColumn(col));
        if (got == want) return {};
        return std::string(name) + " column says \"" + std::string(got) +
               "\" but its hashed content says \"" + want + "\"";
    };
    if (s.getColumn(3).getInt64() != e.at_ms) {
        return "at_ms column says " + std::to_string(s.getColumn(3).getInt64()) +
               " but its hashed content says " + std::to_string(e.at_ms);
    }
    for (auto m : {text(4, e.kind, "kind"), text(5, e.username, "username"),
                   text(6, e.device_id, "device_id"), text(7, e.record, "record"),
                   text(8, e.type, "type"), text(9, e.org_unit, "org_unit")}) {
        if (!m.empty()) return m;
    }
    return {};
}

}  // namespace

result<verify_report> sqlite_store::verify_history(
    const std::optional<audit::signed_head>& trusted,
    const std::function<void(std::uint64_t)>& progress) {
    try {
        // A reader's snapshot: writers go on, and the walk sees one consistent history.
        auto db = borrow_reader();
        SQLite::Transaction tx(*db, SQLite::TransactionBehavior::DEFERRED);
        SQLite::Statement s(*db,
                            "SELECT seq, body, hash, at_ms, kind, username, device_id, record, "
                            "type, org_unit FROM history ORDER BY seq");
        audit::chain_verifier v;
        if (trusted) v.expect(trusted->seq, trusted->hash);
        std::optional<audit::chain_problem> in_columns;
        std::uint64_t rows = 0;
        while (!v.settled() && s.executeStep()) {
            const auto seq = static_cast<std::uint64_t>(s.getColumn(0).getInt64());
            const std::string_view body = text_of(s.getColumn(1));
            v.add(seq, body, digest_of(s.getColumn(2)));
            // A body that does not parse is the chain's to name (its hash will not match).
            if (!in_columns) {
                if (auto e = audit::parse_entry(body)) {
                    if (auto m = column_mismatch(*e, s); !m.empty()) {
                        in_columns = audit::chain_problem{
                            audit::problem_kind::changed, seq,
                            "entry " + std::to_string(seq) + ": its " + m +
                                "; the row was edited outside the server (its hashed content "
                                "is intact, queries by that column would mislead)"};
                    }
                }
            }
            if (++rows % 10'000 == 0 && progress) progress(rows);
        }
        s.reset();
        tx.commit();
        verify_report out;
        out.entries = v.rows();
        out.head_seq = v.verified_seq();
        out.head_hash = v.verified_hash();
        out.problem = v.finish();
        if (in_columns && (!out.problem || in_columns->seq < out.problem->seq)) {
            out.problem = std::move(in_columns);
            out.in_columns = true;
        }
        return out;
    } catch (const std::exception& e) {
        return fail("verify_history", e);
    }
}

// The change log's bodies (format 6) ----------------------------------------------------

void fill_logged_bodies(SQLite::Database& db, std::vector<logged_change>& rows) {
    // device_id -> seq -> the row waiting for its body.
    std::map<std::string, std::map<std::uint64_t, logged_change*>, std::less<>> wanted;
    for (auto& r : rows)
        if (r.body_json.empty()) wanted[r.device_id][r.seq] = &r;
    if (wanted.empty()) return;
    // One pass over each device's change entries (history_by_device), in chain order.
    SQLite::Statement q(db, "SELECT body FROM history WHERE device_id = ? AND kind = 'change'");
    for (auto& [device_id, by_seq] : wanted) {
        q.reset();
        q.bind(1, device_id);
        while (!by_seq.empty() && q.executeStep()) {
            auto e = audit::parse_entry(text_of(q.getColumn(0)));
            if (!e) continue;  // a damaged entry: `audit verify` names it
            const auto* seq = e->detail.if_contains("seq");
            boost::system::error_code ec;
            const auto n = seq != nullptr ? seq->to_number<std::uint64_t>(ec) : 0;
            const auto it = by_seq.find(n);
            if (it == by_seq.end()) continue;
            audit::expand_sent(e->detail);
            const auto* sent = e->detail.if_contains("sent");
            if (sent == nullptr || !sent->is_object()) continue;
            const auto& s = sent->get_object();
            const logged_change& c = *it->second;
            // Member for member what change_to_json wrote, then decision_body's additions
            // (sqlite_review_decide.cpp).
            json::object o;
            o["seq"] = c.seq;
            o["record"] = c.record;
            o["type"] = c.type;
            o["org_unit"] = c.org_unit;
            o["hlc"] = c.device_hlc;
            o["base"] = c.base;
            if (s.contains("delete")) {
                o["delete"] = true;
            } else if (const auto* set = s.if_contains("set")) {
                o["set"] = *set;
            }
            if (s.contains("restore")) o["restore"] = true;
            if (const auto* m = s.if_contains("merged_into")) o["merged_into"] = *m;
            it->second->body_json = json::serialize(o);
            by_seq.erase(it);
        }
    }
    q.reset();
}

// The format 3 -> 4 backfill ------------------------------------------------------------

// One entry per logged change, in the order they were received, so that an older file's
// history starts with what its change log knows. What it does not know, it does not make
// up: no before/after (the states in between are gone), the org unit the change named,
// the receive time as the entry's time; "backfilled": true says so.
void sqlite_store::backfill_history() {
    SQLite::Statement q(
        writer_,
        "SELECT c.received_ms, c.status, u.username, d.device_id, c.record, c.type, c.org_unit, "
        "c.seq, c.device_hlc, c.effective_hlc, c.base, c.body, c.result FROM changes c "
        "JOIN devices d ON d.id = c.device LEFT JOIN users u ON u.id = d.user_id "
        "ORDER BY c.received_ms, c.server_seq IS NULL, c.server_seq, c.device, c.seq");
    history_known_ = false;
    std::uint64_t n = 0;
    while (q.executeStep()) {
        audit::history_entry e;
        e.at_ms = q.getColumn(0).getInt64();
        const bool rejected =
            q.getColumn(1).getInt() == static_cast<int>(sync::change_status::rejected);
        e.kind = rejected ? "rejected" : "change";
        e.username = q.getColumn(2).isNull() ? std::string() : q.getColumn(2).getString();
        e.device_id = q.getColumn(3).getString();
        e.record = q.getColumn(4).getString();
        e.type = q.getColumn(5).getString();
        e.org_unit = q.getColumn(6).getString();
        auto& o = e.detail;
        o["backfilled"] = true;
        o["seq"] = q.getColumn(7).getInt64();
        o["hlc"] = q.getColumn(8).getString();
        o["effective_hlc"] = q.getColumn(9).getString();
        o["base"] = q.getColumn(10).getInt64();
        boost::system::error_code ec;
        json::value sent = json::parse(text_of(q.getColumn(11)), ec);
        if (ec) sent = q.getColumn(11).getString();  // as stored, when it is not JSON
        o["sent"] = std::move(sent);
        if (auto r = sync::result_from_json(text_of(q.getColumn(12)))) {
            o["answer"] = answer_json(*r);
        } else {
            o["answer"] = q.getColumn(12).getString();
        }
        append_history(std::move(e));
        ++n;
    }
    if (n != 0) spdlog::info("{}: {} logged changes copied into the history", path_, n);
}

}  // namespace sotay::store::detail
