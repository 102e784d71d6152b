// The stored JSON of review items: the two sides and the chosen value.
#include "sqlite_review.hpp"

#include <sotay/sync/json_values.hpp>

#include <boost/json.hpp>

#include <stdexcept>

namespace sotay::store::detail {

namespace json = boost::json;

namespace {

sync::value from_json(const json::value& j) {
    switch (j.kind()) {
        case json::kind::null:
            return std::monostate{};
        case json::kind::bool_:
            return j.get_bool();
        case json::kind::int64:
            return j.get_int64();
        case json::kind::uint64:
            return static_cast<std::int64_t>(j.get_uint64());
        case json::kind::double_:
            return j.get_double();
        case json::kind::string:
            return std::string(j.get_string());
        default:
            throw std::runtime_error("corrupt review item: a value is not a scalar");
    }
}

}  // namespace

std::string sides_json(const side_row (&sides)[2]) {
    json::array a;
    for (const side_row& s : sides) {
        a.push_back(json::object{{"record", s.record},
                                 {"value", sync::value_to_json(s.val)},
                                 {"device", s.device_id},
                                 {"seq", s.seq},
                                 {"device_hlc", s.device_hlc},
                                 {"received_ms", s.received_ms}});
    }
    return json::serialize(a);
}

std::vector<side_row> parse_sides(std::string_view text) {
    boost::system::error_code ec;
    const json::value j = json::parse(text, ec);
    if (ec || !j.is_array()) throw std::runtime_error("corrupt review item: sides");
    std::vector<side_row> out;
    for (const auto& e : j.get_array()) {
        const auto* o = e.if_object();
        if (o == nullptr) throw std::runtime_error("corrupt review item: a side");
        auto member = [&](const char* k) -> const json::value& {
            const auto* v = o->if_contains(k);
            if (v == nullptr) throw std::runtime_error(std::string("corrupt review item: ") + k);
            return *v;
        };
        side_row s;
        s.record = std::string(member("record").as_string());
        s.val = from_json(member("value"));
        s.device_id = std::string(member("device").as_string());
        s.seq = member("seq").to_number<std::uint64_t>();
        s.device_hlc = std::string(member("device_hlc").as_string());
        s.received_ms = member("received_ms").to_number<std::int64_t>();
        out.push_back(std::move(s));
    }
    return out;
}

std::string value_json(const sync::value& v) {
    return json::serialize(sync::value_to_json(v));
}

sync::value parse_value(std::string_view text) {
    boost::system::error_code ec;
    const json::value j = json::parse(text, ec);
    if (ec) throw std::runtime_error("corrupt review item: a stored value");
    return from_json(j);
}

}  // namespace sotay::store::detail
