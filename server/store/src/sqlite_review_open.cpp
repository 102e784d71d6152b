// Opening review items on the writer thread: one per conflict entry of the merge (R1),
// in the transaction that applied the change; duplicates come from sqlite_keys.cpp. And
// the format 2 -> 3 copy of the old conflicts table into the queue.
#include "sqlite_review.hpp"

#include <sotay/sync/merge.hpp>

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace sotay::store::detail {

std::int64_t sqlite_store::insert_item(const new_item& item) {
    const std::string sides = sides_json(item.sides);
    auto& q = *ins_item_;
    q.reset();
    q.bind(1, std::string(item.kind));
    q.bind(2, std::string(item.type));
    q.bind(3, std::string(item.record));
    q.bind(4, std::string(item.org_unit));
    q.bind(5, std::string(item.field));
    q.bind(6, std::string(item.other_record));
    q.bind(7, std::string(item.other_org_unit));
    q.bind(8, std::string(item.natural_key));
    q.bind(9, static_cast<std::int64_t>(item.version));
    q.bind(10, item.incoming_won ? 1 : 0);
    q.bindNoCopy(11, sides);  // outlives exec()
    q.bind(12, item.created_ms);
    q.bind(13, static_cast<std::int64_t>(++review_seq_));  // R7
    q.exec();
    return writer_.getLastInsertRowid();
}

sync::conflict_info sqlite_store::open_conflict_item(const change_source& src,
                                                     const sync::change_msg& c,
                                                     const sync::conflict& k, const record_entry& e,
                                                     std::int64_t now) {
    new_item item;
    item.kind = k.field == sync::deleted_field ? "delete_edit" : "field";
    item.type = c.type;
    item.record = c.record;
    item.org_unit = e.state.org_unit_code();
    item.field = k.field;
    item.version = e.state.version;
    item.incoming_won = k.won;
    item.sides[0] = writer_side(k.other, c.record, k.theirs);
    item.sides[1] = side_row{c.record, k.yours, src.device_id, c.seq, c.hlc, now};
    item.created_ms = now;
    const std::int64_t id = insert_item(item);
    return sync::conflict_info{std::to_string(id), k.field, k.won ? "won" : "lost", k.kept(),
                               k.yours};
}

// The register names its writer by (effective clock, device), not by change. A device's
// effective clocks grow with its seq (clock rule C5), so a binary search over its
// applied changes finds the one with that clock in ~log2(n) primary-key seeks. An index
// on effective_hlc would do it in one, at the cost of an index insert in every push.
side_row sqlite_store::writer_side(const sync::writer& w, const std::string& record,
                                   const sync::value& v) {
    side_row s{record, v, w.device_id, 0, {}, 0};
    const device_row* d = load_device(w.device_id);
    if (d == nullptr) return s;
    SQLite::Statement top(writer_, "SELECT max(seq) FROM changes WHERE device = ?");
    top.bind(1, d->id);
    if (!top.executeStep() || top.getColumn(0).isNull()) return s;
    const auto last = static_cast<std::uint64_t>(top.getColumn(0).getInt64());
    SQLite::Statement from(writer_,
                           "SELECT seq, effective_hlc FROM changes WHERE device = ? AND seq >= ? "
                           "AND status = 0 ORDER BY seq LIMIT 1");
    struct found {
        std::uint64_t seq;
        sync::hlc clock;
    };
    auto first_from = [&](std::uint64_t seq) -> std::optional<found> {
        from.reset();
        from.bind(1, d->id);
        from.bind(2, static_cast<std::int64_t>(seq));
        if (!from.executeStep()) return std::nullopt;
        const auto h = sync::parse_hlc(from.getColumn(1).getString());
        if (!h) throw std::runtime_error("corrupt effective clock in the change log");
        return found{static_cast<std::uint64_t>(from.getColumn(0).getInt64()), *h};
    };
    // Invariant: the first applied change at or after `hi` has a clock >= w.clock (or
    // there is none); every applied change before `lo` has a smaller one.
    std::uint64_t lo = 1;
    std::uint64_t hi = last + 1;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        const auto f = first_from(mid);
        if (!f || f->clock >= w.clock) {
            hi = mid;
        } else {
            lo = f->seq + 1;
        }
    }
    const auto f = first_from(lo);
    from.reset();
    if (!f || f->clock != w.clock) return s;  // not in the log (a hand-made file)
    SQLite::Statement q(writer_,
                        "SELECT device_hlc, received_ms FROM changes WHERE device = ? AND seq = ?");
    q.bind(1, d->id);
    q.bind(2, static_cast<std::int64_t>(f->seq));
    if (q.executeStep()) {
        s.seq = f->seq;
        s.device_hlc = q.getColumn(0).getString();
        s.received_ms = q.getColumn(1).getInt64();
    }
    return s;
}

// Format 2 -> 3: every conflict becomes an open item with the same id (the id its push
// result gave), in the migration transaction. What format 2 did not keep is left empty:
// the seq and clocks of the side the change met, and the record's version then (the
// current one stands in for it).
void sqlite_store::migrate_conflicts() {
    SQLite::Statement q(
        writer_,
        "SELECT c.id, c.record, c.field, c.winner_device, c.loser_device, c.kept, "
        "c.other, c.change_seq, c.created_ms, c.state, d.device_id, ch.type, "
        "ch.org_unit, ch.device_hlc, ch.received_ms FROM conflicts c "
        "LEFT JOIN devices d ON d.id = c.change_device "
        "LEFT JOIN changes ch ON ch.device = c.change_device AND ch.seq = c.change_seq "
        "ORDER BY c.id");
    SQLite::Statement rec(writer_, "SELECT type, org_unit, version FROM records WHERE id = ?");
    SQLite::Statement ins(
        writer_,
        "INSERT INTO review_items(id, kind, state, type, record, org_unit, field, "
        "version, incoming_won, sides, created_ms, seq) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    std::uint64_t seq = 0;
    while (q.executeStep()) {
        const std::string record = q.getColumn(1).getString();
        const std::string field = q.getColumn(2).getString();
        const std::string winner = q.getColumn(3).getString();
        const std::string loser = q.getColumn(4).getString();
        const sync::value kept = parse_value(q.getColumn(5).getString());
        const sync::value other = parse_value(q.getColumn(6).getString());
        const std::string incoming = q.getColumn(10).getString();
        std::string type = q.getColumn(11).getString();
        std::string org_unit = q.getColumn(12).getString();
        std::int64_t version = 0;
        if (const auto id = sync::parse_uuid(record)) {
            rec.reset();
            rec.bind(1, id->data(), static_cast<int>(id->size()));
            if (rec.executeStep()) {
                type = rec.getColumn(0).getString();
                org_unit = rec.getColumn(1).getString();
                version = rec.getColumn(2).getInt64();
            }
            rec.reset();
        }
        const bool won = winner == incoming;
        side_row sides[2];
        sides[0] = side_row{record, won ? other : kept, won ? loser : winner, 0, {}, 0};
        sides[1] = side_row{record,
                            won ? kept : other,
                            incoming,
                            static_cast<std::uint64_t>(q.getColumn(7).getInt64()),
                            q.getColumn(13).getString(),
                            q.getColumn(14).getInt64()};
        const std::string sides_text = sides_json(sides);
        ins.reset();
        ins.bind(1, q.getColumn(0).getInt64());
        ins.bind(2, field == sync::deleted_field ? "delete_edit" : "field");
        ins.bind(3, q.getColumn(9).getString());
        ins.bind(4, type);
        ins.bind(5, record);
        ins.bind(6, org_unit);
        ins.bind(7, field);
        ins.bind(8, version);
        ins.bind(9, won ? 1 : 0);
        ins.bind(10, sides_text);
        ins.bind(11, q.getColumn(8).getInt64());
        ins.bind(12, static_cast<std::int64_t>(++seq));
        ins.exec();
    }
    q.reset();
    SQLite::Statement m(writer_, "UPDATE meta SET value = ? WHERE key = 'review_seq'");
    m.bind(1, std::to_string(seq));
    m.exec();
    writer_.exec("DROP TABLE conflicts");
    if (seq > 0) spdlog::info("{}: {} conflicts moved to the review queue", path_, seq);
}

}  // namespace sotay::store::detail
