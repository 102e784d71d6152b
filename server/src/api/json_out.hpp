// The JSON shapes of the API's objects (docs/openapi.json, components.schemas). One
// function per shape so every endpoint that returns a user returns the same user.
#pragma once

#include <sotay/access/org_tree.hpp>
#include <sotay/store/store.hpp>
#include <sotay/sync/messages.hpp>

#include <boost/json/object.hpp>

namespace sotay::server::api {

// User: username, display_name, role, org_unit, disabled, has_password, created_ms.
boost::json::object user_json(const store::user_info& u);
// Me: a User plus permissions, the names of what the role allows (access::allowed).
boost::json::object me_json(const store::user_info& u);
// The four members a phone needs at enrollment: username, display_name, role, org_unit.
boost::json::object user_summary_json(const store::user_info& u);

// Device: device_id, name, username, role, org_unit, revoked, last_seen_ms, last_seq,
// pulled_seq, pending_pull, rejected, created_ms.
boost::json::object device_json(const store::device_info& d);

// OrgUnit: code, name, parent (null for the top of the caller's subtree), level.
boost::json::object unit_json(const access::org_unit& u, bool top);

// Record: record, type, org_unit, version, deleted, fields (the sync protocol's layout).
boost::json::object record_json(const sync::record_msg& r);

// QuarantinedChange: the logged change with its body and answer as JSON objects.
boost::json::object change_json(const store::logged_change& c);

}  // namespace sotay::server::api
