// Conversions between the engine's field value and Boost.JSON, shared by the record
// state encoding and the JSON wire codec.
#pragma once

#include <sotay/sync/value.hpp>

#include <boost/json/value.hpp>

namespace sotay::sync::detail {

inline boost::json::value to_json(const value& v) {
    struct visitor {
        boost::json::value operator()(std::monostate) const { return nullptr; }
        boost::json::value operator()(bool b) const { return b; }
        boost::json::value operator()(std::int64_t i) const { return i; }
        boost::json::value operator()(double d) const { return d; }
        boost::json::value operator()(const std::string& s) const { return boost::json::string(s); }
    };
    return std::visit(visitor{}, v);
}

// Scalars only: arrays and objects are not field values. A uint64 above INT64_MAX is
// refused rather than wrapped.
inline bool from_json(const boost::json::value& j, value& out) {
    switch (j.kind()) {
        case boost::json::kind::null: out = std::monostate{}; return true;
        case boost::json::kind::bool_: out = j.get_bool(); return true;
        case boost::json::kind::int64: out = j.get_int64(); return true;
        case boost::json::kind::uint64:
            if (j.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return false;
            out = static_cast<std::int64_t>(j.get_uint64());
            return true;
        case boost::json::kind::double_: out = j.get_double(); return true;
        case boost::json::kind::string: out = std::string(j.get_string()); return true;
        default: return false;
    }
}

}  // namespace sotay::sync::detail
