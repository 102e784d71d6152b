// Decisions on review items (R4-R6): checked, then carried out as ordinary changes of
// the reviewer's review device through apply_change, the path every push takes (scope,
// schema, merge, moves, keys, change log), in one transaction under the writer lock.
#include "sqlite_review.hpp"

#include <sotay/access/roles.hpp>
#include <sotay/schema/schema.hpp>
#include <sotay/sync/json_values.hpp>
#include <sotay/sync/log_codec.hpp>

#include <boost/json.hpp>

#include <cstring>
#include <ctime>
#include <map>
#include <stdexcept>

namespace sotay::store::detail {

// One change a decision writes; seq, clock and base are given when it is applied.
struct planned_change {
    sync::change_msg msg;
    bool restore = false;
    std::string merged_into;
};

struct decision_plan {
    std::vector<planned_change> changes;
    std::string decision;  // review_item_msg::decision
    std::string survivor;
    std::string merged_away;
};

namespace {

constexpr const char* review_device_name = "review decisions";
constexpr std::size_t reason_max = 500;  // code points

// "2026-11-22 14:03 UTC", for the people who read error messages.
std::string utc_text(std::int64_t ms) {
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

// The next clock after h (hlc_clock's tick without a physical time).
sync::hlc tick(sync::hlc h) {
    if (h.counter < sync::hlc_clock::max_counter) {
        ++h.counter;
    } else {
        ++h.wall_ms;
        h.counter = 0;
    }
    return h;
}

// The greatest clock of any register of the record.
sync::hlc newest_clock(const sync::record_state& r) {
    sync::hlc h = std::max(r.org_unit.w.clock, r.deleted.w.clock);
    for (const auto& [name, f] : r.fields) h = std::max(h, f.w.clock);
    return h;
}

error_info forbidden(std::string message) {
    return {errc::forbidden, std::move(message), std::string("username")};
}

error_info no_item(std::int64_t id) {
    return not_found("item", "there is no review item " + std::to_string(id) +
                                 " in your scope (Không tìm thấy mục cần xem xét)");
}

// R5: who decided what, and when.
error_info already_decided(const sync::review_item_msg& item) {
    std::string m = "review item " + std::to_string(item.item) + " was already " + item.state;
    if (!item.decided_by.empty()) m += " by " + item.decided_by;
    if (item.decided_ms != 0) m += " on " + utc_text(item.decided_ms);
    if (item.decision == "settled") {
        m += " (settled by the decision on item " + std::to_string(item.settled_by) + ")";
    } else if (item.decision == "dismiss") {
        m += " (reason: " + item.reason + ")";
    } else if (!item.decision.empty()) {
        m += " (decision: " + item.decision + ")";
    }
    return {errc::conflict, m + "; reload it to see the result (Mục này đã được xử lý)",
            std::string("item")};
}

std::optional<error_info> reason_problem(const std::string& reason) {
    const auto blank = reason.find_first_not_of(" \t\r\n") == std::string::npos;
    if (!schema::is_valid_utf8(reason) || blank || schema::code_points(reason) > reason_max) {
        return invalid("reason",
                       "say why the item is dismissed, in 1 to 500 characters (Nhập lý do, tối "
                       "đa 500 ký tự)");
    }
    return std::nullopt;
}

// Which actions each kind takes (dismiss goes with every kind).
std::optional<error_info> action_problem(const sync::review_item_msg& item,
                                         const review_decision& d) {
    using a = review_action;
    if (d.action == a::dismiss) return std::nullopt;
    if (item.kind == "field" && (d.action == a::pick_side || d.action == a::enter_value))
        return std::nullopt;
    if (item.kind == "delete_edit" &&
        (d.action == a::pick_side || d.action == a::restore || d.action == a::confirm_delete))
        return std::nullopt;
    if (item.kind == "duplicate" && d.action == a::merge) return std::nullopt;
    const char* takes = item.kind == "field" ? "pick_side, enter_value or dismiss"
                        : item.kind == "delete_edit"
                            ? "pick_side, restore, confirm_delete or dismiss"
                            : "merge or dismiss";
    return invalid("action", "a " + item.kind + " item is decided with " + takes +
                                 " (Thao tác không phù hợp với loại mục)");
}

// The body kept in the change log: the wire's form, plus what only decisions carry
// (docs/review.md: "restore": true, "merged_into": "...").
std::string decision_body(const planned_change& p) {
    std::string body = sync::change_to_json(p.msg);
    if (!p.restore && p.merged_into.empty()) return body;
    auto o = boost::json::parse(body).as_object();
    if (p.restore) o["restore"] = true;
    if (!p.merged_into.empty()) o["merged_into"] = p.merged_into;
    return boost::json::serialize(o);
}

}  // namespace

std::unordered_map<std::string, device_row>::value_type& sqlite_store::review_device(
    const user_info& u) {
    const std::string key = "review_device." + std::to_string(u.id);
    {
        SQLite::Statement q(writer_, "SELECT value FROM meta WHERE key = ?");
        q.bind(1, key);
        if (q.executeStep()) {
            const std::string id = q.getColumn(0).getString();
            q.reset();
            // A revoked one (an administrator's tidying) is replaced, not a reason to stop
            // the reviewer: it has no token anyone could hold.
            if (device_row* d = load_device(id); d != nullptr && !d->revoked)
                return *devices_.find(id);
        }
    }
    const auto made = insert_device(review_device_name, u.id);
    SQLite::Statement m(writer_,
                        "INSERT INTO meta(key, value) VALUES(?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    m.bind(1, key);
    m.bind(2, made.device_id);
    m.exec();
    if (load_device(made.device_id) == nullptr)
        throw std::runtime_error("the new review device vanished");
    return *devices_.find(made.device_id);
}

result<decision_outcome> sqlite_store::decide(const review_decision& d) {
    if (d.action == review_action::dismiss) {
        if (auto e = reason_problem(d.reason)) return *e;
    }
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        begin_work(true);
        const std::int64_t now = now_ms_;
        const auto user = writer_user(d.username);
        if (!user) return not_found("username", "there is no user named " + d.username);
        if (user->disabled) {
            return forbidden("the account " + d.username +
                             " is disabled and may not decide review items (Tài khoản đã bị khóa)");
        }
        if (!access::allowed(user->role, access::permission::review)) {
            return forbidden("the role " + std::string(access::role_name(user->role)) +
                             " may not decide review items; ask a reviewer of your district "
                             "(Vai trò này không được xử lý mục cần xem xét)");
        }
        std::optional<sync::review_item_msg> item;
        {
            SQLite::Statement q(writer_, std::string(item_columns) + " WHERE i.id = ?");
            q.bind(1, d.item);
            if (q.executeStep()) item = read_item(q);
        }
        const auto in_scope = [&](std::string_view unit) {
            return tree_->contains(user->org_unit, unit);
        };
        if (!item || !in_scope(item->org_unit) ||
            (!item->other_record.empty() && !in_scope(item->other_org_unit)))
            return no_item(d.item);
        if (item->state != "open") return already_decided(*item);
        if (auto bad = action_problem(*item, d)) return *bad;

        decision_outcome out;
        std::string state = "dismissed";
        decision_plan plan{{}, "dismiss", {}, {}};
        sync::value chosen;
        if (d.action != review_action::dismiss) {
            if (auto why = superseded_reason(writer_, *item)) {
                return error_info{errc::superseded,
                                  "review item " + std::to_string(item->item) +
                                      " is superseded: " + *why +
                                      " after it opened; look at the record as it is now, then "
                                      "dismiss this item or decide the newer one (Hồ sơ đã thay "
                                      "đổi sau khi mục này được mở)",
                                  std::string("item")};
            }
            auto planned = plan_decision(*item, d, *user);
            if (!planned) return planned.error();
            plan = std::move(*planned);
            state = "resolved";
            if (auto bad = carry_out(plan, *user, d, now, out.records)) return *bad;
            if (item->kind == "field") {
                const auto id = sync::parse_uuid(item->record);
                const auto& r = load_record(*id, item->record).state;
                if (item->field == sync::org_unit_field) {
                    chosen = r.org_unit.v;
                } else if (auto it = r.fields.find(item->field); it != r.fields.end()) {
                    chosen = it->second.v;
                }
            }
            out.settled = settle(*item, plan.merged_away, user->id, now);
        }
        {
            SQLite::Statement u(writer_,
                                "UPDATE review_items SET state = ?, decision = ?, decided_by = ?, "
                                "decided_ms = ?, chosen = ?, survivor = ?, reason = ?, seq = ? "
                                "WHERE id = ?");
            u.bind(1, state);
            u.bind(2, plan.decision);
            u.bind(3, user->id);
            u.bind(4, now);
            u.bind(5, value_json(chosen));
            u.bind(6, plan.survivor);
            u.bind(7, d.action == review_action::dismiss ? d.reason : std::string());
            u.bind(8, static_cast<std::int64_t>(++review_seq_));  // R7
            u.bind(9, item->item);
            u.exec();
        }
        if (!plan.survivor.empty()) recheck_survivor(plan.survivor);
        {
            // H3: after the entries of the changes it wrote (carry_out), what was decided.
            audit::history_entry e;
            e.at_ms = now;
            e.kind = "decision";
            e.username = user->username;
            e.record = item->record;
            e.type = item->type;
            e.org_unit = item->org_unit;
            boost::json::array settled(out.settled.begin(), out.settled.end());
            boost::json::array records(out.records.begin(), out.records.end());
            e.detail = {{"item", item->item},
                        {"item_kind", item->kind},
                        {"field", item->field},
                        {"other_record", item->other_record},
                        {"decision", plan.decision},
                        {"chosen", sync::value_to_json(chosen)},
                        {"survivor", plan.survivor},
                        {"reason", d.action == review_action::dismiss ? d.reason : std::string()},
                        {"settled", std::move(settled)},
                        {"records", std::move(records)},
                        {"via", d.via},
                        {"address", d.address}};
            append_history(std::move(e));
        }
        {
            SQLite::Statement q(writer_, std::string(item_columns) + " WHERE i.id = ?");
            q.bind(1, d.item);
            if (!q.executeStep()) throw std::runtime_error("a decided item vanished");
            out.item = read_item(q);
        }
        username_cache(writer_).fill(out.item);
        flush();
        tx.commit();
        checkpoint_poke(*checkpoints_);
        out.head = head_;
        return out;
    } catch (const std::exception& e) {
        return fail("decide", e);
    }
}

result<decision_plan> sqlite_store::plan_decision(const sync::review_item_msg& item,
                                                  const review_decision& d, const user_info& user) {
    using a = review_action;
    decision_plan plan;
    const auto id = sync::parse_uuid(item.record);
    if (!id)
        throw std::runtime_error("corrupt record id in review item " + std::to_string(item.item));
    const sync::record_state& r = load_record(*id, item.record).state;
    auto change_of = [](const sync::record_state& s) {
        planned_change p;
        p.msg.record = s.id;
        p.msg.type = s.type;
        p.msg.org_unit = s.org_unit_code();
        return p;
    };
    if (d.action == a::pick_side && d.side != 0 && d.side != 1)
        return invalid("side", "side must be 0 or 1 (Chọn bên 0 hoặc 1)");
    if (item.kind == "field") {
        const sync::value v = d.action == a::pick_side ? item.sides.at(d.side).val : d.value;
        planned_change p = change_of(r);
        if (item.field == sync::org_unit_field) {
            const auto* unit = std::get_if<std::string>(&v);
            if (unit == nullptr || unit->empty())
                return invalid("value", "org_unit takes an org unit code such as LS.TP.P1");
            p.msg.org_unit = *unit;  // a move; scope-checked like any change
        } else {
            p.msg.set.emplace(item.field, v);
        }
        plan.changes.push_back(std::move(p));
        plan.decision = d.action == a::pick_side ? "side" : "value";
        return plan;
    }
    if (item.kind == "delete_edit") {
        bool restore = d.action == a::restore;
        if (d.action == a::pick_side) {
            const auto* deleted = std::get_if<bool>(&item.sides.at(d.side).val);
            if (deleted == nullptr)
                return invalid("side",
                               "this side kept no tombstone value; restore or confirm "
                               "the delete instead");
            restore = !*deleted;
        }
        planned_change p = change_of(r);
        p.restore = restore;
        p.msg.del = !restore;
        plan.changes.push_back(std::move(p));
        plan.decision = restore ? "restore" : "delete";
        return plan;
    }
    // A duplicate: merge.
    if (d.survivor != item.record && d.survivor != item.other_record) {
        return invalid("survivor", "the survivor must be " + item.record + " or " +
                                       item.other_record + " (Chọn hồ sơ được giữ lại)");
    }
    const std::string& gone = d.survivor == item.record ? item.other_record : item.record;
    const auto survivor_id = sync::parse_uuid(d.survivor);
    const auto gone_id = sync::parse_uuid(gone);
    if (!survivor_id || !gone_id) throw std::runtime_error("corrupt record id in a review item");
    const sync::record_state& keep = load_record(*survivor_id, d.survivor).state;
    const sync::record_state& drop = load_record(*gone_id, gone).state;
    const schema::type_def* type = options_.schema ? options_.schema->find(item.type) : nullptr;
    planned_change take = change_of(keep);
    for (const auto& [field, from] : d.take) {
        if (from != d.survivor && from != gone) {
            return invalid("take", "take." + field + " must name " + d.survivor + " or " + gone);
        }
        if (field.empty() || field.front() == '_' || field == sync::org_unit_field ||
            (options_.schema && (type == nullptr || !type->fields.contains(field)))) {
            return invalid("take", "take names " + field + ", which is not a field of " +
                                       item.type + " (Trường không có trong loại hồ sơ)");
        }
        if (from != gone) continue;
        auto value_in = [&](const sync::record_state& s) {
            const auto it = s.fields.find(field);
            return it != s.fields.end() ? it->second.v : sync::value{};
        };
        if (value_in(drop) != value_in(keep)) take.msg.set.emplace(field, value_in(drop));
    }
    if (!take.msg.set.empty()) plan.changes.push_back(std::move(take));
    planned_change tombstone = change_of(drop);
    tombstone.msg.del = true;
    tombstone.merged_into = d.survivor;
    plan.changes.push_back(std::move(tombstone));
    // References to the merged-away record (a commitment's member) now name the survivor.
    // A json_extract scan of every record of each referring type: merges are rare, and
    // an index on every reference field would cost every push. References outside the
    // reviewer's scope are left as they are: follow_merged resolves them.
    if (options_.schema) {
        std::map<std::string, planned_change> refs;  // one change per referring record
        for (const auto& [type_id, t] : options_.schema->types) {
            for (const auto& [field, f] : t.fields) {
                if (f.type != schema::field_type::ref || f.to != item.type) continue;
                SQLite::Statement q(writer_,
                                    "SELECT id FROM records WHERE type = ? AND deleted = 0 AND "
                                    "json_extract(fields, ?) = ?");
                q.bind(1, type_id);
                q.bind(2, "$.\"" + field + "\"");
                q.bind(3, gone);
                std::vector<sync::uuid_bytes> found;
                while (q.executeStep()) {
                    const auto col = q.getColumn(0);
                    if (col.getBytes() != 16) throw std::runtime_error("corrupt record id");
                    sync::uuid_bytes b{};
                    std::memcpy(b.data(), col.getBlob(), b.size());
                    found.push_back(b);
                }
                for (const auto& b : found) {
                    const std::string rid = sync::format_uuid(b);
                    if (rid == gone) continue;
                    const sync::record_state& s = load_record(b, rid).state;
                    if (!tree_->contains(user.org_unit, s.org_unit_code())) continue;
                    auto [it, fresh] = refs.try_emplace(rid);
                    if (fresh) it->second = change_of(s);
                    it->second.msg.set.insert_or_assign(field, sync::value{d.survivor});
                }
            }
        }
        for (auto& [rid, p] : refs) plan.changes.push_back(std::move(p));
    }
    plan.decision = "merge";
    plan.survivor = d.survivor;
    plan.merged_away = gone;
    return plan;
}

// R4: each change of the plan through apply_change, authored by the review device, with
// base = the record's version now and a clock above every register of every record the
// decision writes (so above both sides, even a phone's clock that ran ahead).
std::optional<error_info> sqlite_store::carry_out(const decision_plan& plan, const user_info& user,
                                                  const review_decision& d, std::int64_t now,
                                                  std::vector<std::string>& written) {
    auto& [device_id, dev] = review_device(user);
    sync::hlc clock = std::max(sync::hlc{static_cast<std::uint64_t>(now), 0}, tick(dev.last_hlc));
    for (const auto& p : plan.changes) {
        const auto id = sync::parse_uuid(p.msg.record);
        clock = std::max(clock, tick(newest_clock(load_record(*id, p.msg.record).state)));
    }
    const auto denial = push_denial(dev);
    for (const auto& p : plan.changes) {
        planned_change c = p;
        const auto id = sync::parse_uuid(c.msg.record);
        c.msg.seq = dev.last_seq + 1;
        c.msg.hlc = sync::format_hlc(clock);
        c.msg.base = load_record(*id, c.msg.record).state.version;
        const std::string body = decision_body(c);
        const change_source src{
            .device_id = device_id,
            .body = &body,
            .clock = &clock,
            .restore = c.restore,
            .merged_into = c.merged_into.empty() ? nullptr : &c.merged_into,
        };
        const auto res = apply_change(dev, src, c.msg, denial, now);
        if (res.status == sync::change_status::rejected) {
            // Nothing is committed: the caller returns without committing.
            error_info e = res.error.value_or(error_info{errc::internal, "rejected", std::nullopt});
            const bool about_value =
                d.action == review_action::enter_value ||
                (d.action == review_action::pick_side && plan.decision == "side");
            if (about_value && (e.code == errc::validation || e.code == errc::out_of_scope))
                return error_info{errc::validation, e.message, std::string("value")};
            return e;
        }
        written.push_back(c.msg.record);
        clock = tick(clock);
    }
    return std::nullopt;
}

// R6: the other open items about the same thing become resolved, "settled".
std::vector<std::int64_t> sqlite_store::settle(const sync::review_item_msg& item,
                                               const std::string& merged_away, std::int64_t user_id,
                                               std::int64_t now) {
    std::string sql = "SELECT id FROM review_items WHERE +state = 'open' AND id <> ?1 AND ";
    std::string about = item.record;
    if (item.kind == "field") {
        sql += "kind = 'field' AND record = ?2 AND field = ?3";
    } else if (item.kind == "delete_edit") {
        sql += "kind = 'delete_edit' AND record = ?2";
    } else {
        sql += "kind = 'duplicate' AND (record = ?2 OR other_record = ?2)";
        about = merged_away;
    }
    std::vector<std::int64_t> ids;
    {
        SQLite::Statement q(writer_, sql);
        q.bind(1, item.item);
        q.bind(2, about);
        if (item.kind == "field") q.bind(3, item.field);
        while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
    }
    SQLite::Statement u(writer_,
                        "UPDATE review_items SET state = 'resolved', decision = 'settled', "
                        "settled_by = ?, decided_by = ?, decided_ms = ?, seq = ? WHERE id = ?");
    for (const auto id : ids) {
        u.reset();
        u.bind(1, item.item);
        u.bind(2, user_id);
        u.bind(3, now);
        u.bind(4, static_cast<std::int64_t>(++review_seq_));  // R7
        u.bind(5, id);
        u.exec();
    }
    return ids;
}

// After a merge, the survivor against the other live records with its key (R2, at
// flush): a third entry of the same thing is still a duplicate of the survivor.
void sqlite_store::recheck_survivor(const std::string& survivor) {
    if (!options_.schema) return;
    const auto id = sync::parse_uuid(survivor);
    if (!id) return;
    record_entry& e = load_record(*id, survivor);
    mark_key(*id, e);
    e.recheck = true;
}

}  // namespace sotay::store::detail
