// H2: whatever lies outside the caller's subtree is answered as if it did not exist.
#include "api_fixture.hpp"

#include <boost/json/array.hpp>
#include <boost/test/unit_test.hpp>

#include <set>

namespace sotay::api_test {
namespace {

using access::role;
namespace json = boost::json;

std::set<std::string> strings_of(const json::array& list, const char* member) {
    std::set<std::string> out;
    for (const auto& item : list) out.insert(std::string(item.as_object().at(member).as_string()));
    return out;
}

// Two districts with an admin of one of them and users in both.
struct two_districts : api_fixture {
    two_districts() {
        add_user("admin_tp", role::admin, "LS.TP");
        add_user("off_p1", role::officer, "LS.TP.P1");
        add_user("off_x1", role::officer, "LS.CL.X1");
        admin = session_of("admin_tp");
    }
    std::string admin;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(subtree_hiding)

BOOST_FIXTURE_TEST_CASE(a_district_admin_lists_only_users_of_the_district, two_districts) {
    const auto res = get("/api/v1/users", admin);
    BOOST_TEST(res.result_int() == 200);
    BOOST_TEST((strings_of(body_of(res).at("users").as_array(), "username") ==
                std::set<std::string>{"admin_tp", "off_p1"}));
}

BOOST_FIXTURE_TEST_CASE(a_district_admin_cannot_see_or_move_a_user_of_another_district,
                        two_districts) {
    // Another district's user is answered exactly like a user that does not exist.
    const auto other = post("/api/v1/users/off_x1/move", R"({"org_unit":"LS.TP.P1"})", admin);
    const auto ghost = post("/api/v1/users/nobody/move", R"({"org_unit":"LS.TP.P1"})", admin);
    BOOST_TEST(other.result_int() == 404);
    BOOST_TEST(ghost.result_int() == 404);
    BOOST_TEST(code_of(other) == "not_found");
    BOOST_TEST(body_of(other).at("field").as_string() == "username");
    auto other_message = std::string(body_of(other).at("message").as_string());
    auto ghost_message = std::string(body_of(ghost).at("message").as_string());
    other_message.replace(other_message.find("off_x1"), 6, "nobody");
    BOOST_TEST(other_message == ghost_message);

    BOOST_TEST(post("/api/v1/users/off_x1/disable", "", admin).result_int() == 404);
    BOOST_TEST(post("/api/v1/users/off_x1/role", R"({"role":"reviewer"})", admin).result_int() ==
               404);
    BOOST_TEST(post("/api/v1/enrollment-codes", R"({"username":"off_x1"})", admin).result_int() ==
               404);
    // Nothing changed.
    BOOST_TEST(db->find_user("off_x1")->org_unit == "LS.CL.X1");
    BOOST_TEST(!db->find_user("off_x1")->disabled);
}

BOOST_FIXTURE_TEST_CASE(a_district_admin_cannot_move_or_add_a_user_into_another_district,
                        two_districts) {
    const auto moved = post("/api/v1/users/off_p1/move", R"({"org_unit":"LS.CL.X1"})", admin);
    BOOST_TEST(moved.result_int() == 404);
    BOOST_TEST(body_of(moved).at("field").as_string() == "org_unit");
    BOOST_TEST(db->find_user("off_p1")->org_unit == "LS.TP.P1");

    const auto added = post("/api/v1/users",
                            R"({"username":"new_x1","display_name":"Người mới","role":"officer",)"
                            R"("org_unit":"LS.CL.X1"})",
                            admin);
    BOOST_TEST(added.result_int() == 404);
    BOOST_TEST(!db->find_user("new_x1").has_value());

    // Inside the district both work.
    BOOST_TEST(
        post("/api/v1/users/off_p1/move", R"({"org_unit":"LS.TP.P2"})", admin).result_int() == 200);
    BOOST_TEST(db->find_user("off_p1")->org_unit == "LS.TP.P2");
}

BOOST_FIXTURE_TEST_CASE(a_district_admin_sees_and_revokes_only_the_district_devices,
                        two_districts) {
    const auto p1 = db->add_device("máy P1", "off_p1");
    const auto x1 = db->add_device("máy X1", "off_x1");
    BOOST_REQUIRE(p1.has_value() && x1.has_value());

    const auto list = get("/api/v1/devices", admin);
    BOOST_TEST(list.result_int() == 200);
    BOOST_TEST((strings_of(body_of(list).at("devices").as_array(), "device_id") ==
                std::set<std::string>{p1->device_id}));

    const auto other = post("/api/v1/devices/" + x1->device_id + "/revoke", "", admin);
    BOOST_TEST(other.result_int() == 404);
    BOOST_TEST(db->authenticate(x1->device_id, x1->token).has_value());

    const auto own = post("/api/v1/devices/" + p1->device_id + "/revoke", "", admin);
    BOOST_TEST(own.result_int() == 200);
    BOOST_TEST(body_of(own).at("device").as_object().at("revoked").as_bool());
    const auto after = db->authenticate(p1->device_id, p1->token);
    BOOST_REQUIRE(!after.has_value());
    BOOST_TEST(after.error().code == sync::errc::device_revoked);
}

BOOST_FIXTURE_TEST_CASE(the_org_tree_shows_only_the_callers_subtree, two_districts) {
    const auto res = get("/api/v1/org", admin);
    BOOST_TEST(res.result_int() == 200);
    const auto body = body_of(res);
    BOOST_TEST(body.at("version").as_int64() == 1);
    const auto& units = body.at("units").as_array();
    BOOST_TEST(
        (strings_of(units, "code") == std::set<std::string>{"LS.TP", "LS.TP.P1", "LS.TP.P2"}));
    // The caller's own unit comes first, its parent (outside) not named.
    BOOST_TEST(units.at(0).as_object().at("code").as_string() == "LS.TP");
    BOOST_TEST(units.at(0).as_object().at("parent").is_null());
    BOOST_TEST(units.at(1).as_object().at("parent").as_string() == "LS.TP");
    BOOST_TEST(units.at(1).as_object().at("name").as_string() == "Phường Chi Lăng");
}

BOOST_FIXTURE_TEST_CASE(an_officer_reads_only_records_of_their_own_commune, api_fixture) {
    add_user("off_p1", role::officer, "LS.TP.P1");
    add_user("off_p2", role::officer, "LS.TP.P2");
    add_user("rev_tp", role::reviewer, "LS.TP");
    const auto p1 = db->add_device("máy P1", "off_p1");
    const auto p2 = db->add_device("máy P2", "off_p2");
    BOOST_REQUIRE(p1.has_value() && p2.has_value());
    std::set<std::string> own;
    std::set<std::string> all;
    for (int i = 0; i < 3; ++i) own.insert(push_petition(p1->device_id, "LS.TP.P1"));
    for (int i = 0; i < 2; ++i) all.insert(push_petition(p2->device_id, "LS.TP.P2"));
    own.insert(push_petition(p1->device_id, "LS.TP.P1"));  // after the other commune's
    all.insert(own.begin(), own.end());

    // Page by page with limit=2: every page only P1, every P1 record once.
    const std::string officer = session_of("off_p1");
    std::set<std::string> seen;
    std::string cursor;
    for (int pages = 0; pages < 10; ++pages) {
        const auto res = get("/api/v1/records?limit=2&cursor=" + cursor, officer);
        BOOST_REQUIRE(res.result_int() == 200);
        const auto body = body_of(res);
        for (const auto& r : body.at("records").as_array()) {
            BOOST_TEST(r.as_object().at("org_unit").as_string() == "LS.TP.P1");
            BOOST_TEST(seen.insert(std::string(r.as_object().at("record").as_string())).second);
        }
        cursor = std::string(body.at("next").as_string());
        if (!body.at("more").as_bool()) break;
    }
    BOOST_TEST(seen == own);

    // The district reviewer sees both communes.
    const auto district = get("/api/v1/records?limit=1000", session_of("rev_tp"));
    BOOST_TEST(strings_of(body_of(district).at("records").as_array(), "record") == all);
}

BOOST_FIXTURE_TEST_CASE(quarantine_lists_only_changes_sent_to_units_in_the_subtree, api_fixture) {
    add_user("off_p1", role::officer, "LS.TP.P1");
    add_user("rev_tp", role::reviewer, "LS.TP");
    add_user("rev_cl", role::reviewer, "LS.CL");
    const auto p1 = db->add_device("máy P1", "off_p1");
    BOOST_REQUIRE(p1.has_value());
    // An officer of P1 writing into another district: rejected, kept in quarantine.
    const std::string record = push_petition(p1->device_id, "LS.CL.X1");

    const auto tp = get("/api/v1/quarantine", session_of("rev_tp"));
    BOOST_TEST(tp.result_int() == 200);
    BOOST_TEST(body_of(tp).at("changes").as_array().empty());

    const auto cl = get("/api/v1/quarantine?limit=5", session_of("rev_cl"));
    BOOST_TEST(cl.result_int() == 200);
    const auto body = body_of(cl);
    const auto& changes = body.at("changes").as_array();
    BOOST_REQUIRE(changes.size() == 1u);
    const auto& c = changes.at(0).as_object();
    BOOST_TEST(c.at("record").as_string() == record);
    BOOST_TEST(c.at("status").as_string() == "rejected");
    BOOST_TEST(c.at("username").as_string() == "off_p1");
    BOOST_TEST(c.at("result").as_object().at("error").as_object().at("code").as_string() ==
               "out_of_scope");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace sotay::api_test
