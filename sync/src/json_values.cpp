#include <sotay/sync/json_values.hpp>

#include "json_value.hpp"

#include <cmath>
#include <string_view>

namespace sotay::sync {

namespace {

namespace json = boost::json;

// JSON has no infinity or NaN: null is the one honest spelling (codec_json.cpp too).
json::value finite_to_json(const value& v, const json::storage_ptr& sp) {
    if (const double* d = std::get_if<double>(&v); d != nullptr && !std::isfinite(*d)) {
        return json::value(nullptr, sp);
    }
    return json::value(detail::to_json(v), sp);
}

void put_text(json::object& o, std::string_view key, const std::string& s) {
    if (!s.empty()) o.emplace(key, s);
}

json::object side_to_json(const review_side_msg& s, const json::storage_ptr& sp) {
    json::object o(sp);
    o.reserve(7);
    o.emplace("record", s.record);
    o.emplace("value", finite_to_json(s.val, sp));
    o.emplace("device_id", s.device_id);
    o.emplace("username", s.username);
    o.emplace("seq", s.seq);
    o.emplace("device_hlc", s.device_hlc);
    o.emplace("received_ms", s.received_ms);
    return o;
}

}  // namespace

boost::json::value value_to_json(const value& v) {
    return detail::to_json(v);
}

boost::json::object fields_to_json(const field_map& fields) {
    boost::json::object o;
    for (const auto& [name, v] : fields) o[name] = detail::to_json(v);
    return o;
}

boost::json::object review_item_to_json(const review_item_msg& item,
                                        const boost::json::storage_ptr& sp) {
    json::object o(sp);
    o.reserve(22);
    o.emplace("item", item.item);
    o.emplace("kind", item.kind);
    o.emplace("state", item.state);
    o.emplace("type", item.type);
    o.emplace("record", item.record);
    o.emplace("org_unit", item.org_unit);
    // Members that only some kinds or states have: absent rather than "" (a duplicate has
    // no field, an open item no decision).
    put_text(o, "field", item.field);
    put_text(o, "other_record", item.other_record);
    put_text(o, "other_org_unit", item.other_org_unit);
    put_text(o, "natural_key", item.natural_key);
    json::array sides(sp);
    sides.reserve(item.sides.size());
    for (const review_side_msg& s : item.sides) sides.emplace_back(side_to_json(s, sp));
    o.emplace("sides", std::move(sides));
    o.emplace("version", item.version);
    o.emplace("created_ms", item.created_ms);
    o.emplace("superseded", item.superseded);
    o.emplace("seq", item.seq);
    put_text(o, "decided_by", item.decided_by);
    if (item.decided_ms != 0) o.emplace("decided_ms", item.decided_ms);
    put_text(o, "decision", item.decision);
    if (!std::holds_alternative<std::monostate>(item.chosen)) {
        o.emplace("chosen", finite_to_json(item.chosen, sp));
    }
    put_text(o, "survivor", item.survivor);
    put_text(o, "reason", item.reason);
    if (item.settled_by != 0) o.emplace("settled_by", item.settled_by);
    return o;
}

std::optional<value> value_from_json(const boost::json::value& j) {
    value v;
    if (!detail::from_json(j, v)) return std::nullopt;
    return v;
}

}  // namespace sotay::sync
