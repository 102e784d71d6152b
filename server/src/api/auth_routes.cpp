// POST /api/v1/login, POST /api/v1/logout and GET /api/v1/me.
#include "body.hpp"
#include "handlers.hpp"
#include "json_out.hpp"
#include "response.hpp"
#include "session.hpp"

#include <boost/json/object.hpp>

#include <algorithm>

namespace sotay::server::api {

namespace json = boost::json;

namespace {

// One sentence for every failure (H5): a caller cannot tell an unknown username from a
// wrong password or a disabled account.
constexpr std::string_view login_failed = "wrong username or password";

// Usernames are at most 64 bytes (store.hpp); a longer one cannot exist, and bounding
// it keeps the rate limiter's keys small.
constexpr std::size_t max_username = 64;

}  // namespace

response login(api_call& call) {
    body_reader body(call.req.body(), {"username", "password"});
    const std::string username = body.string("username");
    const std::string password = body.string("password");
    if (body.error()) return error_response(*body.error());

    // H5: both the account and the address, so neither guessing many passwords for one
    // user nor one password across many users goes fast. Checked before the password,
    // so an attacker over the limit learns nothing more.
    const std::string user_key = "login:" + username.substr(0, max_username);
    const std::string address_key = "ip:" + call.address;
    auto& limiter = call.ctx.login_limiter;
    const auto wait = std::max(limiter.retry_after(user_key), limiter.retry_after(address_key));
    if (wait.count() > 0) return too_many_attempts(wait);

    // The name as typed: a failure against an unknown user is recorded too (H1).
    const store::actor attempt{username.substr(0, max_username), "api", call.address};
    auto user = call.ctx.db.check_password(username, password, attempt);
    if (!user) {
        limiter.record_failure(user_key);
        limiter.record_failure(address_key);
        return error_response(sync::errc::auth_failed, std::string(login_failed));
    }
    // Only the account's count is forgiven: one good password must not wipe an
    // address's record of guessing at other accounts.
    limiter.reset(user_key);

    auto session = call.ctx.db.create_web_session(user->id, call.ctx.settings.session_ttl,
                                                  {user->username, "api", call.address});
    if (!session) return error_response(session.error());
    json::object out;
    out["user"] = me_json(session->user);
    auto res = make_json(http::status::ok, out);
    res.set(http::field::set_cookie,
            session_cookie(session->token, call.ctx.settings.session_ttl, call.ctx.settings.tls));
    return res;
}

response logout(api_call& call) {
    body_reader body(call.req.body(), {});
    if (body.error()) return error_response(*body.error());
    call.ctx.db.end_web_session(call.session_token, call.actor());
    auto res = no_content();
    res.set(http::field::set_cookie, expired_session_cookie(call.ctx.settings.tls));
    return res;
}

response me(api_call& call) {
    json::object out;
    out["user"] = me_json(*call.user);
    return make_json(http::status::ok, out);
}

}  // namespace sotay::server::api
