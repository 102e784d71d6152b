// Natural keys and duplicate detection (R2) on the writer thread.
//
// Each record of a type with a natural key carries the hash of its key while it is live
// and the key complete (records.key_hash, indexed; NULL otherwise) and its creating
// change (created_device, created_seq). apply_change only notes the records whose key
// may have changed: a create, a delete or restore, a key component set, a move when the
// org unit is a component. flush() computes each noted record's final key once, writes
// its hash with the record, then looks up the others with the same hash: two creates of
// the same thing in one batch find each other. W1 (docs/benchmarks.md) creates 100,000
// keyed records: per create, one key (made off this thread when the push brings it,
// push_request::keys), one index entry and one index lookup.
#include "sqlite_review.hpp"

#include <sotay/schema/schema.hpp>

#include <spdlog/spdlog.h>

#include <cstring>
#include <stdexcept>

namespace sotay::store::detail {

// 64-bit FNV-1a: stable across builds and processes (it is stored), cheap, and spreads
// keys over the index; records with equal hashes are compared by their keys.
std::int64_t key_hash(std::string_view key) {
    std::uint64_t h = 14695981039346656037ULL;
    for (const char c : key) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return static_cast<std::int64_t>(h);
}

namespace {

// More duplicates of one record than this are not opened at once: the key is then
// probably not telling real things apart, and the reviewer has enough to start with.
constexpr std::int64_t duplicates_max = 16;

bool touches_key(const schema::type_def& t, const sync::field_map& set, bool moved) {
    for (const auto& component : t.natural_key) {
        if (component == sync::org_unit_field ? moved : set.find(component) != set.end())
            return true;
    }
    return false;
}

// The live record's key, from only the fields it is made of (no copy of the others).
std::optional<std::string> key_of_record(const schema::type_def& t, const sync::record_state& r) {
    if (r.is_deleted() || t.natural_key.empty()) return std::nullopt;
    sync::field_map parts;
    for (const auto& component : t.natural_key) {
        if (component == sync::org_unit_field) continue;
        const auto it = r.fields.find(component);
        if (it == r.fields.end() || sync::is_null(it->second.v)) return std::nullopt;
        parts.emplace(component, it->second.v);
    }
    return schema::natural_key(t, r.org_unit_code(), parts);
}

std::optional<std::int64_t> hash_of(const std::optional<std::string>& key) {
    return key ? std::optional<std::int64_t>(key_hash(*key)) : std::nullopt;
}

void bind_hash(SQLite::Statement& q, int at, const std::optional<std::int64_t>& h) {
    if (h) {
        q.bind(at, *h);
    } else {
        q.bind(at);
    }
}

sync::uuid_bytes uuid_of(const SQLite::Column& c) {
    if (c.getBytes() != 16) throw std::runtime_error("corrupt record id");
    sync::uuid_bytes id{};
    std::memcpy(id.data(), c.getBlob(), id.size());
    return id;
}

}  // namespace

void sqlite_store::note_key(const sync::uuid_bytes& id, record_entry& e, const sync::field_map& set,
                            bool created, bool was_live, std::string_view org_before) {
    const auto* t = options_.schema->find(e.state.type);
    if (t == nullptr || t->natural_key.empty()) return;
    const bool live = !e.state.is_deleted();
    const bool moved = !created && e.state.org_unit_code() != org_before;
    if (created || live != was_live || (live && touches_key(*t, set, moved))) mark_key(id, e);
}

void sqlite_store::mark_key(const sync::uuid_bytes& id, record_entry& e) {
    if (e.key_check) return;
    e.key_check = true;
    key_order_.emplace_back(id, &e);
}

void sqlite_store::final_keys() {
    for (const auto& [id, entry] : key_order_) {
        record_entry& e = *entry;
        if (e.key_given && !e.state.is_deleted()) {
            e.new_key = std::move(e.given_key);  // computed off this thread (push_request::keys)
        } else {
            const auto* t = options_.schema ? options_.schema->find(e.state.type) : nullptr;
            e.new_key = t != nullptr ? key_of_record(*t, e.state) : std::nullopt;
        }
        const auto h = hash_of(e.new_key);
        // Compared with the others when the key is new; an unchanged key was compared
        // when it was made.
        e.recheck = e.recheck || e.created || h != e.key_hash;
        if (!e.created && h != e.key_hash) {
            auto& u = *upd_key_;
            u.reset();
            bind_hash(u, 1, h);
            u.bind(2, id.data(), static_cast<int>(id.size()));
            u.exec();
        }
        e.key_hash = h;
    }
}

void sqlite_store::detect_duplicates() {
    // Latest first: of two records of one batch, the later one is the item's record
    // (the one whose create found the other), as if they had come in two pushes.
    for (auto it = key_order_.rbegin(); it != key_order_.rend(); ++it) {
        record_entry& e = *it->second;
        if (e.new_key && e.recheck) find_duplicates(it->first, e, *e.new_key);
    }
    for (const auto& [id, e] : key_order_) {
        e->key_check = e->recheck = false;
        e->new_key.reset();
    }
    key_order_.clear();
}

void sqlite_store::find_duplicates(const sync::uuid_bytes& id, const record_entry& e,
                                   const std::string& key) {
    std::vector<sync::uuid_bytes> candidates;
    {
        auto& q = *sel_same_key_;
        q.reset();
        q.bind(1, key_hash(key));
        q.bind(2, id.data(), static_cast<int>(id.size()));
        q.bind(3, duplicates_max);
        while (q.executeStep()) candidates.push_back(uuid_of(q.getColumn(0)));
        q.reset();
    }
    if (candidates.empty()) return;  // W1's every create
    const auto* t = options_.schema->find(e.state.type);
    for (const auto& o : candidates) {
        const std::string other = sync::format_uuid(o);
        // Through the transaction's cache: the other may have changed in this batch.
        const record_entry& oe = load_record(o, other);
        if (oe.state.type != e.state.type || key_of_record(*t, oe.state) != key) continue;
        auto& pair = *sel_open_pair_;
        pair.reset();
        pair.bind(1, e.state.id);
        pair.bind(2, other);
        const bool open = pair.executeStep();
        pair.reset();
        if (open) continue;
        new_item item;
        item.kind = "duplicate";
        item.type = e.state.type;
        item.record = e.state.id;
        item.org_unit = e.state.org_unit_code();
        item.other_record = other;
        item.other_org_unit = oe.state.org_unit_code();
        item.natural_key = key;
        item.version = e.state.version;
        // As for conflicts: [0] what the change met, [1] the record the change wrote.
        item.sides[0] = creator_side(o, other);
        item.sides[1] = creator_side(id, e.state.id);
        item.created_ms = now_ms_;
        insert_item(item);
    }
}

side_row sqlite_store::creator_side(const sync::uuid_bytes& id, const std::string& id_text) {
    side_row s{id_text, {}, {}, 0, {}, 0};
    SQLite::Statement q(
        writer_,
        "SELECT coalesce(d.device_id, ''), coalesce(r.created_seq, 0), "
        "coalesce(c.device_hlc, ''), coalesce(c.received_ms, 0) FROM records r "
        "LEFT JOIN devices d ON d.id = r.created_device "
        "LEFT JOIN changes c ON c.device = r.created_device AND c.seq = r.created_seq "
        "WHERE r.id = ?");
    q.bind(1, id.data(), static_cast<int>(id.size()));
    if (q.executeStep()) {
        s.device_id = q.getColumn(0).getString();
        s.seq = static_cast<std::uint64_t>(q.getColumn(1).getInt64());
        s.device_hlc = q.getColumn(2).getString();
        s.received_ms = q.getColumn(3).getInt64();
    }
    return s;
}

// In the caller's transaction; the changes are gathered first, then written, so that the
// scan never meets a row it changed.
void sqlite_store::rebuild_keys(const schema::schema& s) {
    std::vector<std::pair<sync::uuid_bytes, std::optional<std::int64_t>>> changed;
    std::size_t keyed = 0;
    {
        SQLite::Statement rows(writer_,
                               "SELECT id, type, org_unit, deleted, fields, key_hash FROM records");
        while (rows.executeStep()) {
            std::optional<std::int64_t> h;
            const auto* t = s.find(text_of(rows.getColumn(1)));
            if (t != nullptr && !t->natural_key.empty() && rows.getColumn(3).getInt() == 0) {
                sync::field_map fields;
                if (!sync::decode_fields_json(text_of(rows.getColumn(4)), fields))
                    throw std::runtime_error("corrupt fields of a record");
                h = hash_of(schema::natural_key(*t, rows.getColumn(2).getString(), fields));
            }
            if (h) ++keyed;
            const bool stored = !rows.getColumn(5).isNull();
            if (h.has_value() != stored || (h && *h != rows.getColumn(5).getInt64()))
                changed.emplace_back(uuid_of(rows.getColumn(0)), h);
        }
    }
    SQLite::Statement u(writer_, "UPDATE records SET key_hash = ? WHERE id = ?");
    for (const auto& [id, h] : changed) {
        u.reset();
        bind_hash(u, 1, h);
        u.bind(2, id.data(), static_cast<int>(id.size()));
        u.exec();
    }
    if (!changed.empty())
        spdlog::info("{}: natural keys of {} live records indexed for duplicate detection", path_,
                     keyed);
}

// Format 2 -> 3: the creating change of every record is its first applied change in the
// log. The log has no index by record: one grouped pass over it (SQLite takes the bare
// columns of a min() aggregate from the row with the minimum).
void sqlite_store::fill_creators() {
    SQLite::Statement q(writer_,
                        "SELECT record, device, seq, min(server_seq) FROM changes WHERE status = 0 "
                        "GROUP BY record");
    SQLite::Statement u(writer_,
                        "UPDATE records SET created_device = ?, created_seq = ? WHERE id = ?");
    while (q.executeStep()) {
        const auto id = sync::parse_uuid(q.getColumn(0).getString());
        if (!id) continue;
        u.reset();
        u.bind(1, q.getColumn(1).getInt64());
        u.bind(2, q.getColumn(2).getInt64());
        u.bind(3, id->data(), static_cast<int>(id->size()));
        u.exec();
    }
}

}  // namespace sotay::store::detail
