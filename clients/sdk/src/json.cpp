#include <sotay/sdk/json.hpp>

#include <cstdint>
#include <limits>

namespace sotay::sdk {
namespace {
constexpr auto max_int64 = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
}  // namespace

boost::json::value to_json(const sync::value& v) {
    struct visitor {
        boost::json::value operator()(std::monostate) const { return nullptr; }
        boost::json::value operator()(bool b) const { return b; }
        boost::json::value operator()(std::int64_t i) const { return i; }
        boost::json::value operator()(double d) const { return d; }
        boost::json::value operator()(const std::string& s) const {
            return boost::json::string(s);
        }
    };
    return std::visit(visitor{}, v);
}

boost::json::object to_json(const sync::field_map& fields) {
    boost::json::object o;
    for (const auto& [name, v] : fields) {
        o[name] = to_json(v);
    }
    return o;
}

std::optional<sync::value> value_from_json(const boost::json::value& j) {
    switch (j.kind()) {
        case boost::json::kind::null:
            return sync::value{};
        case boost::json::kind::bool_:
            return sync::value{j.get_bool()};
        case boost::json::kind::int64:
            return sync::value{j.get_int64()};
        case boost::json::kind::uint64:
            // Refused rather than wrapped: the wire's integers are signed 64-bit.
            if (j.get_uint64() > max_int64) {
                return std::nullopt;
            }
            return sync::value{static_cast<std::int64_t>(j.get_uint64())};
        case boost::json::kind::double_:
            return sync::value{j.get_double()};
        case boost::json::kind::string:
            return sync::value{std::string(j.get_string())};
        default:
            return std::nullopt;
    }
}

}  // namespace sotay::sdk
