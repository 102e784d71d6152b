// user add / list / disable / enable / move / role / passwd.
//
// Passwords come only from stdin (--password-stdin): an argument would sit in the shell
// history and in every `ps` listing while the command runs.
#include <boost/json.hpp>
#include <iostream>

#include "commands.hpp"
#include "output.hpp"

namespace sotay::admin {

namespace json = boost::json;

namespace {

std::string state_of(const store::user_info& u) {
    return u.disabled ? "disabled" : "active";
}

// The user after a change: its JSON, or one line for people.
int show(const invocation& in, const store::user_info& u, const std::string& what) {
    if (in.json()) {
        print_json(user_json(u));
    } else {
        std::cout << "user " << u.username << " " << what << ": " << access::role_name(u.role)
                  << " at " << u.org_unit << ", " << state_of(u) << "\n";
    }
    return 0;
}

}  // namespace

int user_add(const invocation& in) {
    store::new_user u;
    u.username = in.required("username");
    u.role = in.role();
    u.org_unit = in.required("org");
    u.display_name = in.optional("name").value_or("");
    if (in.flag("password-stdin")) u.password = in.password_from_stdin(u.username);
    auto r = in.db().add_user(u, in.actor());
    if (!r) fail(r.error());
    return show(in, *r, r->has_password ? "added" : "added (no password: no web login yet)");
}

int user_list(const invocation& in) {
    const auto users = in.db().list_users();
    if (in.json()) {
        json::array out;
        for (const auto& u : users) out.push_back(user_json(u));
        print_json(out);
        return 0;
    }
    if (users.empty()) {
        std::cout << "no users; add one with `sotay-admin user add`\n";
        return 0;
    }
    table t({"USERNAME", "NAME", "ROLE", "ORG", "STATE", "PASSWORD", "CREATED"});
    for (const auto& u : users) {
        t.add({u.username, u.display_name, std::string(access::role_name(u.role)), u.org_unit,
               state_of(u), u.has_password ? "set" : "none", format_time(u.created_ms)});
    }
    t.print(std::cout);
    return 0;
}

int user_disable(const invocation& in) {
    auto r = in.db().set_user_disabled(in.operand(0), true, in.actor());
    if (!r) fail(r.error());
    return show(in, *r, "disabled (web sessions ended, devices disconnected)");
}

int user_enable(const invocation& in) {
    auto r = in.db().set_user_disabled(in.operand(0), false, in.actor());
    if (!r) fail(r.error());
    return show(in, *r, "enabled");
}

int user_move(const invocation& in) {
    auto r = in.db().move_user(in.operand(0), in.required("org"), in.actor());
    if (!r) fail(r.error());
    return show(in, *r, "moved");
}

int user_role(const invocation& in) {
    auto r = in.db().set_user_role(in.operand(0), in.role(), in.actor());
    if (!r) fail(r.error());
    return show(in, *r, "changed");
}

int user_passwd(const invocation& in) {
    const std::string& username = in.operand(0);
    if (!in.flag("password-stdin")) {
        throw usage_error("user passwd needs --password-stdin (the password is read from stdin)");
    }
    const auto password = in.password_from_stdin(username);
    if (auto r = in.db().set_password(username, password, in.actor()); !r) fail(r.error());
    auto u = in.db().find_user(username);
    if (!u) fail(u.error());
    return show(in, *u, "has a new password (web sessions ended)");
}

}  // namespace sotay::admin
