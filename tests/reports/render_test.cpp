// The JSON and CSV renderings carry the exact figures of a roll-up.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <sotay/reports/render.hpp>

#include "fixture.hpp"

using namespace sotay;
using namespace sotay::reports;
using namespace sotay::reports::test;
namespace json = boost::json;

namespace {

struct petitions_world {
    access::org_tree tree = *access::org_tree::build({{"P", "Tỉnh, Lạng Sơn", "", "Tỉnh"},
                                                      {"A", "Huyện A", "P", "Huyện"},
                                                      {"B", "Huyện \"B\"", "P", "Huyện"}});
    std::vector<owned_record> recs;
    period p = *year_period(2022);
    petitions_world() {
        auto pet = [&](const char* unit, const char* status) {
            recs.push_back({"petition",
                            unit,
                            {{"received_on", str("2022-03-01")},
                             {"kind", str("complaint")},
                             {"within_authority", true},
                             {"status", str(status)}}});
        };
        pet("A", "resolved");
        pet("A", "resolved");
        pet("A", "received");
        pet("P", "resolved");
    }
    rollup run() const {
        const auto v = views(recs);
        return roll_up(real_definitions(), tree, "P", evaluate(real_definitions(), p, v));
    }
};

const json::object& line_of(const json::object& doc, const char* ind, const char* line) {
    for (const auto& i : doc.at("indicators").as_array())
        if (i.at("id") == ind)
            for (const auto& l : i.at("lines").as_array())
                if (l.at("id") == line) return l.as_object();
    throw std::runtime_error("missing line");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(render)

BOOST_AUTO_TEST_CASE(json_has_totals_breakdown_ratios_and_freshness) {
    const petitions_world w;
    const freshness f{2, 1'700'000'000'000, 0, 1};
    const auto doc = to_json(real_definitions(), w.tree, w.run(), w.p, &f);
    BOOST_TEST(doc.at("root") == "P");
    BOOST_TEST(doc.at("period").at("from") == "2022-01-01");
    BOOST_TEST(doc.at("freshness").at("stale") == 1);
    BOOST_TEST(doc.at("indicators").as_array().size() == real_definitions().indicators.size());
    const auto& rate = line_of(doc, "petitions", "rate");
    BOOST_TEST(rate.at("unit") == "percent");
    BOOST_TEST(rate.at("total").at("numerator") == 3);
    BOOST_TEST(rate.at("total").at("denominator") == 4);
    BOOST_TEST(rate.at("total").at("percent") == "75.0");
    const auto& parts = rate.at("breakdown").as_array();
    BOOST_REQUIRE_EQUAL(parts.size(), 3u);  // A, B, directly at P
    BOOST_TEST(parts[0].at("org_unit") == "A");
    BOOST_TEST(parts[0].at("percent") == "66.7");
    BOOST_TEST(parts[1].at("percent").is_null());  // B: 0 / 0
    BOOST_TEST(parts[2].at("direct") == true);
    BOOST_TEST(line_of(doc, "models", "value").at("unit") == "money");
    BOOST_TEST(!to_json(real_definitions(), w.tree, w.run(), w.p, nullptr).contains("freshness"));
}

BOOST_AUTO_TEST_CASE(csv_rows_are_quoted_and_plain) {
    const petitions_world w;
    const auto csv = to_csv(real_definitions(), w.tree, w.run());
    BOOST_TEST(
        csv.rfind("indicator,line,part,org_unit,org_name,value,numerator,denominator,percent\r\n",
                  0) == 0u);
    BOOST_TEST(csv.find("petitions,received,total,P,\"Tỉnh, Lạng Sơn\",4,,,\r\n") !=
               std::string::npos);
    BOOST_TEST(csv.find("petitions,rate,child,A,Huyện A,,2,3,66.7\r\n") != std::string::npos);
    BOOST_TEST(csv.find("petitions,rate,child,B,\"Huyện \"\"B\"\"\",,0,0,\r\n") !=
               std::string::npos);
    BOOST_TEST(csv.find("petitions,rate,direct,P,\"Tỉnh, Lạng Sơn\",,1,1,100.0\r\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
