// Every shipped indicator on a small hand-computed world (the numbers in each test's
// comment are counted by hand from the records below). Each indicator's records include a
// deleted record, a merged duplicate (`_merged_into`) or a record moved between units
// where that can change the figure: the caller passes the current unit, so a moved record
// counts where it is now (E1).
//
// Tree: P -> D1 -> {D1.C1, D1.C2}; P -> D2 -> {D2.C1}. Period: the year 2022.
#include <boost/test/unit_test.hpp>

#include "fixture.hpp"

using namespace sotay;
using namespace sotay::reports;
using namespace sotay::reports::test;

namespace {

const char* merged = "_merged_into";

access::org_tree small_tree() {
    auto t = access::org_tree::build({{"P", "Tỉnh", "", "Tỉnh"},
                                      {"D1", "Huyện 1", "P", "Huyện"},
                                      {"D2", "Huyện 2", "P", "Huyện"},
                                      {"D1.C1", "Xã 1", "D1", "Xã"},
                                      {"D1.C2", "Xã 2", "D1", "Xã"},
                                      {"D2.C1", "Xã 3", "D2", "Xã"}});
    return *t;
}

struct world {
    std::vector<owned_record> records;
    access::org_tree tree = small_tree();
    period year = *year_period(2022);

    void add(const char* type, const char* unit, sync::field_map f, bool deleted = false) {
        records.push_back({type, unit, std::move(f), deleted});
    }
    rollup run(const char* root = "P") const {
        const auto v = views(records);
        return roll_up(real_definitions(), tree, root, evaluate(real_definitions(), year, v));
    }
    // The line for a child (or the direct line when direct is true).
    static const breakdown_line& line(const rollup& r, const std::string& unit,
                                      bool direct = false) {
        for (const auto& l : r.lines)
            if (l.org_unit == unit && l.direct == direct) return l;
        throw std::runtime_error("no line " + unit);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(indicator_figures)

BOOST_AUTO_TEST_CASE(commitment_registration_rate_counts_members_once_over_active_members) {
    world w;
    // Active members: m1, m2 (D1.C1), m5 (D2.C1), m7 (moved from D2.C1, now D1.C2) = 4.
    w.add("member", "D1.C1", {{"id_number", str("1")}, {"status", str("active")}});
    w.add("member", "D1.C1", {{"id_number", str("2")}, {"status", str("active")}});
    w.add("member", "D1.C1", {{"id_number", str("3")}, {"status", str("moved")}});
    w.add("member", "D1.C1", {{"id_number", str("4")}, {"status", str("active")}}, true);
    w.add("member", "D2.C1", {{"id_number", str("5")}, {"status", str("active")}});
    w.add("member", "D2.C1",
          {{"id_number", str("6")}, {"status", str("active")}, {merged, str("m5")}});
    w.add("member", "D1.C2", {{"id_number", str("7")}, {"status", str("active")}});
    // Commitments for 2022: m1 (twice: D1.C1 and D1.C2, one member), m5; m2's is for 2021,
    // m7's deleted, a merged duplicate of m5's ignored. Members with one: {m1, m5} = 2.
    w.add("commitment", "D1.C1", {{"member", str("m1")}, {"year", num(2022)}});
    w.add("commitment", "D1.C2", {{"member", str("m1")}, {"year", num(2022)}});
    w.add("commitment", "D1.C1", {{"member", str("m2")}, {"year", num(2021)}});
    w.add("commitment", "D1.C2", {{"member", str("m7")}, {"year", num(2022)}}, true);
    w.add("commitment", "D2.C1", {{"member", str("m5")}, {"year", num(2022)}});
    w.add("commitment", "D2.C1", {{"member", str("m5")}, {"year", num(2022)}, {merged, str("c5")}});
    const auto r = w.run();
    const auto f = figure(r.total, "commitment_registration", "rate");
    BOOST_TEST(f.ratio);
    BOOST_TEST(f.numerator == 2);
    BOOST_TEST(f.denominator == 4);
    // D1 alone: m1 of {m1, m2, m7}.
    const auto d1 = figure(w.line(r, "D1").values, "commitment_registration", "rate");
    BOOST_TEST(d1.numerator == 1);
    BOOST_TEST(d1.denominator == 3);
}

BOOST_AUTO_TEST_CASE(pressing_issue_rate_is_resolved_over_identified_in_the_period) {
    world w;
    w.add("pressing_issue", "D1.C1",
          {{"identified_on", str("2022-03-01")}, {"status", str("resolved")}});
    w.add("pressing_issue", "D1.C1",
          {{"identified_on", str("2022-05-01")}, {"status", str("open")}});
    w.add("pressing_issue", "D1.C1",
          {{"identified_on", str("2021-12-31")}, {"status", str("resolved")}});
    w.add("pressing_issue", "D2.C1",
          {{"identified_on", str("2022-12-31")}, {"status", str("resolved")}});
    w.add("pressing_issue", "D2.C1",
          {{"identified_on", str("2022-06-01")}, {"status", str("resolved")}}, true);
    w.add("pressing_issue", "D2.C1",
          {{"identified_on", str("2022-07-01")}, {"status", str("resolved")}, {merged, str("x")}});
    w.add("pressing_issue", "D2.C1", {{"status", str("resolved")}});  // no date: in no period
    const auto r = w.run();
    BOOST_TEST(figure(r.total, "pressing_issues", "identified").value == 3);
    BOOST_TEST(figure(r.total, "pressing_issues", "resolved").value == 2);
    const auto rate = figure(r.total, "pressing_issues", "rate");
    // 2 / 3 from the summed parts (R4), not the mean of D1's 50% and D2's 100%.
    BOOST_TEST(rate.numerator == 2);
    BOOST_TEST(rate.denominator == 3);
    BOOST_TEST(figure(w.line(r, "D1").values, "pressing_issues", "rate").denominator == 2);
    BOOST_TEST(figure(w.line(r, "D2").values, "pressing_issues", "rate").denominator == 1);
}

BOOST_AUTO_TEST_CASE(study_content_share_counts_meetings_including_the_roots_own) {
    world w;
    w.add("study_session", "D1.C1", {{"held_on", str("2022-01-01")}, {"has_study_content", true}});
    w.add("study_session", "D1.C1", {{"held_on", str("2022-02-01")}, {"has_study_content", false}});
    w.add("study_session", "D1.C1", {{"held_on", str("2023-01-01")}, {"has_study_content", true}});
    w.add("study_session", "D1.C2", {{"held_on", str("2022-04-04")}, {"has_study_content", true}});
    w.add("study_session", "P", {{"held_on", str("2022-05-05")}, {"has_study_content", true}});
    w.add("study_session", "D2.C1", {{"held_on", str("2022-05-05")}, {"has_study_content", true}},
          true);
    const auto r = w.run();
    const auto f = figure(r.total, "study_content", "rate");
    BOOST_TEST(f.numerator == 3);
    BOOST_TEST(f.denominator == 4);
    // R2: the meeting kept at P itself is its own line; D2 has nothing but is listed.
    const auto& direct = w.line(r, "P", true);
    BOOST_TEST(figure(direct.values, "study_content", "rate").denominator == 1);
    BOOST_TEST(figure(w.line(r, "D2").values, "study_content", "rate").denominator == 0);
    BOOST_TEST(r.lines.size() == 3u);
}

BOOST_AUTO_TEST_CASE(models_count_registered_completed_and_the_value_registered) {
    world w;
    w.add("model_work", "D1.C1",
          {{"registered_on", str("2022-02-01")},
           {"status", str("completed")},
           {"completed_on", str("2022-10-01")},
           {"value_vnd", num(719'690'000)}});
    w.add("model_work", "D1.C1",
          {{"registered_on", str("2022-03-01")},
           {"status", str("in_progress")},
           {"value_vnd", num(5'280'310'000)}});
    // Registered in 2021, completed in 2022: completed counts, its value does not.
    w.add("model_work", "D1.C1",
          {{"registered_on", str("2021-05-01")},
           {"status", str("completed")},
           {"completed_on", str("2022-01-15")},
           {"value_vnd", num(1'000'000'000)}});
    // Completed in 2023: registered counts, completed does not; no value set adds nothing.
    w.add("model_work", "D2.C1",
          {{"registered_on", str("2022-06-01")},
           {"status", str("completed")},
           {"completed_on", str("2023-02-01")}});
    w.add("model_work", "D2.C1",
          {{"registered_on", str("2022-06-01")},
           {"status", str("completed")},
           {"completed_on", str("2022-07-01")},
           {"value_vnd", num(6'000'000'000)},
           {merged, str("x")}});
    const auto r = w.run();
    BOOST_TEST(figure(r.total, "models", "registered").value == 3);
    BOOST_TEST(figure(r.total, "models", "completed").value == 2);
    const auto value = figure(r.total, "models", "value");
    BOOST_TEST(value.value == 6'000'000'000);
    BOOST_TEST((value.value_unit == unit::money));
    BOOST_TEST((figure(r.total, "models", "registered").value_unit == unit::count));
}

BOOST_AUTO_TEST_CASE(citizen_reception_sums_people_at_receptions_where_records_are_now) {
    world w;
    w.add("citizen_contact", "D1.C2",
          {{"held_on", str("2022-03-03")}, {"kind", str("reception")}, {"people_count", num(120)}});
    w.add("citizen_contact", "D1.C2",
          {{"held_on", str("2022-04-03")}, {"kind", str("reception")}, {"people_count", num(80)}});
    w.add("citizen_contact", "D1.C2",
          {{"held_on", str("2022-04-03")}, {"kind", str("dialogue")}, {"people_count", num(300)}});
    w.add(
        "citizen_contact", "D2.C1",
        {{"held_on", str("2021-04-03")}, {"kind", str("reception")}, {"people_count", num(1000)}});
    // Entered at D1.C1, then moved to D2.C1: the caller passes its current unit.
    w.add("citizen_contact", "D2.C1",
          {{"held_on", str("2022-09-09")}, {"kind", str("reception")}, {"people_count", num(9)}});
    const auto r = w.run();
    BOOST_TEST(figure(r.total, "citizen_reception", "people").value == 209);
    BOOST_TEST(figure(w.line(r, "D1").values, "citizen_reception", "people").value == 200);
    BOOST_TEST(figure(w.line(r, "D2").values, "citizen_reception", "people").value == 9);
}

BOOST_AUTO_TEST_CASE(petitions_received_within_authority_resolved_and_rate) {
    world w;
    auto pet = [&](const char* unit, const char* date, const char* kind, bool within,
                   const char* status, bool deleted = false, bool dup = false) {
        sync::field_map f{{"received_on", str(date)},
                          {"kind", str(kind)},
                          {"within_authority", within},
                          {"status", str(status)}};
        if (dup) f[merged] = str("x");
        w.add("petition", unit, std::move(f), deleted);
    };
    pet("D1.C1", "2022-01-10", "complaint", true, "resolved");
    pet("D1.C1", "2022-02-10", "denunciation", true, "processing");
    pet("D1.C1", "2022-03-10", "complaint", false, "resolved");  // not within authority
    pet("D1.C1", "2022-04-10", "feedback", true, "resolved");    // not a complaint
    pet("D1.C1", "2021-04-10", "complaint", true, "resolved");   // 2021
    pet("D2.C1", "2022-05-10", "denunciation", true, "resolved");
    pet("D2.C1", "2022-05-10", "denunciation", true, "resolved", false, true);  // merged
    pet("D2.C1", "2022-06-10", "complaint", true, "resolved", true);            // deleted
    const auto r = w.run();
    BOOST_TEST(figure(r.total, "petitions", "received").value == 5);
    BOOST_TEST(figure(r.total, "petitions", "within_authority").value == 3);
    BOOST_TEST(figure(r.total, "petitions", "resolved").value == 2);
    const auto rate = figure(r.total, "petitions", "rate");
    BOOST_TEST(rate.numerator == 2);
    BOOST_TEST(rate.denominator == 3);
}

BOOST_AUTO_TEST_CASE(inspection_counts_each_kind_and_target_and_discipline) {
    world w;
    auto ins = [&](const char* date, const char* kind, const char* target, bool disciplined,
                   bool deleted = false) {
        w.add("inspection", deleted ? "D2.C1" : "D1.C1",
              {{"held_on", str(date)},
               {"kind", str(kind)},
               {"target_kind", str(target)},
               {"disciplined", disciplined}},
              deleted);
    };
    ins("2022-01-01", "inspection", "organisation", false);
    ins("2022-01-02", "inspection", "member", false);
    ins("2022-01-03", "inspection", "member", true);
    ins("2022-01-04", "supervision", "organisation", true);
    ins("2022-01-05", "supervision", "member", false);
    ins("2022-01-06", "inspection", "member", true, true);   // deleted
    ins("2021-01-06", "inspection", "organisation", false);  // 2021 (at D1.C1)
    const auto r = w.run();
    BOOST_TEST(figure(r.total, "inspection", "organisations_inspected").value == 1);
    BOOST_TEST(figure(r.total, "inspection", "members_inspected").value == 2);
    BOOST_TEST(figure(r.total, "inspection", "organisations_supervised").value == 1);
    BOOST_TEST(figure(r.total, "inspection", "members_supervised").value == 1);
    BOOST_TEST(figure(r.total, "inspection", "organisations_disciplined").value == 1);
    BOOST_TEST(figure(r.total, "inspection", "members_disciplined").value == 1);
}

BOOST_AUTO_TEST_CASE(exemplars_count_collectives_and_individuals) {
    world w;
    w.add("exemplar", "D1.C1",
          {{"honoured_on", str("2022-09-02")}, {"honoree_kind", str("collective")}});
    w.add("exemplar", "D1.C1",
          {{"honoured_on", str("2022-09-02")}, {"honoree_kind", str("individual")}});
    w.add("exemplar", "D1.C2",
          {{"honoured_on", str("2022-12-31")}, {"honoree_kind", str("individual")}});
    w.add("exemplar", "D2.C1",
          {{"honoured_on", str("2022-09-02")},
           {"honoree_kind", str("collective")},
           {merged, str("x")}});
    w.add("exemplar", "D2.C1",
          {{"honoured_on", str("2020-09-02")}, {"honoree_kind", str("individual")}});
    const auto r = w.run();
    BOOST_TEST(figure(r.total, "exemplars", "collectives").value == 1);
    BOOST_TEST(figure(r.total, "exemplars", "individuals").value == 2);
    // A five-year period (2016-2020 style) takes in the 2020 one as well.
    w.year = *make_period("2020-01-01", "2022-12-31").value;
    BOOST_TEST(figure(w.run().total, "exemplars", "individuals").value == 3);
}

BOOST_AUTO_TEST_CASE(a_subtree_report_counts_only_that_subtree) {
    world w;
    w.add("petition", "D1.C1", {{"received_on", str("2022-01-10")}, {"kind", str("complaint")}});
    w.add("petition", "D2.C1", {{"received_on", str("2022-01-10")}, {"kind", str("complaint")}});
    w.add("petition", "NOWHERE", {{"received_on", str("2022-01-10")}, {"kind", str("complaint")}});
    const auto r = w.run("D1");
    BOOST_TEST(figure(r.total, "petitions", "received").value == 1);
    BOOST_REQUIRE_EQUAL(r.lines.size(), 2u);  // D1.C1, D1.C2
    BOOST_TEST(r.lines[0].org_unit == "D1.C1");
    BOOST_TEST(r.lines[1].org_unit == "D1.C2");
    BOOST_TEST(figure(w.run().total, "petitions", "received").value == 2);  // R5
}

BOOST_AUTO_TEST_SUITE_END()
