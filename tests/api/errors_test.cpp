// H3 and H4: bad requests get a clear code and sentence, with the member at fault named.
#include "api_fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace sotay::api_test {
namespace {

using access::role;

struct signed_in : api_fixture {
    signed_in() {
        add_user("boss", role::admin, "LS");
        add_user("off_p1", role::officer, "LS.TP.P1");
        cookie = session_of("boss");
    }
    std::string cookie;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(errors)

BOOST_FIXTURE_TEST_CASE(bad_json_is_bad_message, signed_in) {
    for (const std::string body : {"{\"role\":", "[\"reviewer\"]", "{\"role\":\"reviewer\"} x"}) {
        const auto res = post("/api/v1/users/off_p1/role", body, cookie);
        BOOST_TEST(res.result_int() == 400, body);
        BOOST_TEST(code_of(res) == "bad_message");
        BOOST_TEST(!body_of(res).at("message").as_string().empty());
    }
}

BOOST_FIXTURE_TEST_CASE(json_nested_too_deep_or_not_utf8_is_refused, signed_in) {
    const std::string deep = "{\"role\":" + std::string(40, '[') + std::string(40, ']') + "}";
    BOOST_TEST(code_of(post("/api/v1/users/off_p1/role", deep, cookie)) == "bad_message");
    const std::string latin1 = "{\"role\":\"revi\xe9wer\"}";
    BOOST_TEST(code_of(post("/api/v1/users/off_p1/role", latin1, cookie)) == "bad_message");
}

BOOST_FIXTURE_TEST_CASE(an_unknown_member_is_named, signed_in) {
    const auto res =
        post("/api/v1/users/off_p1/role", R"({"role":"reviewer","rôle":"admin"})", cookie);
    BOOST_TEST(res.result_int() == 400);
    BOOST_TEST(code_of(res) == "bad_message");
    BOOST_TEST(body_of(res).at("field").as_string() == "rôle");
    BOOST_TEST(access::role_name(db->find_user("off_p1")->role) == "officer");
}

BOOST_FIXTURE_TEST_CASE(a_missing_or_mistyped_member_is_named, signed_in) {
    const auto missing = post("/api/v1/users/off_p1/move", "{}", cookie);
    BOOST_TEST(missing.result_int() == 400);
    BOOST_TEST(body_of(missing).at("field").as_string() == "org_unit");
    const auto mistyped = post("/api/v1/users/off_p1/move", R"({"org_unit":7})", cookie);
    BOOST_TEST(mistyped.result_int() == 400);
    BOOST_TEST(body_of(mistyped).at("field").as_string() == "org_unit");
}

BOOST_FIXTURE_TEST_CASE(a_bad_role_name_is_a_validation_error, signed_in) {
    const auto res = post("/api/v1/users/off_p1/role", R"({"role":"king"})", cookie);
    BOOST_TEST(res.result_int() == 400);
    BOOST_TEST(code_of(res) == "validation");
    BOOST_TEST(body_of(res).at("field").as_string() == "role");
}

BOOST_FIXTURE_TEST_CASE(a_post_without_json_content_type_is_415, signed_in) {
    for (const std::string type : {"text/plain", "application/x-www-form-urlencoded", ""}) {
        const auto res = post("/api/v1/users/off_p1/role", R"({"role":"reviewer"})", cookie, type);
        BOOST_TEST(res.result_int() == 415, type);
        BOOST_TEST(code_of(res) == "bad_message");
    }
    // Parameters and case do not matter.
    BOOST_TEST(post("/api/v1/users/off_p1/role", R"({"role":"reviewer"})", cookie,
                    "Application/JSON; charset=UTF-8")
                   .result_int() == 200);
}

BOOST_FIXTURE_TEST_CASE(a_post_without_a_session_is_401, signed_in) {
    const auto res = post("/api/v1/users/off_p1/role", R"({"role":"reviewer"})");
    BOOST_TEST(res.result_int() == 401);
    BOOST_TEST(code_of(res) == "auth_failed");
    BOOST_TEST(get("/api/v1/users", "sotay_session=" + std::string(64, 'f')).result_int() == 401);
}

BOOST_FIXTURE_TEST_CASE(an_unknown_path_is_404, signed_in) {
    for (const std::string target :
         {"/api/v1/nothing", "/api/v2/me", "/api/v1/users/off_p1", "/api/v1/me/", "/api/"}) {
        const auto res = get(target, cookie);
        BOOST_TEST(res.result_int() == 404, target);
        BOOST_TEST(code_of(res) == "not_found");
    }
}

BOOST_FIXTURE_TEST_CASE(a_wrong_method_is_405_with_allow, signed_in) {
    const auto login = get("/api/v1/login");
    BOOST_TEST(login.result_int() == 405);
    BOOST_TEST(login[http::field::allow] == "POST");
    request del{http::verb::delete_, "/api/v1/users", 11};
    const auto users = send(del);
    BOOST_TEST(users.result_int() == 405);
    BOOST_TEST(users[http::field::allow] == "GET, POST");
    BOOST_TEST(code_of(users) == "bad_message");
}

BOOST_FIXTURE_TEST_CASE(a_cross_site_post_is_403, signed_in) {
    auto with_origin = [&](const std::string& origin) {
        request req{http::verb::post, "/api/v1/users/off_p1/role", 11};
        req.set(http::field::host, "sotay.example");
        req.set(http::field::origin, origin);
        req.set(http::field::cookie, cookie);
        req.set(http::field::content_type, "application/json");
        req.body() = R"({"role":"reviewer"})";
        return send(req);
    };
    const auto evil = with_origin("https://evil.example");
    BOOST_TEST(evil.result_int() == 403);
    BOOST_TEST(code_of(evil) == "forbidden");
    BOOST_TEST(with_origin("null").result_int() == 403);
    BOOST_TEST(with_origin("https://sotay.example").result_int() == 200);
    settings.allowed_origins = {"https://admin.sotay.example"};
    BOOST_TEST(with_origin("https://admin.sotay.example").result_int() == 200);
}

BOOST_FIXTURE_TEST_CASE(path_segments_are_percent_decoded, signed_in) {
    // %5F is "_": the user is off_p1.
    const auto res = post("/api/v1/users/off%5Fp1/role", R"({"role":"reviewer"})", cookie);
    BOOST_TEST(res.result_int() == 200);
    BOOST_TEST(access::role_name(db->find_user("off_p1")->role) == "reviewer");
    // An encoded slash stays inside the segment: no such user, not another path.
    BOOST_TEST(code_of(post("/api/v1/users/off%2Fp1/role", R"({"role":"reviewer"})", cookie)) ==
               "not_found");
}

BOOST_FIXTURE_TEST_CASE(bad_query_parameters_are_named, signed_in) {
    add_user("rev", role::reviewer, "LS");
    const std::string reviewer = session_of("rev");
    for (const std::string limit : {"0", "1001", "-1", "ten", "5x", ""}) {
        const auto res = get("/api/v1/records?limit=" + limit, reviewer);
        BOOST_TEST(res.result_int() == 400, limit);
        BOOST_TEST(body_of(res).at("field").as_string() == "limit");
    }
    const auto cursor = get("/api/v1/records?cursor=abc", reviewer);
    BOOST_TEST(cursor.result_int() == 400);
    BOOST_TEST(code_of(cursor) == "bad_message");
    BOOST_TEST(body_of(cursor).at("field").as_string() == "cursor");
}

BOOST_FIXTURE_TEST_CASE(a_body_over_the_limit_is_413, signed_in) {
    const std::string big = R"({"role":")" + std::string(70 * 1024, 'a') + "\"}";
    const auto res = post("/api/v1/users/off_p1/role", big, cookie);
    BOOST_TEST(res.result_int() == 413);
    BOOST_TEST(code_of(res) == "too_large");
}

BOOST_FIXTURE_TEST_CASE(every_answer_says_no_store, signed_in) {
    BOOST_TEST(get("/api/v1/me", cookie)[http::field::cache_control] == "no-store");
    BOOST_TEST(get("/api/v1/nothing")[http::field::cache_control] == "no-store");
    BOOST_TEST(post("/api/v1/logout", "", cookie)[http::field::cache_control] == "no-store");
}

BOOST_FIXTURE_TEST_CASE(an_admin_cannot_lock_themself_out, signed_in) {
    BOOST_TEST(code_of(post("/api/v1/users/boss/disable", "", cookie)) == "conflict");
    BOOST_TEST(code_of(post("/api/v1/users/boss/role", R"({"role":"officer"})", cookie)) ==
               "conflict");
    BOOST_TEST(get("/api/v1/me", cookie).result_int() == 200);
}

BOOST_FIXTURE_TEST_CASE(me_lists_the_permissions_of_the_role, signed_in) {
    const auto me = body_of(get("/api/v1/me", session_of("off_p1"))).at("user").as_object();
    std::vector<std::string> listed;
    for (const auto& p : me.at("permissions").as_array()) listed.emplace_back(p.as_string());
    std::vector<std::string> expected;
    for (int p = 0; p < access::permission_count; ++p) {
        const auto perm = static_cast<access::permission>(p);
        if (access::allowed(role::officer, perm))
            expected.emplace_back(access::permission_name(perm));
    }
    BOOST_TEST(listed == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace sotay::api_test
