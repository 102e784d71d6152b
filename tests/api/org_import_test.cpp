// POST /api/v1/org/import: all or nothing, every wrong row with its line.
#include "api_fixture.hpp"

#include <boost/json/array.hpp>
#include <boost/test/unit_test.hpp>

#include <set>

namespace sotay::api_test {
namespace {

using access::role;
namespace json = boost::json;

struct importing : api_fixture {
    importing() {
        add_user("boss", role::admin, "LS");
        add_user("admin_tp", role::admin, "LS.TP");
    }
    response import(const std::string& csv, const std::string& user = "boss") {
        return post("/api/v1/org/import", csv, session_of(user), "text/csv; charset=utf-8");
    }
    std::set<std::string> codes() {
        std::set<std::string> out;
        for (const auto& u : db->org_tree().tree->units()) out.insert(u.code);
        return out;
    }
};

// line -> row code of each reported error.
std::multimap<std::int64_t, std::string> errors_of(const response& res) {
    std::multimap<std::int64_t, std::string> out;
    const auto body = body_of(res);
    for (const auto& e : body.at("errors").as_array()) {
        const auto& o = e.as_object();
        BOOST_TEST(!o.at("message").as_string().empty());
        out.emplace(o.at("line").as_int64(), std::string(o.at("code").as_string()));
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(org_import)

BOOST_FIXTURE_TEST_CASE(a_good_file_is_applied, importing) {
    const auto res = import(
        "code,name,parent_code,level_name\r\n"
        "LS.TP.P3,Phường Đông Kinh,LS.TP,Xã\r\n"
        "LS.TP.P3.C1,\"Chi bộ khối 1, phường Đông Kinh\",LS.TP.P3,Chi bộ\r\n"
        "LS.TP.P1,Phường Chi Lăng (mới),LS.TP,Xã\r\n"
        "LS.TP.P2,Phường Tam Thanh,LS.TP,Xã\r\n");
    BOOST_TEST(res.result_int() == 200, res.body());
    const auto body = body_of(res);
    BOOST_TEST(body.at("applied").as_bool());
    BOOST_TEST(body.at("added").as_int64() == 2);
    BOOST_TEST(body.at("updated").as_int64() == 1);
    BOOST_TEST(body.at("unchanged").as_int64() == 1);
    BOOST_TEST(body.at("version").as_int64() == 2);

    const auto org = body_of(get("/api/v1/org", session_of("boss")));
    BOOST_TEST(org.at("version").as_int64() == 2);
    BOOST_TEST(db->org_tree().tree->find("LS.TP.P3.C1")->name == "Chi bộ khối 1, phường Đông Kinh");
    BOOST_TEST(db->org_tree().tree->find("LS.TP.P1")->name == "Phường Chi Lăng (mới)");
}

BOOST_FIXTURE_TEST_CASE(a_bad_file_is_refused_with_line_numbers_and_nothing_applied, importing) {
    const auto before = codes();
    const auto res = import(
        "code,name,parent_code,level_name\n"
        "LS.TP.P3,Phường Đông Kinh,LS.TP,Xã\n"      // line 2: fine on its own
        "LS.TP.P4,Phường Hoàng Văn Thụ,LS.XX,Xã\n"  // line 3: unknown parent
        "bad code!,Xã lỗi,LS.TP,Xã\n");             // line 4: not a code
    BOOST_TEST(res.result_int() == 400);
    BOOST_TEST(code_of(res) == "validation");
    const auto errors = errors_of(res);
    BOOST_TEST(errors.count(3) == 1u);
    BOOST_TEST(errors.count(4) == 1u);
    BOOST_TEST(errors.count(2) == 0u);
    BOOST_TEST((codes() == before));
    BOOST_TEST(db->org_tree().version == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_file_with_a_wrong_header_is_refused_as_a_whole, importing) {
    const auto res = import("code,name,parent\nLS.TP.P3,Phường Đông Kinh,LS.TP\n");
    BOOST_TEST(res.result_int() == 400);
    BOOST_TEST(code_of(res) == "validation");
    BOOST_TEST(!body_of(res).at("errors").as_array().empty());
    BOOST_TEST(db->org_tree().version == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_district_admin_imports_only_under_their_district, importing) {
    const auto res = import(
        "code,name,parent_code,level_name\n"
        "LS.TP.P3,Phường Đông Kinh,LS.TP,Xã\n"     // line 2: inside, fine
        "LS.CL.X2,Xã Tân Liên,LS.CL,Xã\n"          // line 3: another district
        "LS.TP.P2,Phường Tam Thanh,LS.CL,Xã\n"     // line 4: moved out of the district
        "LS.TP,Thành phố Lạng Sơn,LS.CL,Huyện\n",  // line 5: their own unit moved
        "admin_tp");
    BOOST_TEST(res.result_int() == 400, res.body());
    const auto errors = errors_of(res);
    BOOST_TEST(errors.count(2) == 0u);
    BOOST_TEST(errors.count(3) == 1u);
    BOOST_TEST(errors.count(4) == 1u);
    BOOST_TEST(errors.count(5) == 1u);
    BOOST_TEST(db->org_tree().version == 1u);

    BOOST_TEST(
        import("code,name,parent_code,level_name\nLS.TP.P3,Phường Đông Kinh,LS.TP,Xã\n", "admin_tp")
            .result_int() == 200);
}

BOOST_FIXTURE_TEST_CASE(the_import_takes_csv_only, importing) {
    const auto res = post("/api/v1/org/import", R"({"code":"LS.TP.P3"})", session_of("boss"));
    BOOST_TEST(res.result_int() == 415);
    BOOST_TEST(code_of(res) == "bad_message");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace sotay::api_test
