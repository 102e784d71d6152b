// Local edits and the local view (device.hpp D1-D3); sync() lives in sync.cpp.
#include "device_impl.hpp"

#include <sotay/sync/hlc.hpp>
#include <sotay/sync/ids.hpp>
#include <sotay/sync/merge.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

namespace sotay::sdk {
namespace {

// The server's limits (docs/protocol.md section 8), checked here so that the officer
// hears about a bad edit when making it, not days later in a push result.
constexpr std::size_t max_type_bytes = 64;
constexpr std::size_t max_org_unit_bytes = 128;
constexpr std::size_t max_fields = 256;
constexpr std::size_t max_string_bytes = 64 * 1024;

// rand_a of a UUIDv7 is 12 bits; a new millisecond starts its counter below half of it
// (RFC 9562 section 6.2, method 1) so that thousands of ids in one millisecond still fit.
constexpr std::uint32_t uuid_counter_max = 0xFFF;
constexpr std::uint32_t uuid_counter_seed_mask = 0x7FF;

// A type or org unit: non-empty and within the server's length limit.
void check_name(const std::string& what, const std::string& value, std::size_t max_bytes) {
    if (value.empty() || value.size() > max_bytes) {
        throw error(error_kind::invalid_argument,
                    what + " must be 1 to " + std::to_string(max_bytes) + " bytes");
    }
}

// Field names and values the server would reject in every case.
void check_fields(const sync::field_map& fields) {
    if (fields.size() > max_fields) {
        throw error(error_kind::invalid_argument,
                    "at most " + std::to_string(max_fields) + " fields in one change");
    }
    for (const auto& [name, v] : fields) {
        if (name.empty() || name.front() == '_') {
            throw error(error_kind::invalid_argument,
                        "field name '" + name + "' is not allowed (empty, or starts with '_')");
        }
        if (name.size() > max_string_bytes) {
            throw error(error_kind::invalid_argument, "a field name is longer than 64 KiB");
        }
        const auto* s = std::get_if<std::string>(&v);
        if (s != nullptr && s->size() > max_string_bytes) {
            throw error(error_kind::invalid_argument,
                        "the value of '" + name + "' is longer than 64 KiB");
        }
        const auto* d = std::get_if<double>(&v);
        if (d != nullptr && !std::isfinite(*d)) {
            throw error(error_kind::invalid_argument,
                        "the value of '" + name + "' is not a finite number");
        }
    }
}

}  // namespace

namespace detail {

std::optional<record_view> apply_pending(std::optional<record_view> confirmed,
                                         const std::vector<outbox_row>& pending) {
    if (!confirmed && pending.empty()) {
        return std::nullopt;
    }
    record_view v;
    if (confirmed) {
        v = std::move(*confirmed);
    } else {
        v.id = pending.front().record;
        v.type = pending.front().type;
    }
    v.pending = pending.size();
    for (const auto& c : pending) {
        // Every change writes the org_unit register (docs/merge.md).
        v.org_unit = c.org_unit;
        if (c.del) {
            v.deleted = true;
            continue;
        }
        for (const auto& [name, value] : c.set) {
            if (sync::is_null(value)) {
                v.fields.erase(name);
            } else {
                v.fields.insert_or_assign(name, value);
            }
        }
    }
    return v;
}

sync::hlc next_stamp(const sync::hlc& last, std::int64_t now_ms) {
    sync::hlc_clock clock(last);
    if (auto t = clock.tick(static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms, 0)))) {
        return *t;
    }
    return sync::hlc{last.wall_ms + 1, 0};
}

// The digits after "expected seq "; nullopt if the server worded it otherwise.
std::optional<std::uint64_t> expected_seq_of(const std::string& message) {
    constexpr std::string_view marker = "expected seq ";
    const auto at = message.find(marker);
    if (at == std::string::npos) {
        return std::nullopt;
    }
    std::uint64_t seq = 0;
    bool any = false;
    for (auto i = at + marker.size(); i < message.size() && message[i] >= '0' && message[i] <= '9';
         ++i) {
        seq = seq * 10 + static_cast<std::uint64_t>(message[i] - '0');
        any = true;
    }
    if (!any || seq == 0) {
        return std::nullopt;
    }
    return seq;
}

}  // namespace detail

// --------------------------------------------------------------------------------------

std::string record_view::merged_into() const {
    if (!deleted) {
        return {};
    }
    const auto it = fields.find(sync::merged_into_field);
    const auto* survivor = it != fields.end() ? std::get_if<std::string>(&it->second) : nullptr;
    return survivor != nullptr ? *survivor : std::string();
}

device::impl::impl(const std::filesystem::path& path_, options o)
    : path(path_), opts(std::move(o)), store(path_) {}

// The injected clock (tests), or the system's.
std::int64_t device::impl::system_now() const {
    if (opts.system_clock) {
        return opts.system_clock();
    }
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// RFC 9562 UUIDv7 with a 12-bit counter in rand_a (method 1), persisted so that ids
// keep increasing across restarts and across processes sharing the file.
std::string device::impl::mint_id(const detail::meta_row& m) {
    std::uint64_t ms = static_cast<std::uint64_t>(std::max<std::int64_t>(device_now(m), 0));
    std::uint32_t counter = 0;
    if (ms > m.uuid_ms) {
        counter = random() & uuid_counter_seed_mask;
    } else {
        // The same millisecond (or the clock went back): count up from the last id, so
        // that ids minted later on this device always sort later.
        ms = m.uuid_ms;
        counter = m.uuid_counter + 1;
        if (counter > uuid_counter_max) {
            ++ms;
            counter = random() & uuid_counter_seed_mask;
        }
    }
    std::array<std::uint8_t, 10> bytes{};
    bytes[0] = static_cast<std::uint8_t>(counter >> 8);  // make_uuid_v7 keeps the low nibble
    bytes[1] = static_cast<std::uint8_t>(counter & 0xFF);
    for (std::size_t i = 2; i < bytes.size(); i += 2) {
        const auto r = random();
        bytes[i] = static_cast<std::uint8_t>(r);
        bytes[i + 1] = static_cast<std::uint8_t>(r >> 8);
    }
    store.save_uuid_state(ms, counter);
    return sync::format_uuid(sync::make_uuid_v7(ms, bytes));
}

// D1, D2: seq, clock and the change in the caller's one transaction.
std::uint64_t device::impl::append_change(detail::outbox_row row) {
    const auto m = store.meta();
    const auto now = device_now(m);
    const auto stamp = detail::next_stamp(m.clock, now);
    row.seq = m.next_seq;
    row.hlc = sync::format_hlc(stamp);
    row.created_ms = now;
    store.append(row);
    store.save_clock(stamp, row.seq + 1);  // D2: the seq and the clock move together
    return row.seq;
}

const schema::schema* device::impl::current_schema() {
    const auto cached = store.cached_schema();
    if (!cached) return nullptr;
    if (!parsed_schema || parsed_schema->version != cached->first) {
        try {
            parsed_schema = std::make_shared<const schema::schema>(
                schema::parse_schema(cached->second, "the schema cached from the server"));
        } catch (const schema::load_error&) {
            // A schema this SDK cannot read: the server still validates everything.
            return nullptr;
        }
    }
    return parsed_schema.get();
}

void device::impl::check(const std::string& type, const std::string& org_unit,
                         const sync::field_map& set, bool del, bool is_create) {
    if (!opts.check_schema) return;
    const schema::schema* s = current_schema();
    if (s == nullptr) return;
    auto bad = schema::validate(*s, {type, org_unit, &set, del}, is_create);
    if (bad.empty()) return;
    std::string message;
    for (const auto& v : bad) message += (message.empty() ? "" : "\n") + schema::wire_message(v);
    error e(error_kind::validation, message);
    e.violations = std::move(bad);
    throw e;
}

std::optional<record_view> device::impl::view(const std::string& id) {
    return detail::apply_pending(store.confirmed(id), store.unsettled(id));
}

// --------------------------------------------------------------------------------------

device::device(const std::filesystem::path& path, options opts)
    : impl_(std::make_unique<impl>(path, std::move(opts))) {}

device::~device() = default;
device::device(device&&) noexcept = default;
device& device::operator=(device&&) noexcept = default;

void device::configure(const device_settings& settings) {
    std::string why;
    if (!parse_server_url(settings.url, why)) {
        throw error(error_kind::invalid_argument, why);
    }
    if (!sync::is_uuid(settings.device_id)) {
        throw error(error_kind::invalid_argument,
                    "device id '" + settings.device_id + "' is not a lowercase UUID");
    }
    if (settings.token.empty()) {
        throw error(error_kind::invalid_argument, "the token is empty");
    }
    // Checked now, not at the first sync: the officer setting up is the one who can fix it.
    std::error_code ignored;
    if (!settings.ca_file.empty() &&
        !std::filesystem::is_regular_file(settings.ca_file, ignored)) {
        throw error(error_kind::invalid_argument,
                    "the CA file '" + settings.ca_file + "' does not exist");
    }
    detail::local_store::write_tx tx(impl_->store);
    const auto m = impl_->store.meta();
    // The seqs in this file are the old device's: another device must not continue them.
    if (m.settings && m.settings->device_id != settings.device_id && m.next_seq > 1) {
        throw error(error_kind::invalid_argument,
                    "this replica belongs to device " + m.settings->device_id + " (" +
                        std::to_string(m.next_seq - 1) +
                        " changes made); set up device " + settings.device_id +
                        " in another data directory");
    }
    impl_->store.save_settings(settings);
    tx.commit();
}

std::optional<device_settings> device::settings() const { return impl_->store.meta().settings; }

std::string device::create(const std::string& type, const std::string& org_unit,
                           sync::field_map fields) {
    check_name("the record type", type, max_type_bytes);
    check_name("the org unit", org_unit, max_org_unit_bytes);
    check_fields(fields);
    schema::normalize(fields);
    impl_->check(type, org_unit, fields, false, true);
    detail::local_store::write_tx tx(impl_->store);
    detail::outbox_row row;
    row.record = impl_->mint_id(impl_->store.meta());
    row.type = type;
    row.org_unit = org_unit;
    row.base = 0;
    row.set = std::move(fields);
    impl_->append_change(row);
    tx.commit();
    return row.record;
}

void device::edit(const std::string& id, sync::field_map set,
                  const std::optional<std::string>& org_unit) {
    check_fields(set);
    if (org_unit) {
        check_name("the org unit", *org_unit, max_org_unit_bytes);
    }
    if (set.empty() && !org_unit) {
        throw error(error_kind::invalid_argument, "nothing to change: no field and no org unit");
    }
    detail::local_store::write_tx tx(impl_->store);
    const auto current = impl_->view(id);
    if (!current) {
        throw error(error_kind::not_found, "no record " + id + " on this device");
    }
    if (current->deleted) {
        throw error(error_kind::deleted, "record " + id + " is deleted");
    }
    schema::normalize(set);
    // A create still waiting to be confirmed is a create for the server too: its
    // required fields came with it, so this edit is checked as an edit.
    impl_->check(current->type, org_unit.value_or(current->org_unit), set, false, false);
    detail::outbox_row row;
    row.record = id;
    row.type = current->type;
    row.org_unit = org_unit.value_or(current->org_unit);
    row.base = current->version;  // the confirmed version the officer's edit starts from
    row.set = std::move(set);
    impl_->append_change(row);
    tx.commit();
}

void device::remove(const std::string& id) {
    detail::local_store::write_tx tx(impl_->store);
    const auto current = impl_->view(id);
    if (!current) {
        throw error(error_kind::not_found, "no record " + id + " on this device");
    }
    if (current->deleted) {
        throw error(error_kind::deleted, "record " + id + " is already deleted");
    }
    impl_->check(current->type, current->org_unit, {}, true, false);
    detail::outbox_row row;
    row.record = id;
    row.type = current->type;
    row.org_unit = current->org_unit;
    row.base = current->version;
    row.del = true;
    impl_->append_change(row);
    tx.commit();
}

std::optional<record_view> device::get(const std::string& id) const { return impl_->view(id); }

// The confirmed records and the records that exist only as pending changes, merged.
std::vector<record_view> device::same_natural_key(const std::string& type,
                                                  const std::string& org_unit,
                                                  const sync::field_map& fields) const {
    std::vector<record_view> out;
    const schema::schema* s = impl_->current_schema();
    const schema::type_def* t = s != nullptr ? s->find(type) : nullptr;
    if (t == nullptr) return out;
    const auto key = schema::natural_key(*t, org_unit, fields);
    if (!key) return out;
    // A linear pass: a phone holds its commune's records, a few thousand at most.
    for (auto& r : list(type)) {
        if (schema::natural_key(*t, r.org_unit, r.fields) == key) out.push_back(std::move(r));
    }
    return out;
}

std::vector<record_view> device::list(const std::optional<std::string>& type) const {
    auto pending = impl_->store.unsettled_all();
    std::vector<record_view> out;
    const auto keep = [&](std::optional<record_view> v) {
        if (v && !v->deleted && (!type || v->type == *type)) {
            out.push_back(std::move(*v));
        }
    };
    for (auto& confirmed : impl_->store.confirmed_all()) {
        const auto it = pending.find(confirmed.id);
        if (it == pending.end()) {
            keep(std::move(confirmed));
        } else {
            keep(detail::apply_pending(std::move(confirmed), it->second));
            pending.erase(it);
        }
    }
    for (const auto& [id, changes] : pending) {
        keep(detail::apply_pending(std::nullopt, changes));
    }
    // UUIDv7 ids: sorting by id is sorting by creation time.
    std::sort(out.begin(), out.end(),
              [](const record_view& a, const record_view& b) { return a.id < b.id; });
    return out;
}

void device::batch(const std::function<void()>& work) {
    detail::local_store::write_tx tx(impl_->store);
    work();
    tx.commit();
}

// Counts read in separate statements: a sync running in another process may move them
// between two reads, which a status display tolerates.
device_status device::status() const {
    auto& s = impl_->store;
    const auto m = s.meta();
    device_status st;
    st.settings = m.settings;
    st.pending = s.count_pending();
    st.kept = s.count_kept();
    st.last_seq_made = m.next_seq - 1;
    st.acked_seq = m.acked_seq;
    st.last_sync_ms = m.last_sync_ms;
    st.last_attempt_ms = m.last_attempt_ms;
    st.last_error = m.last_error;
    st.clock_offset_ms = m.clock_offset_ms;
    st.conflicts = s.count_conflicts();
    st.rejected = s.rejected().size();
    if (const auto cached = s.cached_schema()) st.schema_version = cached->first;
    st.open_review_items = s.count_open_review_held();
    st.review_cursor = m.review_cursor;
    return st;
}

std::vector<conflict_report> device::conflicts() const { return impl_->store.conflicts(); }

std::vector<review_item> device::review_items(const std::string& id) const {
    return impl_->store.review_items_of(id);
}

std::vector<review_item> device::open_review_items() const {
    return impl_->store.review_items_held(true);
}

std::vector<review_item> device::held_review_items() const {
    return impl_->store.review_items_held(false);
}

std::string device::follow_merged(const std::string& id) const {
    // Bounded: a pointer loop (only a broken server could send one) must not hang the app.
    constexpr int max_hops = 64;
    std::string at = id;
    for (int hop = 0; hop < max_hops; ++hop) {
        const auto r = impl_->view(at);
        const std::string next = r ? r->merged_into() : std::string();
        if (next.empty() || next == id) {
            break;
        }
        at = next;
    }
    return at;
}

std::vector<rejected_change> device::rejected() const { return impl_->store.rejected(); }

std::size_t device::purge_acknowledged() {
    detail::local_store::write_tx tx(impl_->store);
    const auto m = impl_->store.meta();
    const auto n = impl_->store.purge_acked_before(impl_->device_now(m) -
                                                   impl_->opts.retention.count());
    tx.commit();
    return n;
}

std::int64_t device::now_ms() const { return impl_->device_now(impl_->store.meta()); }

}  // namespace sotay::sdk
