// POST /api/v1/login and /logout, the session cookie (H1) and the login rate limit (H5).
#include "api/session.hpp"
#include "api_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <regex>

namespace sotay::api_test {
namespace {

using access::role;

std::string login_body(const std::string& username, const std::string& password) {
    return R"({"username":")" + username + R"(","password":")" + password + "\"}";
}

// "sotay_session=<token>" from a Set-Cookie value.
std::string cookie_from(const response& res) {
    const std::string set(res[http::field::set_cookie]);
    return set.substr(0, set.find(';'));
}

struct with_alice : api_fixture {
    with_alice() { add_user("alice", role::reviewer, "LS.TP", good_password); }
    response login(const std::string& password, const std::string& username = "alice") {
        return post("/api/v1/login", login_body(username, password));
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(login)

BOOST_FIXTURE_TEST_CASE(login_sets_an_http_only_strict_cookie_and_keeps_the_token_out_of_the_body,
                        with_alice) {
    const auto res = login(good_password);
    BOOST_TEST(res.result_int() == 200);
    const std::string set(res[http::field::set_cookie]);
    const std::regex expected(
        "sotay_session=([0-9a-f]{64}); HttpOnly; SameSite=Strict; Path=/; Max-Age=28800");
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_match(set, m, expected), set);
    BOOST_TEST(res.body().find(m[1].str()) == std::string::npos);
    BOOST_TEST(res[http::field::cache_control] == "no-store");

    const auto user = body_of(res).at("user").as_object();
    BOOST_TEST(user.at("username").as_string() == "alice");
    BOOST_TEST(user.at("role").as_string() == "reviewer");
    BOOST_TEST(user.at("org_unit").as_string() == "LS.TP");

    // The cookie is the session.
    const auto me = get("/api/v1/me", cookie_from(res));
    BOOST_TEST(me.result_int() == 200);
    BOOST_TEST(body_of(me).at("user").as_object().at("username").as_string() == "alice");
}

BOOST_FIXTURE_TEST_CASE(the_cookie_is_secure_only_when_the_server_speaks_tls, with_alice) {
    BOOST_TEST(std::string(login(good_password)[http::field::set_cookie]).find("Secure") ==
               std::string::npos);
    settings.tls = true;
    const std::string set(login(good_password)[http::field::set_cookie]);
    BOOST_TEST(set.ends_with("; Secure"), set);
}

BOOST_FIXTURE_TEST_CASE(logout_ends_the_session_and_clears_the_cookie, with_alice) {
    const std::string cookie = cookie_from(login(good_password));
    const auto out = post("/api/v1/logout", "", cookie);
    BOOST_TEST(out.result_int() == 204);
    BOOST_TEST(std::string(out[http::field::set_cookie]) ==
               "sotay_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    const auto me = get("/api/v1/me", cookie);
    BOOST_TEST(me.result_int() == 401);
    BOOST_TEST(code_of(me) == "auth_failed");
}

BOOST_FIXTURE_TEST_CASE(a_disabled_users_cookie_stops_working, with_alice) {
    add_user("boss", role::admin, "LS");
    const std::string cookie = cookie_from(login(good_password));
    BOOST_TEST(get("/api/v1/me", cookie).result_int() == 200);
    BOOST_TEST(post("/api/v1/users/alice/disable", "{}", session_of("boss")).result_int() == 200);
    BOOST_TEST(get("/api/v1/me", cookie).result_int() == 401);
    // Nor can the user sign in again.
    BOOST_TEST(login(good_password).result_int() == 401);
}

BOOST_FIXTURE_TEST_CASE(a_wrong_password_and_an_unknown_user_get_the_same_answer, with_alice) {
    const auto wrong = login("not the password");
    const auto unknown = login(good_password, "bob");
    BOOST_TEST(wrong.result_int() == 401);
    BOOST_TEST(unknown.result_int() == 401);
    BOOST_TEST(code_of(wrong) == "auth_failed");
    BOOST_TEST(wrong.body() == unknown.body());
    BOOST_TEST(wrong.count(http::field::set_cookie) == 0u);
}

BOOST_FIXTURE_TEST_CASE(five_failures_for_a_username_bring_429_with_retry_after, with_alice) {
    // From five different addresses: the username's own count trips.
    for (int i = 0; i < 5; ++i) {
        remote = "198.51.100." + std::to_string(i) + ":5000";
        BOOST_TEST(login("wrong password " + std::to_string(i)).result_int() == 401);
    }
    remote = "203.0.113.7:6000";
    const auto limited = login(good_password);  // even the right password waits
    BOOST_TEST(limited.result_int() == 429);
    BOOST_TEST(code_of(limited) == "rate_limited");
    const std::string retry(limited[http::field::retry_after]);
    BOOST_TEST_REQUIRE(!retry.empty());
    BOOST_TEST(std::stoi(retry) > 0);
    BOOST_TEST(std::stoi(retry) <= 300);
}

BOOST_FIXTURE_TEST_CASE(five_failures_from_one_address_bring_429_across_usernames, with_alice) {
    for (int i = 0; i < 5; ++i) {
        remote = "192.0.2.10:" + std::to_string(40000 + i);  // the port does not matter
        BOOST_TEST(login(good_password, "guess" + std::to_string(i)).result_int() == 401);
    }
    BOOST_TEST(login(good_password).result_int() == 429);
    remote = "192.0.2.11:40000";  // another address is not slowed down
    BOOST_TEST(login(good_password).result_int() == 200);
}

BOOST_FIXTURE_TEST_CASE(successful_logins_are_not_counted, with_alice) {
    for (int i = 0; i < 3; ++i) BOOST_TEST(login(good_password).result_int() == 200);
    for (int i = 0; i < 4; ++i) BOOST_TEST(login("wrong").result_int() == 401);
    for (int i = 0; i < 3; ++i) BOOST_TEST(login(good_password).result_int() == 200);
    // Four failures so far: the fifth is answered, then the limit holds.
    BOOST_TEST(login("wrong").result_int() == 401);
    BOOST_TEST(login(good_password).result_int() == 429);
}

BOOST_AUTO_TEST_CASE(the_session_cookie_is_found_among_other_cookies) {
    request req{http::verb::get, "/api/v1/me", 11};
    req.insert(http::field::cookie, "theme=dark;sotay_session=aaa ; lang=vi");
    req.insert(http::field::cookie, "other=1; sotay_session=\"bbb\"; Sotay_Session=ccc");
    const auto found = server::api::session_cookies(req);
    BOOST_TEST(found.size() == 2u);
    BOOST_TEST(found.at(0) == "aaa");
    BOOST_TEST(found.at(1) == "bbb");
}

BOOST_FIXTURE_TEST_CASE(a_stale_cookie_before_the_valid_one_does_not_lock_the_user_out,
                        with_alice) {
    const std::string cookie = session_of("alice");
    const auto me = get("/api/v1/me", "theme=dark; sotay_session=" + std::string(64, '0') + "; " +
                                          cookie + "; lang=vi");
    BOOST_TEST(me.result_int() == 200);
}

BOOST_AUTO_TEST_CASE(the_rate_limit_key_is_the_address_without_the_port) {
    BOOST_TEST(server::api::peer_address("192.0.2.1:443") == "192.0.2.1");
    BOOST_TEST(server::api::peer_address("[2001:db8::1]:443") == "2001:db8::1");
    BOOST_TEST(server::api::peer_address("2001:db8::1") == "2001:db8::1");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace sotay::api_test
