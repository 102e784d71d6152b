// Loading schema/indicators.json: the shipped file passes (D1-D3) and covers the domain's
// figures table; each broken definition is refused with a message naming what to fix.
#include <boost/test/unit_test.hpp>
#include <string>

#include "fixture.hpp"

using namespace sotay;
using namespace sotay::reports;
using namespace sotay::reports::test;

namespace {

// A one-measure, one-indicator document around the given measure body.
std::string doc_with_measure(const std::string& body) {
    return R"({"version": 1, "measures": {"m": )" + body +
           R"(}, "indicators": [{"id": "i", "label": {"vi": "v", "en": "e"},
              "lines": [{"id": "l", "label": {"vi": "v", "en": "e"}, "measure": "m"}]}]})";
}

// The load_error message for a document, or "" when it loads.
std::string error_of(const std::string& doc) {
    try {
        parse_definitions(doc, "test.json", real_schema());
    } catch (const load_error& e) {
        return e.what();
    }
    return "";
}

bool mentions(const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(indicator_definitions)

BOOST_AUTO_TEST_CASE(the_shipped_file_covers_every_figure_of_the_domain_table) {
    const auto& d = real_definitions();
    for (const char* id : {"commitment_registration", "pressing_issues", "study_content", "models",
                           "citizen_reception", "petitions", "inspection", "exemplars"})
        BOOST_TEST(d.find_indicator(id) != nullptr, id);
    BOOST_TEST(d.indicators.size() == 8u);
    BOOST_TEST(d.find_indicator("inspection")->lines.size() == 6u);
    BOOST_TEST(d.find_indicator("petitions")->lines.size() == 4u);
    const auto& m = d.measures[d.find_measure("members_with_commitment")];
    BOOST_TEST((m.period == period_kind::year));
    BOOST_TEST((m.agg == aggregate::count_distinct));
    BOOST_TEST((d.measures[d.find_measure("active_members")].period == period_kind::none));
    BOOST_TEST((d.measures[d.find_measure("models_value")].result_unit == unit::money));
}

BOOST_AUTO_TEST_CASE(a_minimal_measure_loads) {
    BOOST_TEST(error_of(doc_with_measure(
                   R"({"label": {"vi": "v", "en": "e"}, "type": "petition", "aggregate": "count",
                       "where": [{"field": "within_authority", "is_set": false}]})")) == "");
}

BOOST_AUTO_TEST_CASE(unknown_types_fields_and_enum_values_are_named) {
    const std::string label = R"("label": {"vi": "v", "en": "e"}, )";
    auto e =
        error_of(doc_with_measure("{" + label + R"("type": "petitio", "aggregate": "count"})"));
    BOOST_TEST(mentions(e, "test.json, measure m: unknown record type \"petitio\""), e);
    e = error_of(doc_with_measure(
        "{" + label +
        R"("type": "petition", "aggregate": "count", "where": [{"field": "colour", "eq": 1}]})"));
    BOOST_TEST(mentions(e, "filter colour: type petition has no field \"colour\""), e);
    e = error_of(doc_with_measure(
        "{" + label +
        R"("type": "petition", "aggregate": "count", "where": [{"field": "status", "eq": "done"}]})"));
    BOOST_TEST(
        mentions(
            e, "value \"done\" is not a value of petition.status (processing, received, resolved)"),
        e);
    e = error_of(doc_with_measure(
        "{" + label +
        R"("type": "petition", "aggregate": "count", "where": [{"field": "within_authority", "in": ["yes"]}]})"));
    BOOST_TEST(mentions(e, "value must be true or false"), e);
    e = error_of(doc_with_measure(
        "{" + label +
        R"("type": "petition", "aggregate": "count", "where": [{"field": "summary", "eq": "x"}]})"));
    BOOST_TEST(mentions(e, "field summary is text"), e);
    e = error_of(doc_with_measure(
        "{" + label +
        R"("type": "petition", "aggregate": "count", "where": [{"field": "status", "eq": "resolved", "is_set": true}]})"));
    BOOST_TEST(mentions(e, "exactly one of eq, in, is_set"), e);
}

BOOST_AUTO_TEST_CASE(periods_and_aggregates_must_fit_their_fields) {
    const std::string label = R"("label": {"vi": "v", "en": "e"}, )";
    auto e = error_of(doc_with_measure(
        "{" + label + R"("type": "petition", "aggregate": "count", "period": {"field": "kind"}})"));
    BOOST_TEST(mentions(e, "measure m, period: field kind is enum"), e);
    e = error_of(
        doc_with_measure("{" + label + R"("type": "petition", "aggregate": {"sum": "summary"}})"));
    BOOST_TEST(mentions(e, "sum needs an integer or money field"), e);
    e = error_of(doc_with_measure("{" + label + R"("type": "petition", "aggregate": "avg"})"));
    BOOST_TEST(mentions(e, "measure m, aggregate: must be"), e);
    e = error_of(doc_with_measure("{" + label + R"("type": "petition"})"));
    BOOST_TEST(mentions(e, "aggregate: missing"), e);
    e = error_of(doc_with_measure("{" + label +
                                  R"("type": "petition", "aggregate": "count", "colour": 1})"));
    BOOST_TEST(mentions(e, "unknown member \"colour\""), e);
}

BOOST_AUTO_TEST_CASE(indicator_lines_must_name_existing_measures_once) {
    const std::string m = R"({"version": 1, "measures": {"m": {"label": {"vi": "v", "en": "e"},
        "type": "petition", "aggregate": "count"}}, "indicators": [)";
    const std::string lab = R"("label": {"vi": "v", "en": "e"})";
    auto e = error_of(m + R"({"id": "i", )" + lab + R"(, "lines": [{"id": "l", )" + lab +
                      R"(, "numerator": "m", "denominator": "nope"}]}]})");
    BOOST_TEST(mentions(e, "indicator i, line l: denominator: unknown measure \"nope\""), e);
    e = error_of(m + R"({"id": "i", )" + lab + R"(, "lines": []}]})");
    BOOST_TEST(mentions(e, "indicator i: lines must be a non-empty array"), e);
    const std::string ok =
        R"({"id": "i", )" + lab + R"(, "lines": [{"id": "l", )" + lab + R"(, "measure": "m"}]})";
    e = error_of(m + ok + "," + ok + "]}");
    BOOST_TEST(mentions(e, "indicator i: id used twice"), e);
    e = error_of(m + R"({"id": "i", )" + lab + R"(, "lines": [{"id": "l", )" + lab +
                 R"(, "measure": "m", "numerator": "m"}]}]})");
    BOOST_TEST(mentions(e, "a measure or a ratio"), e);
}

BOOST_AUTO_TEST_CASE(documents_that_are_not_definitions_are_refused) {
    BOOST_TEST(mentions(error_of("{"), "test.json: not JSON"));
    BOOST_TEST(mentions(error_of("[]"), "test.json: the document must be an object"));
    BOOST_TEST(mentions(error_of(R"({"version": 0, "measures": {}, "indicators": []})"),
                        "version must be a positive integer"));
    BOOST_CHECK_THROW(load_definitions_file("/nonexistent/indicators.json", real_schema()),
                      load_error);
}

BOOST_AUTO_TEST_CASE(periods_from_user_input_are_checked) {
    BOOST_TEST(make_period("2022-01-01", "2022-12-31").value.has_value());
    const auto bad = make_period("2022-13-01", "2022-12-31");
    BOOST_TEST(!bad.value.has_value());
    BOOST_TEST((bad.error.code == sync::errc::bad_message));
    BOOST_TEST(mentions(bad.error.message, "start \"2022-13-01\" is not a date"));
    const auto swapped = make_period("2022-12-31", "2022-01-01");
    BOOST_TEST(mentions(swapped.error.message, "before it starts"));
    BOOST_TEST(year_period(2021)->to == "2021-12-31");
    BOOST_TEST(!year_period(0).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
