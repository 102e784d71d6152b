// POST /api/v1/enrollment-codes and POST /api/v1/enroll: a phone's first contact.
#include "api_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>

namespace sotay::api_test {
namespace {

using access::role;

struct enrolment : api_fixture {
    enrolment() {
        add_user("admin_tp", role::admin, "LS.TP");
        add_user("off_p1", role::officer, "LS.TP.P1");
        admin = session_of("admin_tp");
    }
    // A code for off_p1 made through the API, as an administrator would.
    std::string new_code() {
        const auto res = post("/api/v1/enrollment-codes", R"({"username":"off_p1"})", admin);
        BOOST_REQUIRE_EQUAL(res.result_int(), 201);
        const auto body = body_of(res);
        BOOST_TEST(body.at("username").as_string() == "off_p1");
        BOOST_TEST(body.at("expires_ms").as_int64() ==
                   start_ms + 1000 * settings.enrollment_ttl.count());
        return std::string(body.at("code").as_string());
    }
    response enroll(const std::string& code, const std::string& name = "Điện thoại chị Lan") {
        return post("/api/v1/enroll",
                    R"({"code":")" + code + R"(","device_name":")" + name + "\"}");
    }
    std::string admin;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(enrollment)

BOOST_FIXTURE_TEST_CASE(a_code_gives_a_device_that_the_store_authenticates, enrolment) {
    const auto res = enroll(new_code());
    BOOST_TEST(res.result_int() == 201);
    const auto body = body_of(res);
    BOOST_TEST(body.at("sync_path").as_string() == "/sync");
    const auto& user = body.at("user").as_object();
    BOOST_TEST(user.at("username").as_string() == "off_p1");
    BOOST_TEST(user.at("role").as_string() == "officer");
    BOOST_TEST(user.at("org_unit").as_string() == "LS.TP.P1");
    BOOST_TEST(user.size() == 4u);

    const std::string device_id(body.at("device_id").as_string());
    const auto device = db->authenticate(device_id, std::string(body.at("token").as_string()));
    BOOST_REQUIRE(device.has_value());
    BOOST_TEST(device->username == "off_p1");
    BOOST_TEST(device->name == "Điện thoại chị Lan");
}

BOOST_FIXTURE_TEST_CASE(a_code_typed_loosely_still_works, enrolment) {
    std::string code = new_code();
    // As read out over the phone: lower case, no dash.
    code.erase(std::remove(code.begin(), code.end(), '-'), code.end());
    std::transform(code.begin(), code.end(), code.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    BOOST_TEST(enroll(code).result_int() == 201);
}

BOOST_FIXTURE_TEST_CASE(a_code_works_once, enrolment) {
    const std::string code = new_code();
    BOOST_TEST(enroll(code).result_int() == 201);
    const auto again = enroll(code);
    BOOST_TEST(again.result_int() == 401);
    BOOST_TEST(code_of(again) == "auth_failed");
    BOOST_TEST(db->list_devices().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(an_expired_code_is_refused, enrolment) {
    const std::string code = new_code();
    now_ms += 1000 * settings.enrollment_ttl.count() + 1;
    const auto res = enroll(code);
    BOOST_TEST(res.result_int() == 401);
    BOOST_TEST(code_of(res) == "auth_failed");
    BOOST_TEST(db->list_devices().empty());
}

BOOST_FIXTURE_TEST_CASE(an_unknown_code_is_refused, enrolment) {
    const auto res = enroll("ABCDE-FGHJK");
    BOOST_TEST(res.result_int() == 401);
    BOOST_TEST(code_of(res) == "auth_failed");
}

BOOST_FIXTURE_TEST_CASE(the_device_name_must_be_1_to_100_bytes, enrolment) {
    const std::string code = new_code();
    for (const std::string& name : {std::string(), std::string(101, 'x'), std::string("a\\tb")}) {
        const auto res = enroll(code, name);
        BOOST_TEST(res.result_int() == 400, name);
        BOOST_TEST(code_of(res) == "validation");
        BOOST_TEST(body_of(res).at("field").as_string() == "device_name");
    }
    // 100 bytes of Vietnamese (2 bytes per "ư") is fine; the code was not used up above.
    std::string longest;
    for (int i = 0; i < 50; ++i) longest += "ư";
    BOOST_TEST(enroll(code, longest).result_int() == 201);
}

BOOST_FIXTURE_TEST_CASE(guessing_codes_from_one_address_brings_429, enrolment) {
    for (int i = 0; i < 5; ++i)
        BOOST_TEST(enroll("ABCDE-FGHJ" + std::to_string(i)).result_int() == 401);
    const auto limited = enroll(new_code());
    BOOST_TEST(limited.result_int() == 429);
    BOOST_TEST(code_of(limited) == "rate_limited");
    BOOST_TEST(std::stoi(std::string(limited[http::field::retry_after])) > 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace sotay::api_test
