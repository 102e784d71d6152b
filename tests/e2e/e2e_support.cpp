#include "e2e_support.hpp"

#include <sotay/sync/ids.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <random>
#include <stdexcept>

namespace sotay::sync {
std::ostream& operator<<(std::ostream& os, wire_format f) {
    return os << (f == wire_format::json ? "json" : "binary");
}
}  // namespace sotay::sync

namespace sotay::e2e {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string new_record_id() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    sync::uuid_bytes b{};
    // RFC 9562 UUIDv7: 48-bit big-endian Unix ms, version 7, variant 10, random rest.
    const auto ms = static_cast<std::uint64_t>(now_ms());
    for (int i = 0; i < 6; ++i) {
        b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
    }
    const std::uint64_t r1 = random();
    const std::uint64_t r2 = random();
    for (std::size_t i = 6; i < 16; ++i) {
        b[i] = static_cast<std::uint8_t>((i < 11 ? r1 : r2) >> (8 * (i % 8)));
    }
    b[6] = static_cast<std::uint8_t>(0x70 | (b[6] & 0x0F));
    b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3F));
    return sync::format_uuid(b);
}

test_device::test_device(device_credentials creds, std::int64_t clock_offset_ms)
    : creds_(std::move(creds)), clock_offset_ms_(clock_offset_ms) {}

sync::welcome_msg test_device::connect(client::sync_client& c, std::uint16_t port,
                                       sync::wire_format format) const {
    client::connect_options options;
    options.port = port;
    options.format = format;
    c.connect(options);
    return c.hello(creds_.device_id, creds_.token, wall_ms());
}

sync::change_msg test_device::stamp(sync::change_msg c) {
    c.seq = next_seq_++;
    const auto clock = clock_.tick(static_cast<std::uint64_t>(wall_ms()));
    if (!clock) {
        throw std::logic_error("test device clock overflowed its counter");
    }
    c.hlc = sync::format_hlc(*clock);
    return c;
}

sync::change_msg test_device::create(const std::string& record, sync::field_map fields,
                                     const std::string& type, const std::string& org_unit) {
    return edit(record, 0, std::move(fields), type, org_unit);
}

sync::change_msg test_device::edit(const std::string& record, std::uint64_t base,
                                   sync::field_map set, const std::string& type,
                                   const std::string& org_unit) {
    sync::change_msg c;
    c.record = record;
    c.type = type;
    c.org_unit = org_unit;
    c.base = base;
    c.set = std::move(set);
    return stamp(std::move(c));
}

sync::field_map petition(const std::string& summary, const std::string& status) {
    return {{"kind", std::string("complaint")},
            {"received_on", std::string("2022-03-04")},
            {"status", status},
            {"summary", summary}};
}

sync::push_result_msg push(client::sync_client& c, std::vector<sync::change_msg> changes) {
    sync::push_msg p;
    p.id = c.next_id();
    p.changes = std::move(changes);
    auto result = client::expect<sync::push_result_msg>(c.request(p));
    if (result.id != p.id) {
        throw std::runtime_error("push_result answers id " + std::to_string(result.id) +
                                 ", the push had " + std::to_string(p.id));
    }
    return result;
}

std::vector<sync::record_msg> pull_all(client::sync_client& c, std::uint32_t limit) {
    std::vector<sync::record_msg> records;
    sync::pull_msg p;
    p.limit = limit;
    // 100,000 pages: far more than any test writes; stops a server that never says
    // more=false from hanging the suite.
    for (int page = 0; page < 100000; ++page) {
        p.id = c.next_id();
        auto changes = client::expect<sync::changes_msg>(c.request(p));
        records.insert(records.end(), changes.records.begin(), changes.records.end());
        if (!changes.more) {
            return records;
        }
        p.cursor = changes.cursor;
    }
    throw std::runtime_error("pull never reached more=false");
}

std::optional<sync::record_msg> find_record(const std::vector<sync::record_msg>& records,
                                            const std::string& id) {
    for (const auto& r : records) {
        if (r.record == id) {
            return r;
        }
    }
    return std::nullopt;
}

std::string text_field(const sync::record_msg& r, const std::string& field) {
    const auto it = r.fields.find(field);
    if (it == r.fields.end()) {
        return "<absent>";
    }
    const auto* s = std::get_if<std::string>(&it->second);
    return s != nullptr ? *s : "<not a string>";
}

std::vector<boost::json::object> log_of(const server_process& server,
                                        const std::string& device_id) {
    std::vector<boost::json::object> entries;
    const auto log = server.admin_json({"log", "--json"});
    for (const auto& v : log.as_array()) {
        const auto& o = v.as_object();
        if (o.at("device_id").as_string() == device_id) {
            entries.push_back(o);
        }
    }
    return entries;
}

std::vector<std::uint64_t> logged_seqs(const server_process& server, const std::string& device_id) {
    std::vector<std::uint64_t> seqs;
    for (const auto& o : log_of(server, device_id)) {
        seqs.push_back(o.at("seq").to_number<std::uint64_t>());
    }
    return seqs;
}

}  // namespace sotay::e2e
