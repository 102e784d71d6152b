// Field values as Boost.JSON values: the one mapping the wire's JSON codec, the change
// log and the HTTP API share (null, boolean, integer, number, string).
#pragma once

#include <sotay/sync/value.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace sotay::sync {

boost::json::value value_to_json(const value& v);
boost::json::object fields_to_json(const field_map& fields);

}  // namespace sotay::sync
