#include <sotay/sync/record.hpp>

#include "json_value.hpp"

#include <boost/json.hpp>

namespace sotay::sync {
namespace json = boost::json;
namespace {

// [value, "<hlc>", device, version]: the register layout of encode_state.
json::array encode_register(const field_state& f) {
    return json::array{detail::to_json(f.v), format_hlc(f.w.clock), f.w.device_id, f.version};
}

bool decode_register(const json::value& j, field_state& out) {
    const auto* a = j.if_array();
    if (a == nullptr || a->size() != 4) return false;
    const auto* clock = (*a)[1].if_string();
    const auto* device = (*a)[2].if_string();
    if (clock == nullptr || device == nullptr || !detail::from_json((*a)[0], out.v)) return false;
    auto h = parse_hlc(*clock);
    if (!h) return false;
    out.w = {*h, std::string(*device)};
    if ((*a)[3].is_uint64()) {
        out.version = (*a)[3].get_uint64();
    } else if ((*a)[3].is_int64() && (*a)[3].get_int64() >= 0) {
        out.version = static_cast<std::uint64_t>((*a)[3].get_int64());
    } else {
        return false;
    }
    return true;
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

std::string encode_state(const record_state& r) {
    json::object fields;
    for (const auto& [name, f] : r.fields) fields[name] = encode_register(f);
    json::object o;
    o["t"] = r.type;
    o["n"] = r.version;
    o["o"] = encode_register(r.org_unit);
    o["x"] = encode_register(r.deleted);
    o["f"] = std::move(fields);
    return json::serialize(o);
}

bool decode_state(std::string_view text, const std::string& id, record_state& out) {
    boost::system::error_code ec;
    const json::value j = json::parse(text, ec);
    if (ec || !j.is_object()) return false;
    const auto& o = j.get_object();
    const auto* type = o.if_contains("t");
    const auto* version = o.if_contains("n");
    const auto* org = o.if_contains("o");
    const auto* del = o.if_contains("x");
    const auto* fields = o.if_contains("f");
    if (!type || !type->is_string() || !version || !org || !del || !fields || !fields->is_object())
        return false;
    record_state r;
    r.id = id;
    r.type = std::string(type->get_string());
    if (version->is_uint64()) {
        r.version = version->get_uint64();
    } else if (version->is_int64() && version->get_int64() >= 0) {
        r.version = static_cast<std::uint64_t>(version->get_int64());
    } else {
        return false;
    }
    if (!decode_register(*org, r.org_unit) || !decode_register(*del, r.deleted)) return false;
    for (const auto& kv : fields->get_object()) {
        field_state f;
        if (!decode_register(kv.value(), f)) return false;
        r.fields.emplace(std::string(kv.key()), std::move(f));
    }
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
