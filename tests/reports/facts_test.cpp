// Facts (facts.hpp F1): aggregating the stored facts over a period's window gives what the
// evaluator gives, for random records and periods, including malformed and missing period
// fields; and the fingerprint tells definition sets apart.
#include <boost/test/unit_test.hpp>
#include <sotay/reports/facts.hpp>

#include "fixture.hpp"
#include "random_world.hpp"

using namespace sotay;
using namespace sotay::reports;
using namespace sotay::reports::test;

namespace {

// What a store does with facts: keep those in the window, sum or collect per unit.
unit_values gather(const definitions& defs, const period& p,
                   const std::vector<std::pair<std::string, fact>>& facts) {
    unit_values out;
    for (const auto& [unit, f] : facts) {
        const auto w = window_of(defs.measures[f.measure], p);
        if (f.at < w.lo || f.at > w.hi) continue;
        if (defs.measures[f.measure].agg == aggregate::count_distinct)
            add_key(out, defs, unit, f.measure, f.key);
        else
            add_total(out, defs, unit, f.measure, f.value);
    }
    return out;
}

period random_period(std::mt19937& rng) {
    auto day = [&] {
        const int y = std::uniform_int_distribution<int>(2020, 2023)(rng);
        const int m = std::uniform_int_distribution<int>(1, 12)(rng);
        const int d = std::uniform_int_distribution<int>(1, 28)(rng);
        char buf[11];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
        return std::string(buf);
    };
    auto a = day(), b = day();
    if (b < a) std::swap(a, b);
    return *make_period(a, b).value;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(facts)

// Seed 5052022, 400 random record sets, 5 periods each.
BOOST_AUTO_TEST_CASE(gathered_facts_equal_the_evaluator_for_any_period) {
    const auto& defs = real_definitions();
    std::mt19937 rng(5052022);
    std::size_t nonempty = 0;
    for (int world = 0; world < 400; ++world) {
        const auto tree = random_tree(rng);
        auto records = random_records(rng, tree);
        // Break some period and aggregate fields: unset, null, not a date, a bad date.
        for (auto& r : records) {
            const int roll = std::uniform_int_distribution<int>(0, 19)(rng);
            if (roll == 0) r.fields.erase("received_on");
            if (roll == 1) r.fields["held_on"] = std::monostate{};
            if (roll == 2) r.fields["registered_on"] = std::string("2022-02");
            if (roll == 3) r.fields["identified_on"] = std::string("2022-02-30");
            if (roll == 4) r.fields.erase("member");
            if (roll == 5) r.fields["year"] = std::string("2022");
        }
        std::vector<std::pair<std::string, fact>> facts;
        for (const auto& r : records) {
            std::vector<fact> mine;
            facts_of(defs, {r.type, r.org_unit, &r.fields, r.deleted}, mine);
            for (auto& f : mine) facts.emplace_back(r.org_unit, std::move(f));
        }
        for (int k = 0; k < 5; ++k) {
            const auto p = k == 0 ? *year_period(2022) : random_period(rng);
            const auto want = evaluate(defs, p, views(records));
            BOOST_TEST_INFO("world " << world << " period " << p.from << ".." << p.to);
            BOOST_TEST((gather(defs, p, facts) == want));
            if (!want.empty()) ++nonempty;
        }
    }
    BOOST_TEST(nonempty > 1000u);  // the property was not checked on empty answers only
}

BOOST_AUTO_TEST_CASE(a_deleted_or_merged_record_has_no_facts) {
    const auto& defs = real_definitions();
    sync::field_map f{{"received_on", str("2022-03-01")},
                      {"kind", str("complaint")},
                      {"within_authority", true},
                      {"status", str("resolved")}};
    std::vector<fact> out;
    facts_of(defs, {"petition", "c1", &f, false}, out);
    BOOST_TEST(out.size() == 3u);  // received, within authority, resolved
    for (const auto& x : out) BOOST_TEST(x.at == 20220301);
    out.clear();
    facts_of(defs, {"petition", "c1", &f, true}, out);
    BOOST_TEST(out.empty());
    f["_merged_into"] = str("0190a1b2-0000-7000-8000-000000000001");
    facts_of(defs, {"petition", "c1", &f, false}, out);
    BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(windows_are_dates_years_or_the_snapshot) {
    const auto& defs = real_definitions();
    const auto p = *make_period("2021-07-01", "2022-06-30").value;
    const auto& by_date = defs.measures[defs.find_measure("petitions_received")];
    const auto& by_year = defs.measures[defs.find_measure("members_with_commitment")];
    const auto& snapshot = defs.measures[defs.find_measure("active_members")];
    BOOST_TEST(window_of(by_date, p).lo == 20210701);
    BOOST_TEST(window_of(by_date, p).hi == 20220630);
    BOOST_TEST(window_of(by_year, p).lo == 2021);
    BOOST_TEST(window_of(by_year, p).hi == 2022);
    BOOST_TEST(window_of(snapshot, p).lo == 0);
    BOOST_TEST(window_of(snapshot, p).hi == 0);
}

BOOST_AUTO_TEST_CASE(the_fingerprint_follows_the_content_not_the_layout) {
    const auto& s = real_schema();
    const std::string a =
        R"({"version": 1, "measures": {"m": {"label": {"vi": "a", "en": "a"}, "type": "petition",
            "aggregate": "count"}}, "indicators": [{"id": "i", "label": {"vi": "a", "en": "a"},
            "lines": [{"id": "l", "label": {"vi": "a", "en": "a"}, "measure": "m"}]}]})";
    std::string spaced = a;
    spaced.insert(1, "\n   ");
    std::string other = a;
    other.replace(other.find("petition"), 8, "exemplar");
    const auto fa = fingerprint(parse_definitions(a, "a", s));
    BOOST_TEST(fa == fingerprint(parse_definitions(spaced, "spaced", s)));
    BOOST_TEST(fa != fingerprint(parse_definitions(other, "other", s)));
    BOOST_TEST(fa.ends_with("-r" + std::to_string(facts_rule_version)));
}

BOOST_AUTO_TEST_SUITE_END()
