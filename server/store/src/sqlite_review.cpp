// Reading the review queue: pages by review cursor (R7) within the reader's scope (R3),
// one item, superseded items marked (R5); conflicts() for the old admin command, and
// following merged records to their survivor.
#include "sqlite_review.hpp"

#include <sotay/sync/merge.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <stdexcept>

namespace sotay::store::detail {

namespace {

constexpr std::size_t page_max = 1000;
constexpr std::array<std::string_view, 3> kinds = {"field", "delete_edit", "duplicate"};
constexpr std::array<std::string_view, 3> states = {"open", "resolved", "dismissed"};

bool one_of(const auto& names, std::string_view v) {
    return std::find(names.begin(), names.end(), v) != names.end();
}

// A record's registers as `db` sees them; nullopt when there is no such record.
std::optional<sync::record_state> stored_record(SQLite::Database& db, const std::string& id) {
    const auto bytes = sync::parse_uuid(id);
    if (!bytes) return std::nullopt;
    SQLite::Statement q(db, "SELECT fields, clocks FROM records WHERE id = ?");
    q.bind(1, bytes->data(), static_cast<int>(bytes->size()));
    if (!q.executeStep()) return std::nullopt;
    sync::record_state r;
    if (!sync::decode_record(text_of(q.getColumn(0)), text_of(q.getColumn(1)), id, r))
        throw std::runtime_error("corrupt state of record " + id);
    return r;
}

// Whether the record is live with natural key `key` (by its stored hash: no schema is
// needed to read the queue, and two keys of one hash are a 2^-64 chance).
bool has_key(SQLite::Database& db, const std::string& id, const std::string& key) {
    const auto bytes = sync::parse_uuid(id);
    if (!bytes) return false;
    SQLite::Statement q(db, "SELECT key_hash FROM records WHERE id = ?");
    q.bind(1, bytes->data(), static_cast<int>(bytes->size()));
    return q.executeStep() && !q.getColumn(0).isNull() &&
           q.getColumn(0).getInt64() == key_hash(key);
}

}  // namespace

sync::review_item_msg read_item(SQLite::Statement& q) {
    sync::review_item_msg m;
    m.item = q.getColumn(0).getInt64();
    m.kind = q.getColumn(1).getString();
    m.state = q.getColumn(2).getString();
    m.type = q.getColumn(3).getString();
    m.record = q.getColumn(4).getString();
    m.org_unit = q.getColumn(5).getString();
    m.field = q.getColumn(6).getString();
    m.other_record = q.getColumn(7).getString();
    m.other_org_unit = q.getColumn(8).getString();
    m.natural_key = q.getColumn(9).getString();
    m.version = static_cast<std::uint64_t>(q.getColumn(10).getInt64());
    for (auto& s : parse_sides(text_of(q.getColumn(11)))) {
        m.sides.push_back(sync::review_side_msg{std::move(s.record),
                                                std::move(s.val),
                                                std::move(s.device_id),
                                                {},
                                                s.seq,
                                                std::move(s.device_hlc),
                                                s.received_ms});
    }
    m.created_ms = q.getColumn(12).getInt64();
    m.seq = static_cast<std::uint64_t>(q.getColumn(13).getInt64());
    m.decided_by = q.getColumn(14).getString();
    m.decided_ms = q.getColumn(15).getInt64();
    m.decision = q.getColumn(16).getString();
    m.chosen = parse_value(text_of(q.getColumn(17)));
    m.survivor = q.getColumn(18).getString();
    m.reason = q.getColumn(19).getString();
    m.settled_by = q.getColumn(20).getInt64();
    return m;
}

username_cache::username_cache(SQLite::Database& db)
    : q_(db,
         "SELECT coalesce(u.username, '') FROM devices d LEFT JOIN users u ON u.id = d.user_id "
         "WHERE d.device_id = ?") {}

void username_cache::fill(sync::review_item_msg& item) {
    for (auto& side : item.sides) {
        if (side.device_id.empty()) continue;
        auto it = known_.find(side.device_id);
        if (it == known_.end()) {
            q_.reset();
            q_.bind(1, side.device_id);
            std::string name = q_.executeStep() ? q_.getColumn(0).getString() : std::string();
            q_.reset();
            it = known_.emplace(side.device_id, std::move(name)).first;
        }
        side.username = it->second;
    }
}

bool item_visible(const scope_filter& scope, const sync::review_item_msg& item) {
    return scope.contains(item.org_unit) &&
           (item.other_record.empty() || scope.contains(item.other_org_unit));
}

std::optional<std::string> superseded_reason(SQLite::Database& db,
                                             const sync::review_item_msg& item) {
    if (item.kind == "duplicate") {
        for (const auto* id : {&item.record, &item.other_record}) {
            if (!has_key(db, *id, item.natural_key))
                return "record " + *id + " was deleted or its natural key changed";
        }
        return std::nullopt;
    }
    const auto r = stored_record(db, item.record);
    if (!r) return "record " + item.record + " no longer exists";
    if (item.kind == "field") {
        const sync::field_state* reg = nullptr;
        if (item.field == sync::org_unit_field) {
            reg = &r->org_unit;
        } else if (auto it = r->fields.find(item.field); it != r->fields.end()) {
            reg = &it->second;
        }
        if (reg != nullptr && reg->version > item.version) {
            return "field " + item.field + " was written again at version " +
                   std::to_string(reg->version);
        }
    }
    if (r->deleted.version > item.version) {
        return std::string("the record was ") + (r->is_deleted() ? "deleted" : "restored") +
               " again at version " + std::to_string(r->deleted.version);
    }
    return std::nullopt;
}

result<review_page> sqlite_store::review_items(const review_query& rq) {
    if (rq.limit < 1 || rq.limit > page_max)
        return invalid("limit", "limit must be between 1 and 1000");
    if (rq.kind && !one_of(kinds, *rq.kind))
        return invalid("kind", "kind must be field, delete_edit or duplicate");
    if (rq.state && !one_of(states, *rq.state))
        return invalid("state", "state must be open, resolved or dismissed");
    if (rq.record && !sync::is_uuid(*rq.record))
        return invalid("record", "record must be a record id (a UUID)");
    // Only the filters given go into the SQL, so that the planner can use the index
    // (state, seq) for the usual "open items" view, or a record's indexes for its items
    // (then `+i.seq`: not by the cursor's index).
    std::string sql =
        std::string(item_columns) + (rq.record ? " WHERE +i.seq > ?" : " WHERE i.seq > ?");
    std::vector<std::string> texts;
    std::vector<std::int64_t> numbers;
    auto text_filter = [&](const std::optional<std::string>& v, const char* condition) {
        if (!v) return;
        sql += condition;
        texts.push_back(*v);
    };
    text_filter(rq.kind, " AND i.kind = ?");
    text_filter(rq.state, " AND i.state = ?");
    text_filter(rq.type, " AND i.type = ?");
    // Either side of a duplicate: two conditions on one value.
    if (rq.record) {
        sql += " AND (i.record = ? OR i.other_record = ?)";
        texts.push_back(*rq.record);
        texts.push_back(*rq.record);
    }
    if (!rq.scope.everything) {
        sql +=
            " AND i.org_unit IN (SELECT value FROM json_each(?)) AND (i.other_record = '' OR "
            "i.other_org_unit IN (SELECT value FROM json_each(?)))";
        texts.push_back(codes_json(rq.scope.codes));
        texts.push_back(texts.back());
    }
    if (rq.from_ms) {
        sql += " AND i.created_ms >= ?";
        numbers.push_back(*rq.from_ms);
    }
    if (rq.to_ms) {
        sql += " AND i.created_ms < ?";
        numbers.push_back(*rq.to_ms);
    }
    sql += " ORDER BY i.seq LIMIT ?";
    try {
        auto db = borrow_reader();
        SQLite::Transaction tx(*db, SQLite::TransactionBehavior::DEFERRED);
        const std::uint64_t current = read_meta(*db, "review_seq");
        SQLite::Statement q(*db, sql);
        int at = 1;
        q.bind(at++, static_cast<std::int64_t>(rq.after));
        for (const auto& t : texts) q.bind(at++, t);
        for (const auto n : numbers) q.bind(at++, n);
        q.bind(at, static_cast<std::int64_t>(rq.limit) + 1);  // one more tells `more`
        review_page page;
        while (q.executeStep()) page.items.push_back(read_item(q));
        q.reset();
        if (page.items.size() > rq.limit) {
            page.more = true;
            page.items.resize(rq.limit);
            page.next = page.items.back().seq;
        } else {
            // Everything up to the current position was read: the cursor passes the items
            // the filters left out too.
            page.next = std::max(rq.after, current);
        }
        username_cache names(*db);
        for (auto& item : page.items) {
            names.fill(item);
            item.superseded = item.state == "open" && superseded_reason(*db, item).has_value();
        }
        tx.commit();
        return page;
    } catch (const std::exception& e) {
        return fail("review_items", e);
    }
}

result<sync::review_item_msg> sqlite_store::review_item(std::int64_t id,
                                                        const scope_filter& scope) {
    try {
        auto db = borrow_reader();
        SQLite::Transaction tx(*db, SQLite::TransactionBehavior::DEFERRED);
        SQLite::Statement q(*db, std::string(item_columns) + " WHERE i.id = ?");
        q.bind(1, id);
        std::optional<sync::review_item_msg> item;
        if (q.executeStep()) item = read_item(q);
        q.reset();
        // Outside the scope answers exactly as absent: the id reveals nothing (R3).
        if (!item || !item_visible(scope, *item)) {
            return not_found("item", "there is no review item " + std::to_string(id) +
                                         " in your scope (Không tìm thấy mục cần xem xét)");
        }
        username_cache names(*db);
        names.fill(*item);
        item->superseded = item->state == "open" && superseded_reason(*db, *item).has_value();
        tx.commit();
        return std::move(*item);
    } catch (const std::exception& e) {
        return fail("review_item", e);
    }
}

std::uint64_t sqlite_store::review_seq() {
    return watched_meta("review_seq");
}

// The old `sotay-admin conflicts` view: field and delete_edit items, read through the
// sides (the winner is the side whose value the merge kept).
std::vector<conflict_row> sqlite_store::conflicts() {
    std::vector<conflict_row> out;
    auto db = borrow_reader();
    SQLite::Statement q(*db,
                        "SELECT id, record, field, sides, incoming_won, created_ms, state "
                        "FROM review_items WHERE kind IN ('field', 'delete_edit') ORDER BY id");
    while (q.executeStep()) {
        const auto sides = parse_sides(text_of(q.getColumn(3)));
        if (sides.size() != 2) throw std::runtime_error("corrupt review item: not two sides");
        const bool won = q.getColumn(4).getInt() != 0;
        const side_row& winner = won ? sides[1] : sides[0];
        const side_row& loser = won ? sides[0] : sides[1];
        conflict_row c;
        c.id = q.getColumn(0).getInt64();
        c.record = q.getColumn(1).getString();
        c.field = q.getColumn(2).getString();
        c.winner_device = winner.device_id;
        c.loser_device = loser.device_id;
        c.kept_json = value_json(winner.val);
        c.other_json = value_json(loser.val);
        c.created_ms = q.getColumn(5).getInt64();
        c.state = q.getColumn(6).getString();
        out.push_back(std::move(c));
    }
    return out;
}

std::string sqlite_store::follow_merged(const std::string& record) {
    auto db = borrow_reader();
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::DEFERRED);
    SQLite::Statement q(*db,
                        "SELECT json_extract(fields, '$._merged_into') FROM records "
                        "WHERE id = ? AND deleted = 1");
    std::string at = record;
    std::set<std::string> seen{at};  // a cycle (two merges decided across) ends the walk
    for (;;) {
        const auto bytes = sync::parse_uuid(at);
        if (!bytes) break;
        q.reset();
        q.bind(1, bytes->data(), static_cast<int>(bytes->size()));
        if (!q.executeStep() || q.getColumn(0).isNull()) break;
        std::string next = q.getColumn(0).getString();
        if (!seen.insert(next).second) break;
        at = std::move(next);
    }
    q.reset();
    tx.commit();
    return at;
}

}  // namespace sotay::store::detail
