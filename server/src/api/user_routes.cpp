// GET/POST /api/v1/users and POST /api/v1/users/{username}/{disable,enable,move,role,password}.
// Every user and unit outside the admin's subtree is answered as missing (H2).
#include "body.hpp"
#include "handlers.hpp"
#include "json_out.hpp"
#include "response.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace sotay::server::api {

namespace json = boost::json;

namespace {

using sync::errc;
using sync::error_info;

response user_response(http::status status, const store::user_info& u) {
    json::object out;
    out["user"] = user_json(u);
    return make_json(status, out);
}

error_info no_such_unit(const std::string& code) {
    return {errc::not_found,
            "there is no org unit \"" + code.substr(0, 64) + "\" in your part of the tree",
            "org_unit"};
}

error_info bad_role(const std::string& name) {
    return {errc::validation,
            "\"" + name.substr(0, 64) + "\" is not a role; use officer, reviewer, admin or auditor",
            "role"};
}

// An admin who disables themself or drops their own role could leave nobody to undo it;
// another admin must do it.
error_info not_on_yourself(const char* what) {
    return {errc::conflict,
            std::string("you cannot ") + what + " your own account; ask another administrator",
            std::nullopt};
}

// The common shape of the user actions: read the body, find the user in scope, run the
// store change and answer with the user as changed. `change` returns the changed user or
// the error to answer with.
template <typename Change>
response change_user(api_call& call, const body_reader& body, Change&& change) {
    if (body.error()) return error_response(*body.error());
    const std::string& username = call.params.at(0);
    if (!visible_user(call, username)) return no_such_user(username);
    store::result<store::user_info> changed = change(username);
    if (!changed) return error_response(changed.error());
    return user_response(http::status::ok, *changed);
}

}  // namespace

std::optional<store::user_info> visible_user(api_call& call, const std::string& username) {
    auto u = call.ctx.db.find_user(username);
    if (!u || !call.scope.contains(u->org_unit)) return std::nullopt;
    return std::move(*u);
}

response no_such_user(const std::string& username) {
    return error_response(
        errc::not_found,
        "there is no user \"" + username.substr(0, 64) + "\" in your part of the tree", "username");
}

response list_users(api_call& call) {
    json::array users;
    for (const auto& u : call.ctx.db.list_users()) {
        if (call.scope.contains(u.org_unit)) users.emplace_back(user_json(u));
    }
    json::object out;
    out["users"] = std::move(users);
    return make_json(http::status::ok, out);
}

response add_user(api_call& call) {
    body_reader body(call.req.body(), {"username", "display_name", "role", "org_unit", "password"});
    store::new_user u;
    u.username = body.string("username");
    u.display_name = body.string("display_name");
    const std::string role = body.string("role");
    u.org_unit = body.string("org_unit");
    u.password = body.optional_string("password").value_or("");
    if (body.error()) return error_response(*body.error());

    const auto r = access::parse_role(role);
    if (!r) return error_response(bad_role(role));
    u.role = *r;
    if (!call.scope.contains(u.org_unit)) return error_response(no_such_unit(u.org_unit));
    auto added = call.ctx.db.add_user(u, call.actor());
    if (!added) return error_response(added.error());
    return user_response(http::status::created, *added);
}

response disable_user(api_call& call) {
    body_reader body(call.req.body(), {});
    return change_user(call, body,
                       [&](const std::string& username) -> store::result<store::user_info> {
                           if (username == call.user->username) return not_on_yourself("disable");
                           return call.ctx.db.set_user_disabled(username, true, call.actor());
                       });
}

response enable_user(api_call& call) {
    body_reader body(call.req.body(), {});
    return change_user(call, body, [&](const std::string& username) {
        return call.ctx.db.set_user_disabled(username, false, call.actor());
    });
}

response move_user(api_call& call) {
    body_reader body(call.req.body(), {"org_unit"});
    const std::string org_unit = body.string("org_unit");
    return change_user(call, body,
                       [&](const std::string& username) -> store::result<store::user_info> {
                           if (!call.scope.contains(org_unit)) return no_such_unit(org_unit);
                           return call.ctx.db.move_user(username, org_unit, call.actor());
                       });
}

response set_user_role(api_call& call) {
    body_reader body(call.req.body(), {"role"});
    const std::string role = body.string("role");
    return change_user(call, body,
                       [&](const std::string& username) -> store::result<store::user_info> {
                           const auto r = access::parse_role(role);
                           if (!r) return bad_role(role);
                           if (username == call.user->username)
                               return not_on_yourself("change the role of");
                           return call.ctx.db.set_user_role(username, *r, call.actor());
                       });
}

response set_user_password(api_call& call) {
    body_reader body(call.req.body(), {"password"});
    const std::string password = body.string("password");
    return change_user(call, body,
                       [&](const std::string& username) -> store::result<store::user_info> {
                           auto set = call.ctx.db.set_password(username, password, call.actor());
                           if (!set) return set.error();
                           return call.ctx.db.find_user(username);
                       });
}

}  // namespace sotay::server::api
