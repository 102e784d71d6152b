#include <sotay/sync/record.hpp>

#include "json_value.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <optional>

namespace sotay::sync {
namespace json = boost::json;
namespace {

std::optional<std::uint64_t> as_u64(const json::value& v) {
    if (v.is_uint64()) return v.get_uint64();
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
    return std::nullopt;
}

// Names writers by their index in the record's device list.
struct device_index {
    json::array list;
    std::uint64_t operator()(const std::string& device) {
        for (std::size_t i = 0; i < list.size(); ++i)
            if (list[i].get_string() == device) return i;
        list.emplace_back(device);
        return list.size() - 1;
    }
};

// ["<hlc>", device index, version]
json::array clock_of(const field_state& f, device_index& devices) {
    return json::array{format_hlc(f.w.clock), devices(f.w.device_id), f.version};
}

// Reads ["<hlc>", index, version] starting at a[at] into f's writer and version.
bool read_clock(const json::array& a, std::size_t at, const json::array& devices,
                field_state& f) {
    const auto* clock = a[at].if_string();
    const auto index = as_u64(a[at + 1]);
    const auto version = as_u64(a[at + 2]);
    if (clock == nullptr || !index || !version || *index >= devices.size()) return false;
    const auto* device = devices[*index].if_string();
    auto h = parse_hlc(*clock);
    if (device == nullptr || !h) return false;
    f.w = {*h, std::string(*device)};
    f.version = *version;
    return true;
}

// A record-level register: [value, "<hlc>", index, version].
bool read_register(const json::value& j, const json::array& devices, field_state& f) {
    const auto* a = j.if_array();
    return a != nullptr && a->size() == 4 && detail::from_json((*a)[0], f.v) &&
           read_clock(*a, 1, devices, f);
}

}  // namespace

const std::string& record_state::org_unit_code() const {
    static const std::string empty;
    const auto* s = std::get_if<std::string>(&org_unit.v);
    return s != nullptr ? *s : empty;
}

field_map record_state::visible_fields() const {
    field_map out;
    for (const auto& [name, f] : fields)
        if (!is_null(f.v)) out.emplace(name, f.v);
    return out;
}

std::string encode_clocks(const record_state& r) {
    device_index devices;
    auto with_value = [&](const field_state& f) {
        json::array a = clock_of(f, devices);
        a.insert(a.begin(), detail::to_json(f.v));
        return a;
    };
    json::object fields;
    for (const auto& [name, f] : r.fields) {
        json::array a = clock_of(f, devices);
        if (is_null(f.v)) a.emplace_back(nullptr);  // cleared: no value in `fields`
        fields[name] = std::move(a);
    }
    json::object o;
    o["t"] = r.type;
    o["n"] = r.version;
    o["o"] = with_value(r.org_unit);
    o["x"] = with_value(r.deleted);
    o["f"] = std::move(fields);
    o["d"] = std::move(devices.list);
    return json::serialize(o);
}

bool decode_record(std::string_view fields_json, std::string_view clocks, const std::string& id,
                   record_state& out) {
    field_map values;
    if (!decode_fields_json(fields_json, values)) return false;
    boost::system::error_code ec;
    const json::value j = json::parse(clocks, ec);
    if (ec || !j.is_object()) return false;
    const auto& o = j.get_object();
    const auto* type = o.if_contains("t");
    const auto* version = o.if_contains("n");
    const auto* devices = o.if_contains("d");
    const auto* org = o.if_contains("o");
    const auto* del = o.if_contains("x");
    const auto* fields = o.if_contains("f");
    if (!type || !type->is_string() || !version || !as_u64(*version) || !devices ||
        !devices->is_array() || !org || !del || !fields || !fields->is_object())
        return false;
    const auto& names = devices->get_array();
    record_state r;
    r.id = id;
    r.type = std::string(type->get_string());
    r.version = *as_u64(*version);
    if (!read_register(*org, names, r.org_unit) || !read_register(*del, names, r.deleted))
        return false;
    for (const auto& kv : fields->get_object()) {
        const auto* a = kv.value().if_array();
        if (a == nullptr || a->size() < 3 || a->size() > 4) return false;
        field_state f;
        if (!read_clock(*a, 0, names, f)) return false;
        const auto it = values.find(std::string_view(kv.key()));
        if (a->size() == 4) {
            if (!(*a)[3].is_null() || it != values.end()) return false;  // cleared
        } else {
            if (it == values.end()) return false;  // a live field must have its value
            f.v = it->second;
        }
        r.fields.emplace(std::string(kv.key()), std::move(f));
    }
    if (r.fields.size() - std::count_if(r.fields.begin(), r.fields.end(),
                                        [](const auto& kv) { return is_null(kv.second.v); }) !=
        values.size())
        return false;  // a value without a clock
    out = std::move(r);
    return true;
}

std::string encode_fields_json(const field_map& fields) {
    json::object o;
    for (const auto& [name, v] : fields) o[name] = detail::to_json(v);
    return json::serialize(o);
}

bool decode_fields_json(std::string_view text, field_map& out) {
    boost::system::error_code ec;
    const json::value j = json::parse(text, ec);
    if (ec || !j.is_object()) return false;
    field_map fields;
    for (const auto& kv : j.get_object()) {
        value v;
        if (!detail::from_json(kv.value(), v)) return false;
        fields.emplace(std::string(kv.key()), std::move(v));
    }
    out = std::move(fields);
    return true;
}

}  // namespace sotay::sync
