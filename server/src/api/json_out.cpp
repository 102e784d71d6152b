#include "json_out.hpp"

#include <sotay/sync/json_values.hpp>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>


namespace sotay::server::api {

namespace json = boost::json;

namespace {

// The log keeps the change and its answer as JSON text; a row that does not parse (it
// never should) is shown as null rather than failing the whole list.
json::value stored_json(const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    return ec ? json::value(nullptr) : v;
}

}  // namespace

json::object user_summary_json(const store::user_info& u) {
    json::object o;
    o["username"] = u.username;
    o["display_name"] = u.display_name;
    o["role"] = access::role_name(u.role);
    o["org_unit"] = u.org_unit;
    return o;
}

json::object user_json(const store::user_info& u) {
    json::object o = user_summary_json(u);
    o["disabled"] = u.disabled;
    o["has_password"] = u.has_password;
    o["created_ms"] = u.created_ms;
    return o;
}

json::object me_json(const store::user_info& u) {
    json::object o = user_json(u);
    json::array permissions;
    for (int p = 0; p < access::permission_count; ++p) {
        const auto perm = static_cast<access::permission>(p);
        if (access::allowed(u.role, perm)) permissions.emplace_back(access::permission_name(perm));
    }
    o["permissions"] = std::move(permissions);
    return o;
}

json::object device_json(const store::device_info& d) {
    json::object o;
    o["device_id"] = d.device_id;
    o["name"] = d.name;
    o["username"] = d.username;
    o["role"] = access::role_name(d.role);
    o["org_unit"] = d.org_unit;
    o["revoked"] = d.revoked;
    o["last_seen_ms"] = d.last_seen_ms;
    o["last_seq"] = d.last_seq;
    o["pulled_seq"] = d.pulled_seq;
    o["pending_pull"] = d.pending_pull;
    o["rejected"] = d.rejected;
    o["created_ms"] = d.created_ms;
    return o;
}

json::object unit_json(const access::org_unit& u, bool top) {
    json::object o;
    o["code"] = u.code;
    o["name"] = u.name;
    // The parent of the caller's own unit lies outside what they may see (H2).
    if (top || u.parent.empty()) {
        o["parent"] = nullptr;
    } else {
        o["parent"] = u.parent;
    }
    o["level"] = u.level;
    return o;
}

json::object record_json(const sync::record_msg& r) {
    json::object o;
    o["record"] = r.record;
    o["type"] = r.type;
    o["org_unit"] = r.org_unit;
    o["version"] = r.version;
    o["deleted"] = r.deleted;
    o["fields"] = sync::fields_to_json(r.fields);
    return o;
}

json::object change_json(const store::logged_change& c) {
    json::object o;
    o["device_id"] = c.device_id;
    o["seq"] = c.seq;
    o["username"] = c.username;
    o["record"] = c.record;
    o["type"] = c.type;
    o["org_unit"] = c.org_unit;
    o["device_hlc"] = c.device_hlc;
    o["effective_hlc"] = c.effective_hlc;
    o["base"] = c.base;
    o["received_ms"] = c.received_ms;
    o["status"] = c.status;
    o["change"] = stored_json(c.body_json);
    o["result"] = stored_json(c.result_json);
    return o;
}

}  // namespace sotay::server::api
