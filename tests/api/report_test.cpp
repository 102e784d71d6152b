// Reports over HTTP (docs/reports.md, docs/api.md "Reports"): the indicator catalogue,
// figures of a subtree checked against numbers worked out by hand, scope (api.hpp H2),
// the CSV download, the indicator filter, freshness, and every bad parameter (H3).
#include <boost/json/array.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "api_fixture.hpp"

namespace sotay::api_test {
namespace {

using access::role;
namespace json = boost::json;

constexpr std::int64_t day = 24LL * 3600 * 1000;

std::string text(const json::value& v) {
    return std::string(v.as_string());
}

std::string field_of(const response& res) {
    const auto body = body_of(res);
    const json::value* f = body.if_contains("field");
    return f != nullptr && f->is_string() ? text(*f) : "";
}

std::int64_t wall_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The district (city) LS.TP with its two communes, as officers' phones would write it in
// 2022, plus records that must not count: another year, a deleted one, a dialogue (not a
// reception), and another district's. Worked out by hand for root LS.TP, year 2022:
//
//   petitions      received  within_authority  resolved  rate
//     LS.TP.P1         3            2              1      50.0
//     LS.TP.P2         3            1              1     100.0
//     LS.TP (direct)   1            1              0       0.0
//     total            7            4              2      50.0
//   citizen_reception people: P1 30, P2 12, total 42
//   models registered: P1 0, P2 1; completed: P1 1 (registered in 2021), P2 1;
//          value: P2 719690000 đồng (P1's model was registered in 2021)
//
// Devices of users in LS.TP: the writer's (never said hello), canbo.p1's (hello 30 days
// ago), canbo.p2's (never); canbo.p2's second phone is revoked and does not count.
struct report_fixture : api_fixture {
    report_fixture() : api_fixture(default_schema()) {
        add_user("writer_tp", role::officer, "LS.TP");
        add_user("writer_cl", role::officer, "LS.CL");
        add_user("canbo.p1", role::officer, "LS.TP.P1");
        add_user("canbo.p2", role::officer, "LS.TP.P2");
        add_user("kiemtra.tp", role::reviewer, "LS.TP");
        add_user("thanhtra", role::auditor, "LS");
        add_user("quantri", role::admin, "LS");
        const std::string tp = phone("writer_tp");
        const std::string cl = phone("writer_cl");
        const std::string p1 = phone("canbo.p1");
        phone("canbo.p2");
        const std::string lost = phone("canbo.p2");
        BOOST_REQUIRE(db->revoke_device(lost).has_value());
        synced_ms = wall_now_ms() - 30 * day;
        store::write_batch hello;
        hello.hellos.push_back({p1, synced_ms, synced_ms});
        BOOST_REQUIRE(db->write(hello).has_value());

        // Petitions.
        add(tp, "petition", "LS.TP.P1", petition("complaint", true, "resolved", "2022-03-04"));
        add(tp, "petition", "LS.TP.P1", petition("denunciation", true, "processing", "2022-05-10"));
        add(tp, "petition", "LS.TP.P1",
            {{"kind", sync::value{"feedback"}},
             {"status", sync::value{"received"}},
             {"received_on", sync::value{"2022-06-01"}}});
        add(tp, "petition", "LS.TP.P1", petition("complaint", true, "resolved", "2021-12-31"));
        const std::string gone =
            add(tp, "petition", "LS.TP.P1", petition("complaint", true, "resolved", "2022-04-04"));
        push(tp, {change(tp, gone, "LS.TP.P1", 1, {}, true)});
        add(tp, "petition", "LS.TP.P2", petition("complaint", true, "resolved", "2022-02-02"));
        add(tp, "petition", "LS.TP.P2", petition("complaint", false, "resolved", "2022-07-07"));
        add(tp, "petition", "LS.TP.P2",
            {{"kind", sync::value{"petition"}},
             {"status", sync::value{"received"}},
             {"received_on", sync::value{"2022-12-31"}}});
        add(tp, "petition", "LS.TP", petition("complaint", true, "received", "2022-08-08"));
        add(cl, "petition", "LS.CL.X1", petition("complaint", true, "resolved", "2022-03-04"));

        // Citizen contacts: receptions count their people, dialogues do not.
        add(tp, "citizen_contact", "LS.TP.P1", contact("reception", "2022-04-01", 30));
        add(tp, "citizen_contact", "LS.TP.P1", contact("dialogue", "2022-04-02", 100));
        add(tp, "citizen_contact", "LS.TP.P2", contact("reception", "2022-09-09", 12));
        add(tp, "citizen_contact", "LS.TP.P2",
            {{"kind", sync::value{"reception"}}, {"held_on", sync::value{"2022-10-10"}}});

        // Models: completed in 2022 counts even when registered earlier.
        add(tp, "model_work", "LS.TP.P1",
            {{"name", sync::value{"Đường bê tông thôn Nà Chuông"}},
             {"registered_on", sync::value{"2021-05-05"}},
             {"status", sync::value{"completed"}},
             {"completed_on", sync::value{"2022-03-03"}},
             {"value_vnd", sync::value{std::int64_t{5'000'000}}}});
        add(tp, "model_work", "LS.TP.P2",
            {{"name", sync::value{"Nhà văn hoá khối 3"}},
             {"registered_on", sync::value{"2022-01-15"}},
             {"status", sync::value{"completed"}},
             {"completed_on", sync::value{"2022-11-01"}},
             {"value_vnd", sync::value{std::int64_t{719'690'000}}}});
    }

    std::string phone(const std::string& username) {
        auto d = db->add_device("máy của " + username, username);
        BOOST_REQUIRE(d.has_value());
        return d->device_id;
    }

    static sync::field_map petition(const char* kind, bool within, const char* status,
                                    const char* received_on) {
        return {{"kind", sync::value{kind}},
                {"within_authority", sync::value{within}},
                {"status", sync::value{status}},
                {"received_on", sync::value{received_on}}};
    }

    static sync::field_map contact(const char* kind, const char* held_on, std::int64_t people) {
        return {{"kind", sync::value{kind}},
                {"held_on", sync::value{held_on}},
                {"people_count", sync::value{people}}};
    }

    // Creates a record of any type through the store's write path; returns its id.
    std::string add(const std::string& device, const std::string& type, const std::string& org_unit,
                    sync::field_map fields) {
        const std::string id = new_record_id();
        auto c = change(device, id, org_unit, 0, std::move(fields));
        c.type = type;
        push(device, {std::move(c)});
        return id;
    }

    json::object report_as(const std::string& username, const std::string& query) {
        const auto res = get("/api/v1/reports?" + query, session_of(username));
        BOOST_TEST_REQUIRE(res.result_int() == 200, res.body());
        return body_of(res);
    }

    std::int64_t synced_ms = 0;
};

const json::object& indicator_of(const json::object& report, const std::string& id) {
    for (const auto& ind : report.at("indicators").as_array()) {
        if (ind.as_object().at("id").as_string() == id) return ind.as_object();
    }
    BOOST_FAIL("no indicator " << id);
    throw std::logic_error("unreachable");
}

const json::object& line_of(const json::object& report, const std::string& indicator,
                            const std::string& line) {
    for (const auto& l : indicator_of(report, indicator).at("lines").as_array()) {
        if (l.as_object().at("id").as_string() == line) return l.as_object();
    }
    BOOST_FAIL("no line " << indicator << "." << line);
    throw std::logic_error("unreachable");
}

std::int64_t value_of(const json::object& figure) {
    return figure.at("value").to_number<std::int64_t>();
}

// A measure line's values by part: "total", the children's codes, "direct".
std::map<std::string, std::int64_t> values_of(const json::object& line) {
    std::map<std::string, std::int64_t> out{{"total", value_of(line.at("total").as_object())}};
    for (const auto& p : line.at("breakdown").as_array()) {
        const auto& part = p.as_object();
        out[part.at("direct").as_bool() ? "direct" : text(part.at("org_unit"))] = value_of(part);
    }
    return out;
}

// A ratio line as "numerator/denominator percent" by part.
std::map<std::string, std::string> ratios_of(const json::object& line) {
    const auto ratio = [](const json::object& f) {
        const auto& pct = f.at("percent");
        return std::to_string(f.at("numerator").to_number<std::int64_t>()) + "/" +
               std::to_string(f.at("denominator").to_number<std::int64_t>()) + " " +
               (pct.is_null() ? std::string("null") : text(pct));
    };
    std::map<std::string, std::string> out{{"total", ratio(line.at("total").as_object())}};
    for (const auto& p : line.at("breakdown").as_array()) {
        const auto& part = p.as_object();
        out[part.at("direct").as_bool() ? "direct" : text(part.at("org_unit"))] = ratio(part);
    }
    return out;
}

std::vector<std::string> ids_of(const json::object& report) {
    std::vector<std::string> out;
    for (const auto& ind : report.at("indicators").as_array()) {
        out.push_back(text(ind.as_object().at("id")));
    }
    return out;
}

std::vector<std::string> lines_of_text(const std::string& body) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < body.size()) {
        const auto end = body.find("\r\n", at);
        BOOST_TEST_REQUIRE(end != std::string::npos, "a line without CRLF at " << at);
        out.push_back(body.substr(at, end - at));
        at = end + 2;
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reports_api)

BOOST_FIXTURE_TEST_CASE(the_catalogue_lists_every_shipped_indicator_with_its_lines, api_fixture) {
    add_user("canbo", role::officer, "LS.TP.P1");
    const auto res = get("/api/v1/reports/indicators", session_of("canbo"));
    BOOST_TEST_REQUIRE(res.result_int() == 200, res.body());
    const auto body = body_of(res);
    const auto& defs = *default_indicators();
    BOOST_TEST(body.at("version").to_number<int>() == defs.version);
    const auto& listed = body.at("indicators").as_array();
    BOOST_TEST_REQUIRE(listed.size() == defs.indicators.size());
    for (std::size_t i = 0; i < listed.size(); ++i) {
        const auto& ind = listed[i].as_object();
        const auto& def = defs.indicators[i];
        BOOST_TEST(text(ind.at("id")) == def.id);
        BOOST_TEST(text(ind.at("label").at("vi")) == def.name.vi);
        BOOST_TEST(text(ind.at("label").at("en")) == def.name.en);
        const auto& lines = ind.at("lines").as_array();
        BOOST_TEST_REQUIRE(lines.size() == def.lines.size());
        for (std::size_t j = 0; j < lines.size(); ++j) {
            BOOST_TEST(text(lines[j].at("id")) == def.lines[j].id);
            BOOST_TEST(!text(lines[j].at("label").at("vi")).empty());
        }
    }
    // The units a form formats by.
    std::map<std::string, std::string> units;
    for (const auto& ind : listed) {
        for (const auto& l : ind.at("lines").as_array()) {
            units[text(ind.at("id")) + "." + text(l.at("id"))] = text(l.at("unit"));
        }
    }
    BOOST_TEST(units.at("petitions.received") == "count");
    BOOST_TEST(units.at("petitions.rate") == "percent");
    BOOST_TEST(units.at("models.value") == "money");
    BOOST_TEST(units.at("commitment_registration.rate") == "percent");
}

BOOST_FIXTURE_TEST_CASE(officers_reviewers_and_auditors_read_reports_admins_do_not, api_fixture) {
    add_user("canbo", role::officer, "LS.TP.P1");
    add_user("kiemtra", role::reviewer, "LS.TP");
    add_user("thanhtra", role::auditor, "LS");
    add_user("quantri", role::admin, "LS");
    for (const char* target : {"/api/v1/reports/indicators", "/api/v1/reports?year=2022"}) {
        BOOST_TEST_CONTEXT(target) {
            for (const char* user : {"canbo", "kiemtra", "thanhtra"}) {
                const auto res = get(target, session_of(user));
                BOOST_TEST(res.result_int() == 200, user << ": " << res.body());
            }
            const auto admin = get(target, session_of("quantri"));
            BOOST_TEST(admin.result_int() == 403);
            BOOST_TEST(code_of(admin) == "forbidden");
            const auto anonymous = get(target);
            BOOST_TEST(anonymous.result_int() == 401);
            BOOST_TEST(code_of(anonymous) == "auth_failed");
        }
    }
}

BOOST_FIXTURE_TEST_CASE(the_district_figures_equal_the_hand_computed_ones, report_fixture) {
    const auto r = report_as("kiemtra.tp", "year=2022");
    BOOST_TEST(text(r.at("root")) == "LS.TP");  // the reviewer's own unit by default
    BOOST_TEST(text(r.at("root_name")) == "Thành phố Lạng Sơn");
    BOOST_TEST(text(r.at("period").at("from")) == "2022-01-01");
    BOOST_TEST(text(r.at("period").at("to")) == "2022-12-31");
    BOOST_TEST(r.at("as_of").to_number<std::uint64_t>() == db->head());
    BOOST_TEST(r.at("stale_days").to_number<int>() == 7);
    BOOST_TEST(ids_of(r).size() == default_indicators()->indicators.size());

    using counts = std::map<std::string, std::int64_t>;
    BOOST_TEST((values_of(line_of(r, "petitions", "received")) ==
                counts{{"total", 7}, {"LS.TP.P1", 3}, {"LS.TP.P2", 3}, {"direct", 1}}));
    BOOST_TEST((values_of(line_of(r, "petitions", "within_authority")) ==
                counts{{"total", 4}, {"LS.TP.P1", 2}, {"LS.TP.P2", 1}, {"direct", 1}}));
    BOOST_TEST((values_of(line_of(r, "petitions", "resolved")) ==
                counts{{"total", 2}, {"LS.TP.P1", 1}, {"LS.TP.P2", 1}, {"direct", 0}}));
    using ratios = std::map<std::string, std::string>;
    BOOST_TEST((ratios_of(line_of(r, "petitions", "rate")) == ratios{{"total", "2/4 50.0"},
                                                                     {"LS.TP.P1", "1/2 50.0"},
                                                                     {"LS.TP.P2", "1/1 100.0"},
                                                                     {"direct", "0/1 0.0"}}));
    BOOST_TEST((values_of(line_of(r, "citizen_reception", "people")) ==
                counts{{"total", 42}, {"LS.TP.P1", 30}, {"LS.TP.P2", 12}, {"direct", 0}}));
    BOOST_TEST((values_of(line_of(r, "models", "registered")) ==
                counts{{"total", 1}, {"LS.TP.P1", 0}, {"LS.TP.P2", 1}, {"direct", 0}}));
    BOOST_TEST((values_of(line_of(r, "models", "completed")) ==
                counts{{"total", 2}, {"LS.TP.P1", 1}, {"LS.TP.P2", 1}, {"direct", 0}}));
    BOOST_TEST((
        values_of(line_of(r, "models", "value")) ==
        counts{{"total", 719'690'000}, {"LS.TP.P1", 0}, {"LS.TP.P2", 719'690'000}, {"direct", 0}}));
    BOOST_TEST(text(line_of(r, "models", "value").at("unit")) == "money");
    // No pressing issue was recorded: a ratio over nothing has no percent.
    BOOST_TEST(line_of(r, "pressing_issues", "rate").at("total").at("percent").is_null());
}

BOOST_FIXTURE_TEST_CASE(the_parts_add_up_to_the_total_on_every_line, report_fixture) {
    for (const char* user : {"kiemtra.tp", "thanhtra"}) {
        const auto r = report_as(user, "from=2021-01-01&to=2022-12-31");
        for (const auto& ind : r.at("indicators").as_array()) {
            if (ind.at("id").as_string() == "commitment_registration") continue;  // distinct
            for (const auto& l : ind.at("lines").as_array()) {
                const auto& line = l.as_object();
                BOOST_TEST_CONTEXT(user << " " << text(ind.at("id")) << "."
                                        << text(line.at("id"))) {
                    for (const char* member : {"value", "numerator", "denominator"}) {
                        const auto& total = line.at("total").as_object();
                        if (!total.contains(member)) continue;
                        std::int64_t sum = 0;
                        for (const auto& part : line.at("breakdown").as_array()) {
                            sum += part.at(member).to_number<std::int64_t>();
                        }
                        BOOST_TEST(sum == total.at(member).to_number<std::int64_t>(), member);
                    }
                }
            }
        }
    }
    // The province: the other district's petition shows under LS.CL, and over both years
    // the 2021 petition counts in LS.TP.
    const auto province = report_as("thanhtra", "from=2021-01-01&to=2022-12-31");
    BOOST_TEST(text(province.at("root")) == "LS");
    using counts = std::map<std::string, std::int64_t>;
    BOOST_TEST((values_of(line_of(province, "petitions", "received")) ==
                counts{{"total", 9}, {"LS.CL", 1}, {"LS.TP", 8}}));
}

BOOST_FIXTURE_TEST_CASE(an_officer_sees_only_their_commune, report_fixture) {
    const std::string cookie = session_of("canbo.p1");
    const auto res = get("/api/v1/reports?year=2022&indicator=petitions", cookie);
    BOOST_TEST_REQUIRE(res.result_int() == 200, res.body());
    const auto r = body_of(res);
    BOOST_TEST(text(r.at("root")) == "LS.TP.P1");
    using counts = std::map<std::string, std::int64_t>;
    // The commune has no units below it in this tree: its records are all "direct".
    BOOST_TEST(
        (values_of(line_of(r, "petitions", "received")) == counts{{"total", 3}, {"direct", 3}}));
    BOOST_TEST(r.at("freshness").at("devices").to_number<int>() == 1);  // canbo.p1's phone

    for (const char* root : {"LS.TP", "LS.TP.P2", "LS", "NO.SUCH.UNIT"}) {
        const auto refused = get(std::string("/api/v1/reports?year=2022&root=") + root, cookie);
        BOOST_TEST(refused.result_int() == 404, root);
        BOOST_TEST(code_of(refused) == "not_found", root);
        BOOST_TEST(field_of(refused) == "root", root);
    }
    // Its own unit named explicitly is the same report.
    BOOST_TEST(get("/api/v1/reports?year=2022&indicator=petitions&root=LS.TP.P1", cookie).body() ==
               res.body());
}

BOOST_FIXTURE_TEST_CASE(the_csv_has_a_row_per_line_and_part_with_crlf, report_fixture) {
    const auto res =
        get("/api/v1/reports?from=2022-01-01&to=2022-12-31&format=csv&indicator=petitions",
            session_of("kiemtra.tp"));
    BOOST_TEST_REQUIRE(res.result_int() == 200, res.body());
    BOOST_TEST(res[http::field::content_type] == "text/csv; charset=utf-8");
    BOOST_TEST(res[http::field::content_disposition] ==
               "attachment; filename=\"sotay-report-LS.TP-2022-01-01-2022-12-31.csv\"");
    BOOST_TEST(res[http::field::cache_control] == "no-store");
    const std::string& body = res.body();
    // CRLF only: no bare line feed anywhere.
    for (std::size_t at = body.find('\n'); at != std::string::npos; at = body.find('\n', at + 1)) {
        BOOST_TEST_REQUIRE((at > 0 && body[at - 1] == '\r'), "bare LF at " << at);
    }
    const auto rows = lines_of_text(body);
    BOOST_TEST_REQUIRE(rows.size() == 1u + 4u * 4u);  // header; 4 lines x (total, P1, P2, direct)
    BOOST_TEST(rows[0] ==
               "indicator,line,part,org_unit,org_name,value,numerator,denominator,percent");
    BOOST_TEST(rows[1] == "petitions,received,total,LS.TP,Thành phố Lạng Sơn,7,,,");
    BOOST_TEST(rows[2] == "petitions,received,child,LS.TP.P1,Phường Chi Lăng,3,,,");
    BOOST_TEST(rows[3] == "petitions,received,child,LS.TP.P2,Phường Tam Thanh,3,,,");
    BOOST_TEST(rows[4] == "petitions,received,direct,LS.TP,Thành phố Lạng Sơn,1,,,");
    BOOST_TEST(rows[13] == "petitions,rate,total,LS.TP,Thành phố Lạng Sơn,,2,4,50.0");
    BOOST_TEST(rows[16] == "petitions,rate,direct,LS.TP,Thành phố Lạng Sơn,,0,1,0.0");
}

BOOST_FIXTURE_TEST_CASE(the_indicator_filter_keeps_only_those_indicators, report_fixture) {
    using ids = std::vector<std::string>;
    // Comma-separated or repeated; in the definitions' order, each once.
    BOOST_TEST(
        (ids_of(report_as("kiemtra.tp", "year=2022&indicator=petitions,citizen_reception")) ==
         ids{"citizen_reception", "petitions"}));
    BOOST_TEST(
        (ids_of(report_as("kiemtra.tp",
                          "year=2022&indicator=petitions&indicator=models&indicator=petitions")) ==
         ids{"models", "petitions"}));
    const auto one = report_as("kiemtra.tp", "year=2022&indicator=models");
    BOOST_TEST((ids_of(one) == ids{"models"}));
    BOOST_TEST(value_of(line_of(one, "models", "value").at("total").as_object()) == 719'690'000);
}

BOOST_FIXTURE_TEST_CASE(freshness_counts_the_devices_of_the_subtree, report_fixture) {
    // writer_tp's and canbo.p2's phones never synced; canbo.p1's did 30 days ago; the
    // revoked phone and the other district's are not counted.
    const auto week = report_as("kiemtra.tp", "year=2022&indicator=petitions");
    const auto& f = week.at("freshness").as_object();
    BOOST_TEST(f.at("devices").to_number<int>() == 3);
    BOOST_TEST(f.at("never_synced").to_number<int>() == 2);
    BOOST_TEST(f.at("oldest_sync_ms").to_number<std::int64_t>() == synced_ms);
    BOOST_TEST(f.at("stale").to_number<int>() == 3);

    const auto quarter = report_as("kiemtra.tp", "year=2022&indicator=petitions&stale_days=60");
    BOOST_TEST(quarter.at("stale_days").to_number<int>() == 60);
    BOOST_TEST(quarter.at("freshness").at("stale").to_number<int>() == 2);

    const auto p2 = report_as("canbo.p2", "year=2022&indicator=petitions");
    BOOST_TEST(p2.at("freshness").at("devices").to_number<int>() == 1);
    BOOST_TEST(p2.at("freshness").at("oldest_sync_ms").is_null());
}

BOOST_FIXTURE_TEST_CASE(every_bad_parameter_is_refused_and_named, api_fixture) {
    add_user("kiemtra", role::reviewer, "LS.TP");
    const std::string cookie = session_of("kiemtra");
    struct bad {
        std::string query;
        int status;
        std::string code;
        std::string field;
    };
    const std::vector<bad> cases = {
        {"", 400, "validation", "year"},
        {"year=", 400, "validation", "year"},
        {"year=22x", 400, "validation", "year"},
        {"year=0", 400, "validation", "year"},
        {"year=10000", 400, "validation", "year"},
        {"year=2022&from=2022-01-01&to=2022-12-31", 400, "validation", "year"},
        {"year=2022&to=2022-12-31", 400, "validation", "year"},
        {"from=2022-01-01", 400, "validation", "to"},
        {"to=2022-12-31", 400, "validation", "from"},
        {"from=2022-02-30&to=2022-12-31", 400, "validation", "from"},
        {"from=2022-1-1&to=2022-12-31", 400, "validation", "from"},
        {"from=2022-01-01&to=31.12.2022", 400, "validation", "to"},
        {"from=2022-06-01&to=2022-05-31", 400, "validation", "to"},
        {"year=2022&indicator=petitions,no_such", 400, "validation", "indicator"},
        {"year=2022&indicator=Petitions", 400, "validation", "indicator"},
        {"year=2022&stale_days=0", 400, "validation", "stale_days"},
        {"year=2022&stale_days=99999", 400, "validation", "stale_days"},
        {"year=2022&stale_days=x", 400, "validation", "stale_days"},
        {"year=2022&stale_days=-1", 400, "validation", "stale_days"},
        {"year=2022&format=xlsx", 400, "validation", "format"},
        {"year=2022&root=LS.TP.NOPE", 404, "not_found", "root"},
        {"year=2022&root=LS.CL", 404, "not_found", "root"},
    };
    for (const auto& c : cases) {
        const auto res = get("/api/v1/reports?" + c.query, cookie);
        BOOST_TEST_CONTEXT(c.query << " -> " << res.body()) {
            BOOST_TEST(res.result_int() == c.status);
            BOOST_TEST(code_of(res) == c.code);
            BOOST_TEST(field_of(res) == c.field);
            BOOST_TEST(!text(body_of(res).at("message")).empty());
        }
    }
    // An unknown indicator's message lists the ones there are.
    const auto unknown = get("/api/v1/reports?year=2022&indicator=no_such", cookie);
    const std::string message = text(body_of(unknown).at("message"));
    BOOST_TEST(message.find("no_such") != std::string::npos, message);
    for (const auto& ind : default_indicators()->indicators) {
        BOOST_TEST(message.find(ind.id) != std::string::npos, ind.id);
    }
}

BOOST_FIXTURE_TEST_CASE(without_definitions_the_report_endpoints_answer_internal, api_fixture) {
    settings.indicators = nullptr;
    add_user("kiemtra", role::reviewer, "LS.TP");
    const std::string cookie = session_of("kiemtra");
    for (const char* target : {"/api/v1/reports/indicators", "/api/v1/reports?year=2022"}) {
        const auto res = get(target, cookie);
        BOOST_TEST(res.result_int() == 500, target);
        BOOST_TEST(code_of(res) == "internal", target);
        BOOST_TEST(text(body_of(res).at("message")) ==
                   "the server was started without indicator definitions");
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace sotay::api_test
