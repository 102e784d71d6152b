// H2: every endpoint, for every role, is answered allowed or 403 exactly as
// access::allowed says. The expected outcome comes from access::allowed and the
// permission each endpoint needs (docs/api.md); the role table is not written again here.
#include "api/router.hpp"
#include "api_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>

namespace sotay::api_test {
namespace {

using access::permission;
using access::role;

struct endpoint {
    http::verb method;
    std::string pattern;  // as in the route table
    std::string target;   // a concrete request to it
    std::string body;
    std::optional<permission> needs;  // nullopt: any signed-in user, or no session
    bool session = true;
    std::string content_type = "application/json";
};

// One request per endpoint that succeeds when the role is allowed. {role} in a target or
// body is replaced by the role's name so that objects created are unique per role.
std::vector<endpoint> endpoints() {
    const auto get = http::verb::get;
    const auto post = http::verb::post;
    return {
        {post, "/api/v1/login", "/api/v1/login",
         R"({"username":"with_password","password":")" + std::string(good_password) + "\"}",
         std::nullopt, false},
        {get, "/api/v1/me", "/api/v1/me", "", std::nullopt},
        {get, "/api/v1/org", "/api/v1/org", "", permission::view_org},
        {post, "/api/v1/org/import", "/api/v1/org/import",
         "code,name,parent_code,level_name\nLS.TP.P3,Phường Đông Kinh,LS.TP,Xã\n",
         permission::manage_org, true, "text/csv"},
        {get, "/api/v1/users", "/api/v1/users", "", permission::manage_users},
        {post, "/api/v1/users", "/api/v1/users",
         R"({"username":"new_{role}","display_name":"Người mới","role":"officer","org_unit":"LS.TP.P1"})",
         permission::manage_users},
        {post, "/api/v1/users/{username}/disable", "/api/v1/users/target/disable", "",
         permission::manage_users},
        {post, "/api/v1/users/{username}/enable", "/api/v1/users/target/enable", "{}",
         permission::manage_users},
        {post, "/api/v1/users/{username}/move", "/api/v1/users/target/move",
         R"({"org_unit":"LS.TP.P2"})", permission::manage_users},
        {post, "/api/v1/users/{username}/role", "/api/v1/users/target/role",
         R"({"role":"reviewer"})", permission::manage_users},
        {post, "/api/v1/users/{username}/password", "/api/v1/users/target/password",
         R"({"password":"một mật khẩu mới"})", permission::manage_users},
        {post, "/api/v1/enrollment-codes", "/api/v1/enrollment-codes", R"({"username":"target"})",
         permission::manage_devices},
        {post, "/api/v1/enroll", "/api/v1/enroll",
         R"({"code":"{code}","device_name":"máy {role}"})", std::nullopt, false},
        {get, "/api/v1/devices", "/api/v1/devices", "", permission::view_devices},
        {post, "/api/v1/devices/{device_id}/revoke", "/api/v1/devices/{device}/revoke", "",
         permission::manage_devices},
        {get, "/api/v1/quarantine", "/api/v1/quarantine?limit=10", "", permission::view_quarantine},
        {get, "/api/v1/records", "/api/v1/records?limit=10", "", permission::read_records},
        {get, "/api/v1/review/items", "/api/v1/review/items?state=open", "", permission::review},
        {get, "/api/v1/review/items/{id}", "/api/v1/review/items/{field_item}", "",
         permission::review},
        {post, "/api/v1/review/items/{id}/resolve", "/api/v1/review/items/{field_item}/resolve",
         R"({"side":0})", permission::review},
        {post, "/api/v1/review/items/{id}/merge", "/api/v1/review/items/{duplicate_item}/merge",
         R"({"survivor":"{survivor}","fields":{}})", permission::review},
        {post, "/api/v1/review/items/{id}/dismiss", "/api/v1/review/items/{other_item}/dismiss",
         R"({"reason":"đã thống nhất với hai cán bộ"})", permission::review},
        {get, "/api/v1/audit/history", "/api/v1/audit/history?limit=10", "",
         permission::read_history},
        {get, "/api/v1/audit/records/{id}/timeline", "/api/v1/audit/records/{record}/timeline", "",
         permission::read_history},
        {get, "/api/v1/audit/export", "/api/v1/audit/export?format=csv", "",
         permission::read_history},
        {get, "/api/v1/audit/head", "/api/v1/audit/head", "", permission::read_history},
        {get, "/api/v1/reports/indicators", "/api/v1/reports/indicators", "",
         permission::view_reports},
        {get, "/api/v1/reports", "/api/v1/reports?year=2022", "", permission::view_reports},
        {get, "/api/v1/openapi.json", "/api/v1/openapi.json", "", std::nullopt, false},
        // Last: it ends the session the others use.
        {post, "/api/v1/logout", "/api/v1/logout", "", std::nullopt},
    };
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
        s.replace(at, from.size(), to);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(role_matrix)

BOOST_AUTO_TEST_CASE(the_test_covers_every_route) {
    const auto list = endpoints();
    for (const auto& r : server::api::routes()) {
        const bool covered = std::any_of(list.begin(), list.end(), [&](const endpoint& e) {
            return e.method == r.method && e.pattern == r.pattern;
        });
        BOOST_TEST(covered, "route " << http::to_string(r.method) << " " << r.pattern
                                     << " is missing from the role matrix");
    }
    BOOST_TEST(list.size() == server::api::routes().size());
}

BOOST_AUTO_TEST_CASE(every_endpoint_answers_each_role_as_access_allowed_says) {
    // The schema lets the store find duplicates (natural keys) for the merge endpoint.
    api_fixture f(default_schema());
    // The head endpoint signs with the server's key.
    f.settings.audit_key = std::make_shared<const audit::signing_key>(audit::seed{7});
    f.add_user("with_password", role::officer, "LS.TP.P1", good_password);
    f.add_user("target", role::officer, "LS.TP.P1");
    // Two officers whose phones make the review items of each round.
    f.add_user("writer_a", role::officer, "LS");
    f.add_user("writer_b", role::officer, "LS");
    const auto phone_a = f.db->add_device("máy A", "writer_a");
    const auto phone_b = f.db->add_device("máy B", "writer_b");
    BOOST_REQUIRE(phone_a.has_value() && phone_b.has_value());
    const std::string a = phone_a->device_id;
    const std::string b = phone_b->device_id;

    for (int r = 0; r < access::role_count; ++r) {
        const auto the_role = static_cast<role>(r);
        const std::string name(access::role_name(the_role));
        f.add_user(name, the_role, "LS");
        const std::string cookie = f.session_of(name);
        // Fresh objects for this round: a code to enrol with, a device to revoke.
        auto code = f.db->create_enrollment_code("target", std::chrono::hours{1});
        BOOST_REQUIRE(code.has_value());
        auto device = f.db->add_device("phone of " + name, "target");
        BOOST_REQUIRE(device.has_value());
        // Open review items to decide: a field conflict, a duplicate, a delete-vs-edit.
        const made_item field_item = f.field_conflict(a, b, "LS.TP.P1");
        const made_item duplicate_item = f.duplicate(a, b, "LS.TP.P1", "CCCD-" + name);
        const made_item other_item = f.delete_edit(a, b, "LS.TP.P1");

        for (const endpoint& e : endpoints()) {
            std::string target = e.target;
            std::string body = e.body;
            for (std::string* s : {&target, &body}) {
                replace_all(*s, "{role}", name);
                replace_all(*s, "{code}", code->code);
                replace_all(*s, "{device}", device->device_id);
                replace_all(*s, "{field_item}", std::to_string(field_item.item));
                replace_all(*s, "{duplicate_item}", std::to_string(duplicate_item.item));
                replace_all(*s, "{survivor}", duplicate_item.other_record);
                replace_all(*s, "{other_item}", std::to_string(other_item.item));
                replace_all(*s, "{record}", field_item.record);
            }
            const std::string with = e.session ? cookie : "";
            const response res = e.method == http::verb::get
                                     ? f.get(target, with)
                                     : f.post(target, body, with, e.content_type);
            const bool allowed = !e.needs || access::allowed(the_role, *e.needs);
            BOOST_TEST_CONTEXT(name << " " << http::to_string(e.method) << " " << target << " -> "
                                    << res.result_int() << " " << res.body()) {
                if (allowed) {
                    BOOST_TEST(res.result_int() >= 200);
                    BOOST_TEST(res.result_int() < 300);
                } else {
                    BOOST_TEST(res.result_int() == 403);
                    BOOST_TEST(code_of(res) == "forbidden");
                }
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace sotay::api_test
