// write(): one transaction per batch of hellos, pushes and pull marks (S1-S5), and the
// path every change takes, a device's or a review decision's (apply_change).
//
// Per push, the device row is read with its user's role, org unit and disabled flag in
// the same transaction that applies the changes, and the org tree is the version
// committed when the transaction began: a revocation, a move or an import that
// committed first is obeyed by every change after it (S5).
#include "sqlite_store_impl.hpp"

#include <sotay/access/roles.hpp>
#include <sotay/sync/admission.hpp>
#include <sotay/sync/log_codec.hpp>
#include <sotay/sync/merge.hpp>

#include <stdexcept>
#include <string>

namespace sotay::store::detail {

void sqlite_store::prepare_writer() {
    sel_device_ = std::make_unique<SQLite::Statement>(
        writer_,
        "SELECT d.id, d.last_seq, d.last_hlc, d.revoked, d.user_id, u.role, u.org_unit, "
        "u.disabled, u.username FROM devices d LEFT JOIN users u ON u.id = d.user_id "
        "WHERE d.device_id = ?");
    upd_device_ = std::make_unique<SQLite::Statement>(
        writer_, "UPDATE devices SET last_seq = ?, last_hlc = ? WHERE id = ?");
    sel_result_ = std::make_unique<SQLite::Statement>(
        writer_, "SELECT result FROM changes WHERE device = ? AND seq = ?");
    ins_change_ = std::make_unique<SQLite::Statement>(
        writer_,
        "INSERT INTO changes(device, seq, record, type, org_unit, base, device_hlc, "
        "effective_hlc, received_ms, server_seq, status, body, result) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    sel_record_ = std::make_unique<SQLite::Statement>(
        writer_, "SELECT fields, clocks, server_seq, key_hash FROM records WHERE id = ?");
    ins_record_ = std::make_unique<SQLite::Statement>(
        writer_,
        "INSERT INTO records(id, type, org_unit, version, deleted, server_seq, fields, clocks, "
        "key_hash, created_device, created_seq) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    put_record_ = std::make_unique<SQLite::Statement>(
        writer_,
        "INSERT INTO records(id, type, org_unit, version, deleted, server_seq, fields, clocks) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "type = excluded.type, org_unit = excluded.org_unit, version = excluded.version, "
        "deleted = excluded.deleted, server_seq = excluded.server_seq, "
        "fields = excluded.fields, clocks = excluded.clocks");
    ins_item_ = std::make_unique<SQLite::Statement>(
        writer_,
        "INSERT INTO review_items(kind, state, type, record, org_unit, field, other_record, "
        "other_org_unit, natural_key, version, incoming_won, sides, created_ms, seq) "
        "VALUES(?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    upd_key_ = std::make_unique<SQLite::Statement>(writer_,
                                                   "UPDATE records SET key_hash = ? WHERE id = ?");
    sel_same_key_ = std::make_unique<SQLite::Statement>(
        writer_, "SELECT id FROM records WHERE key_hash = ? AND id <> ? LIMIT ?");
    sel_open_pair_ = std::make_unique<SQLite::Statement>(
        writer_,
        "SELECT 1 FROM review_items WHERE ((record = ?1 AND other_record = ?2) OR "
        "(record = ?2 AND other_record = ?1)) AND kind = 'duplicate' AND +state = 'open'");
    ins_move_ = std::make_unique<SQLite::Statement>(
        writer_,
        "INSERT INTO record_moves(server_seq, record, from_org, to_org) VALUES(?, ?, ?, ?)");
    // max(pulled_seq, after): a late or repeated pull never moves the mark back.
    upd_pulled_ = std::make_unique<SQLite::Statement>(
        writer_, "UPDATE devices SET pulled_seq = ? WHERE device_id = ? AND pulled_seq < ?");
}

void sqlite_store::begin_work(bool with_tree) {
    devices_.clear();
    records_.clear();
    key_order_.clear();
    now_ms_ = options_.now_ms();
    head_ = read_meta(writer_, "head");
    review_seq_ = review_seq_read_ = read_meta(writer_, "review_seq");
    tree_ = with_tree ? current_org(writer_).tree : nullptr;
    history_known_ = false;  // another process may have appended since (H1)
}

result<write_outcome> sqlite_store::write(const write_batch& batch) {
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        begin_work(!batch.pushes.empty());
        const std::int64_t now = now_ms_;
        for (const auto& h : batch.hellos) record_hello(h);
        write_outcome out;
        out.pushes.reserve(batch.pushes.size());
        for (const auto& p : batch.pushes) out.pushes.push_back(apply_push(p, now));
        for (const auto& m : batch.pulls) record_pull(m);
        flush();
        tx.commit();  // S1: durable (synchronous=FULL) before anyone is answered
        checkpoint_poke(*checkpoints_);
        out.head = head_;
        out.review_seq = review_seq_;
        return out;
    } catch (const std::exception& e) {
        // The transaction rolled back: nothing of this batch is kept or answered.
        return fail("write", e);
    }
}

device_row* sqlite_store::load_device(const std::string& device_id) {
    if (auto it = devices_.find(device_id); it != devices_.end()) return &it->second;
    auto& q = *sel_device_;
    q.reset();
    q.bind(1, device_id);
    if (!q.executeStep()) return nullptr;
    device_row d;
    d.id = q.getColumn(0).getInt64();
    d.last_seq = static_cast<std::uint64_t>(q.getColumn(1).getInt64());
    d.last_hlc = sync::parse_hlc(q.getColumn(2).getString()).value_or(sync::hlc{});
    d.revoked = q.getColumn(3).getInt() != 0;
    d.has_user = !q.getColumn(4).isNull();
    if (d.has_user) {
        d.role = static_cast<access::role>(q.getColumn(5).getInt());
        d.org_unit = q.getColumn(6).getString();
        d.user_disabled = q.getColumn(7).getInt() != 0;
        d.username = q.getColumn(8).getString();
    }
    return &devices_.emplace(device_id, std::move(d)).first->second;
}

record_entry& sqlite_store::load_record(const sync::uuid_bytes& id, const std::string& id_text) {
    const std::string key = key_of(id);
    if (auto it = records_.find(key); it != records_.end()) return it->second;
    record_entry e;
    auto& q = *sel_record_;
    q.reset();
    q.bind(1, id.data(), static_cast<int>(id.size()));
    if (q.executeStep()) {
        if (!sync::decode_record(text_of(q.getColumn(0)), text_of(q.getColumn(1)), id_text,
                                 e.state))
            throw std::runtime_error("corrupt state of record " + id_text);
        e.server_seq = static_cast<std::uint64_t>(q.getColumn(2).getInt64());
        if (!q.getColumn(3).isNull()) e.key_hash = q.getColumn(3).getInt64();
    }
    return records_.emplace(key, std::move(e)).first->second;
}

void sqlite_store::record_hello(const hello_record& h) {
    device_row* d = load_device(h.device_id);
    if (d == nullptr) return;  // deleted since it authenticated: nothing to record
    const std::int64_t offset = h.server_time_ms - h.client_time_ms;
    SQLite::Statement u(writer_,
                        "UPDATE devices SET clock_offset_ms = ?, last_seen_ms = ? WHERE id = ?");
    u.bind(1, offset);
    u.bind(2, h.server_time_ms);
    u.bind(3, d->id);
    u.exec();
    SQLite::Statement i(writer_,
                        "INSERT INTO hellos(device, server_ms, client_ms, offset_ms) "
                        "VALUES(?, ?, ?, ?)");
    i.bind(1, d->id);
    i.bind(2, h.server_time_ms);
    i.bind(3, h.client_time_ms);
    i.bind(4, offset);
    i.exec();
}

void sqlite_store::record_pull(const pull_mark& m) {
    auto& q = *upd_pulled_;
    q.reset();
    q.bind(1, static_cast<std::int64_t>(m.after));
    q.bind(2, m.device_id);
    q.bind(3, static_cast<std::int64_t>(m.after));
    q.exec();  // an unknown device changes nothing
}

// S5, the checks that depend on the device alone: the same answer for every change of
// the push, computed once.
std::optional<error_info> sqlite_store::push_denial(const device_row& d) const {
    if (!d.has_user) {
        return error_info{errc::device_revoked,
                          "this device was registered before users existed; enrol it again "
                          "(Thiết bị cần đăng ký lại)",
                          std::nullopt};
    }
    if (d.revoked) {
        return error_info{errc::device_revoked,
                          "this device was revoked by an administrator; enrol it again to sync "
                          "(Thiết bị đã bị thu hồi)",
                          std::nullopt};
    }
    if (d.user_disabled) {
        return error_info{errc::device_revoked,
                          "the account of this device's user was disabled by an administrator "
                          "(Tài khoản đã bị khóa)",
                          std::nullopt};
    }
    if (!access::allowed(d.role, access::permission::write_records)) {
        return error_info{errc::forbidden,
                          "the role " + std::string(access::role_name(d.role)) +
                              " may not write records; record them with an officer's or "
                              "reviewer's account (Vai trò này không được ghi hồ sơ)",
                          std::nullopt};
    }
    return std::nullopt;
}

// S5, per change: `org_unit` is the unit the change names (current = false) or the
// unit the record lives in now (current = true).
std::optional<error_info> sqlite_store::scope_check(const device_row& d, std::string_view org_unit,
                                                    bool current) const {
    if (tree_->find(org_unit) == nullptr) {
        return error_info{errc::out_of_scope,
                          "org unit " + std::string(org_unit) +
                              " is not in the org tree; pick one of your units (Đơn vị không "
                              "tồn tại)",
                          std::string("org_unit")};
    }
    if (tree_->contains(d.org_unit, org_unit)) return std::nullopt;
    std::string m = current ? "this record belongs to org unit " + std::string(org_unit) +
                                  ", outside your scope (" + d.org_unit +
                                  " and the units under it); it cannot be edited from here"
                            : "org unit " + std::string(org_unit) + " is outside your scope (" +
                                  d.org_unit + " and the units under it)";
    return error_info{errc::out_of_scope, m + " (Ngoài phạm vi của bạn)", std::string("org_unit")};
}

push_outcome sqlite_store::apply_push(const push_request& p, std::int64_t now) {
    push_outcome out;
    device_row* d = load_device(p.device_id);
    if (d == nullptr) {
        out.refused = auth_failed();
        return out;
    }
    out.last_seq = d->last_seq;
    std::vector<std::uint64_t> seqs;
    seqs.reserve(p.changes.size());
    for (const auto& c : p.changes) seqs.push_back(c.seq);
    const auto plan = sync::admit(d->last_seq, seqs);
    if (const auto* no = std::get_if<sync::admission_refusal>(&plan)) {
        out.refused = error_info{no->gap ? errc::seq_gap : errc::bad_message, no->message,
                                 std::string("seq")};
        return out;
    }
    // A revoked device's changes are still admitted, rejected and kept (S5, S2): the
    // quarantine shows what it tried to send after it was cut off.
    const auto denial = push_denial(*d);
    const std::size_t first_new = std::get<sync::admission_plan>(plan).first_new;
    out.results.reserve(p.changes.size());
    for (std::size_t i = 0; i < first_new; ++i) {
        const auto& c = p.changes[i];
        out.results.push_back(stored_answer(*d, c));
        // H1: a resend is received too; its entry says what it was answered.
        append_change_entry(*d, {.kind = "resend",
                                 .device_id = p.device_id,
                                 .c = c,
                                 .answer = out.results.back(),
                                 .type = c.type,
                                 .org_unit = c.org_unit});
    }
    for (std::size_t i = first_new; i < p.changes.size(); ++i) {
        const change_source src{
            .device_id = p.device_id,
            .clock_offset_ms = p.clock_offset_ms,
            .body = p.bodies.size() == p.changes.size() ? &p.bodies[i] : nullptr,
            .checked = p.checked.size() == p.changes.size() ? &p.checked[i] : nullptr,
            .key = p.keys.size() == p.changes.size() ? &p.keys[i] : nullptr,
        };
        out.results.push_back(apply_change(*d, src, p.changes[i], denial, now));
    }
    out.last_seq = d->last_seq;
    return out;
}

// S2: a resend gets the answer given the first time; applied becomes duplicate.
sync::change_result sqlite_store::stored_answer(const device_row& d, const sync::change_msg& c) {
    auto& q = *sel_result_;
    q.reset();
    q.bind(1, d.id);
    q.bind(2, static_cast<std::int64_t>(c.seq));
    sync::change_result r;
    r.seq = c.seq;
    r.status = sync::change_status::duplicate;
    if (q.executeStep()) {
        if (auto stored = sync::result_from_json(q.getColumn(0).getString())) {
            r = std::move(*stored);
            if (r.status == sync::change_status::applied) r.status = sync::change_status::duplicate;
        }
    }
    return r;
}

sync::change_result sqlite_store::apply_change(device_row& d, const change_source& src,
                                               const sync::change_msg& c,
                                               const std::optional<error_info>& denial,
                                               std::int64_t now) {
    const std::optional<error_info>* checked = src.checked;
    sync::change_result res;
    res.seq = c.seq;
    std::string effective_text;
    std::uint64_t server_seq = 0;
    std::vector<sync::field_diff> fields;  // H3: what an applied change altered
    const sync::record_state* after = nullptr;

    auto reject = [&](error_info e) {
        res.status = sync::change_status::rejected;
        res.error = std::move(e);
    };
    const auto id = sync::parse_uuid(c.record);
    const auto device_clock = sync::parse_hlc(c.hlc);
    // Order: who may write at all (S5), the change's own syntax, where it writes (S5),
    // then the schema. A device that may not write learns nothing about its changes.
    if (denial) {
        reject(*denial);
    } else if (!id) {
        reject(invalid("record",
                       "record must be a lowercase UUID such as "
                       "0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b"));
    } else if (!device_clock) {
        reject(invalid("hlc", "hlc must be \"<wall_ms>:<counter>\" in decimal"));
    } else if (c.type.empty() || c.type.size() > 64) {
        reject({errc::unknown_type, "type must name a record type", std::string("type")});
    } else if (c.org_unit.empty() || c.org_unit.size() > 128) {
        reject(invalid("org_unit", "org_unit must name the record's org unit"));
    } else if (c.del && !c.set.empty()) {
        reject(invalid("set", "a delete carries no `set`"));
    } else if (auto out = scope_check(d, c.org_unit, false)) {
        reject(std::move(*out));
    } else {
        record_entry& entry = load_record(*id, c.record);
        const bool exists = !entry.state.id.empty();
        // Editing (or moving) a record that lives outside the scope is refused even when
        // the change names a unit inside it: a move in is the other side's decision.
        if (auto out_now =
                exists ? scope_check(d, entry.state.org_unit_code(), true) : std::nullopt) {
            reject(std::move(*out_now));
        } else if (checked != nullptr && checked->has_value()) {
            // Schema check: a change that fails is kept in the log as rejected (the
            // quarantine, `sotay-admin quarantine`) and still uses up its seq below.
            reject(**checked);
        } else if (options_.schema) {
            const bool is_create = entry.state.version == 0;
            const schema::change_view view{c.type, c.org_unit, &c.set, c.del};
            // Values already checked off this thread: only the create rule is left.
            const auto bad = checked != nullptr
                                 ? (is_create ? schema::missing_required(*options_.schema, view)
                                              : std::vector<schema::violation>{})
                                 : schema::validate(*options_.schema, view, is_create);
            if (!bad.empty()) reject(schema::to_error(bad.front()));
        }
    }
    if (res.status != sync::change_status::rejected) {
        // A decision's clock was chosen to beat every register it settles (R4).
        const sync::hlc effective = src.clock != nullptr
                                        ? *src.clock
                                        : sync::effective_clock(*device_clock, src.clock_offset_ms,
                                                                static_cast<std::uint64_t>(now),
                                                                d.last_hlc, options_.clock);
        record_entry& entry = load_record(*id, c.record);
        const bool existed = !entry.state.id.empty();
        const bool was_live = existed && !entry.state.is_deleted();
        // Short codes: no allocation (small-string buffer).
        const std::string before = existed ? entry.state.org_unit_code() : std::string();
        sync::change engine_change{c.record,  c.type, c.org_unit, src.device_id, c.seq,
                                   effective, c.base, c.set,      c.del};
        engine_change.restore = src.restore;
        if (src.merged_into != nullptr) engine_change.merged_into = *src.merged_into;
        // The same name typed on two phones (NFC or NFD) must compare equal.
        if (options_.schema && checked == nullptr) schema::normalize(engine_change.set);
        const sync::record_state regs_before = touched_registers(entry.state, engine_change);
        auto applied = sync::apply(entry.state, engine_change);
        if (!applied) {
            reject(applied.error());
        } else {
            fields = sync::diff(regs_before, touched_registers(entry.state, engine_change));
            after = &entry.state;
            server_seq = ++head_;  // S3
            entry.server_seq = server_seq;
            entry.dirty = true;
            d.last_hlc = effective;
            effective_text = sync::format_hlc(effective);
            for (const auto& k : applied->conflicts)  // R1
                res.conflicts.push_back(open_conflict_item(src, c, k, entry, now));
            // S6: readers of the old unit's scope learn from this row that it left.
            if (existed && entry.state.org_unit_code() != before) {
                auto& q = *ins_move_;
                q.reset();
                q.bind(1, static_cast<std::int64_t>(server_seq));
                q.bind(2, id->data(), static_cast<int>(id->size()));
                q.bind(3, before);
                q.bind(4, entry.state.org_unit_code());
                q.exec();
            }
            if (applied->created) {
                entry.created = true;
                entry.creator_device = d.id;
                entry.creator_seq = c.seq;
            }
            entry.key_given = applied->created && src.key != nullptr;
            if (entry.key_given) entry.given_key = *src.key;
            // R2: only with a schema, which says what a record's natural key is.
            if (options_.schema)
                note_key(*id, entry, engine_change.set, applied->created, was_live, before);
        }
    }
    d.last_seq = c.seq;  // applied or rejected, the seq is used up
    d.dirty = true;
    insert_change(d, c, src.body, effective_text, now, server_seq, res);
    const bool ok = res.status != sync::change_status::rejected;
    append_change_entry(d, {.kind = ok ? "change" : "rejected",
                            .device_id = src.device_id,
                            .c = c,
                            .src = &src,
                            .effective_hlc = effective_text,
                            .answer = res,
                            .type = ok ? std::string_view(after->type) : std::string_view(c.type),
                            .org_unit = ok ? std::string_view(after->org_unit_code())
                                           : std::string_view(c.org_unit),
                            .fields = ok ? &fields : nullptr});
    return res;
}

void sqlite_store::insert_change(const device_row& d, const sync::change_msg& c,
                                 const std::string* body, const std::string& effective_text,
                                 std::int64_t now, std::uint64_t server_seq,
                                 const sync::change_result& res) {
    auto& q = *ins_change_;
    q.reset();
    q.bind(1, d.id);
    q.bind(2, static_cast<std::int64_t>(c.seq));
    q.bind(3, c.record);
    q.bind(4, c.type);
    q.bind(5, c.org_unit);
    q.bind(6, static_cast<std::int64_t>(c.base));
    q.bind(7, c.hlc);
    q.bind(8, effective_text);
    q.bind(9, now);
    if (server_seq != 0) {
        q.bind(10, static_cast<std::int64_t>(server_seq));
    } else {
        q.bind(10);  // NULL: rejected
    }
    q.bind(11, static_cast<int>(res.status));
    // Format 6: an applied change's history entry holds what it sent ("sent", H3), and
    // change_log() rebuilds the body from it; a rejected one keeps its body here for the
    // quarantine. In W1 this is ~390 of the row's ~530 bytes.
    const bool in_history = server_seq != 0;
    const std::string made =
        in_history || body != nullptr ? std::string() : sync::change_to_json(c);
    const std::string result = sync::result_to_json(res);
    q.bindNoCopy(12, in_history || body == nullptr ? made : *body);  // both outlive exec()
    q.bindNoCopy(13, result);
    q.exec();
}

// Writes back every record and device the transaction touched, once each.
void sqlite_store::flush() {
    final_keys();
    for (auto& [key, e] : records_) {
        if (!e.dirty) continue;
        const std::string clocks = sync::encode_clocks(e.state);
        const std::string fields = sync::encode_fields_json(e.state.visible_fields());
        // A create inserts with its key hash and creator; an update leaves them alone
        // (the index on key_hash is touched only when the key changed).
        auto& q = e.created ? *ins_record_ : *put_record_;
        q.reset();
        q.bind(1, key.data(), static_cast<int>(key.size()));
        q.bind(2, e.state.type);
        q.bind(3, e.state.org_unit_code());
        q.bind(4, static_cast<std::int64_t>(e.state.version));
        q.bind(5, e.state.is_deleted() ? 1 : 0);
        q.bind(6, static_cast<std::int64_t>(e.server_seq));
        q.bindNoCopy(7, fields);  // locals outlive exec()
        q.bindNoCopy(8, clocks);
        if (e.created) {
            if (e.key_hash) {
                q.bind(9, *e.key_hash);
            } else {
                q.bind(9);
            }
            q.bind(10, e.creator_device);
            q.bind(11, static_cast<std::int64_t>(e.creator_seq));
        }
        q.exec();
    }
    detect_duplicates();  // after the records: a create finds one of the same batch
    for (auto& [id, d] : devices_) {
        if (!d.dirty) continue;
        auto& q = *upd_device_;
        q.reset();
        q.bind(1, static_cast<std::int64_t>(d.last_seq));
        q.bind(2, sync::format_hlc(d.last_hlc));
        q.bind(3, d.id);
        q.exec();
    }
    SQLite::Statement h(writer_, "UPDATE meta SET value = ? WHERE key = 'head'");
    h.bind(1, std::to_string(head_));
    h.exec();
    if (review_seq_ != review_seq_read_) {
        SQLite::Statement r(writer_, "UPDATE meta SET value = ? WHERE key = 'review_seq'");
        r.bind(1, std::to_string(review_seq_));
        r.exec();
    }
    // No statement may stay mid-step past the commit.
    for (auto* q : {sel_device_.get(), sel_result_.get(), sel_record_.get(), sel_same_key_.get(),
                    sel_open_pair_.get()})
        q->reset();
}

}  // namespace sotay::store::detail
