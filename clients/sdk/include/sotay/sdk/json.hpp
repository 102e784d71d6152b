// Field values as Boost.JSON values: what the CLI prints and what an app's bridge to
// JavaScript or Kotlin serialises. The mapping is the wire's (docs/protocol.md section 3):
// null, boolean, int64, double, string; arrays and objects are not values.
#pragma once

#include <sotay/sync/value.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>

namespace sotay::sdk {

boost::json::value to_json(const sync::value& v);
boost::json::object to_json(const sync::field_map& fields);

// nullopt for an array, an object, or an unsigned integer above INT64_MAX.
std::optional<sync::value> value_from_json(const boost::json::value& j);

}  // namespace sotay::sdk
