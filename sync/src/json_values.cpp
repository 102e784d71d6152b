#include <sotay/sync/json_values.hpp>

#include "json_value.hpp"

namespace sotay::sync {

boost::json::value value_to_json(const value& v) {
    return detail::to_json(v);
}

boost::json::object fields_to_json(const field_map& fields) {
    boost::json::object o;
    for (const auto& [name, v] : fields) o[name] = detail::to_json(v);
    return o;
}

}  // namespace sotay::sync
