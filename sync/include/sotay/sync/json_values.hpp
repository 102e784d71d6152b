// Field values and review items as Boost.JSON values: the one mapping the wire's JSON
// codec, the change log and the HTTP API share (null, boolean, integer, number, string).
#pragma once

#include <sotay/sync/messages.hpp>
#include <sotay/sync/value.hpp>

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <optional>

namespace sotay::sync {

boost::json::value value_to_json(const value& v);
// The inverse, for values typed by people (the HTTP API, sotay-admin): a JSON scalar as a
// field value; nullopt for an array, an object or an integer beyond int64.
std::optional<value> value_from_json(const boost::json::value& j);
boost::json::object fields_to_json(const field_map& fields);

// A review item exactly as the `review` message carries it (docs/protocol.md 4.9): the
// JSON codec writes its items with this, and the HTTP API answers with it. Empty strings,
// a zero decided_ms or settled_by and a null chosen are left out; the decoder reads an
// absent member as that default, so nothing is lost. A non-finite double (only a
// hand-built value has one) is written as null, as the codec does for field values.
boost::json::object review_item_to_json(const review_item_msg& item,
                                        const boost::json::storage_ptr& sp = {});

}  // namespace sotay::sync
