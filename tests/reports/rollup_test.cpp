// Roll-up rules R1-R5 (rollup.hpp) as properties over random trees and records, and the
// freshness of a subtree's figures.
#include <boost/test/unit_test.hpp>

#include "fixture.hpp"
#include "random_world.hpp"

using namespace sotay;
using namespace sotay::reports;
using namespace sotay::reports::test;

BOOST_AUTO_TEST_SUITE(rollup_rules)

// Seed 20221231, 300 random worlds, every unit of each taken as the root.
BOOST_AUTO_TEST_CASE(breakdown_parts_sum_to_the_total_and_to_a_direct_count) {
    const auto& defs = real_definitions();
    std::mt19937 rng(20221231);
    const period p = *year_period(2022);
    std::size_t checked = 0;
    for (int world = 0; world < 300; ++world) {
        const auto tree = random_tree(rng);
        const auto records = random_records(rng, tree);
        const auto v = views(records);
        const auto values = evaluate(defs, p, v);
        for (const auto& root : tree.units()) {
            const auto r = roll_up(defs, tree, root.code, values);
            // The same figures computed straight from the records of the subtree.
            std::vector<record_view> inside;
            for (const auto& rv : v)
                if (tree.contains(root.code, rv.org_unit)) inside.push_back(rv);
            std::vector<measure_value> direct(defs.measures.size());
            for (const auto& [unit, vals] : evaluate(defs, p, inside))
                accumulate(direct, vals, defs);
            BOOST_REQUIRE(r.total == direct);
            for (std::size_t m = 0; m < defs.measures.size(); ++m) {
                if (defs.measures[m].agg == aggregate::count_distinct) continue;
                std::int64_t parts = 0;
                for (const auto& line : r.lines) parts += line.values[m].value;
                BOOST_REQUIRE_EQUAL(parts, r.total[m].value);  // R3
                ++checked;
            }
            // R1: one line per child, in code order, then at most one direct line.
            const auto children = tree.children(root.code);
            BOOST_REQUIRE_GE(r.lines.size(), children.size());
            BOOST_REQUIRE_LE(r.lines.size(), children.size() + 1);
            for (std::size_t i = 0; i < children.size(); ++i) {
                BOOST_REQUIRE_EQUAL(r.lines[i].org_unit, children[i]);
                BOOST_REQUIRE(!r.lines[i].direct);
            }
        }
    }
    BOOST_TEST(checked > 10000u);
}

BOOST_AUTO_TEST_CASE(a_member_counted_in_two_children_counts_once_in_the_total) {
    const auto& defs = real_definitions();
    const auto tree =
        *access::org_tree::build({{"P", "p", "", "l"}, {"A", "a", "P", "l"}, {"B", "b", "P", "l"}});
    std::vector<owned_record> recs{
        {"commitment", "A", {{"member", str("m1")}, {"year", num(2022)}}, false},
        {"commitment", "B", {{"member", str("m1")}, {"year", num(2022)}}, false},
        {"commitment", "B", {{"member", str("m2")}, {"year", num(2022)}}, false}};
    const auto v = views(recs);
    const auto r = roll_up(defs, tree, "P", evaluate(defs, *year_period(2022), v));
    const auto i = defs.find_measure("members_with_commitment");
    BOOST_TEST(r.lines[0].values[i].value == 1);
    BOOST_TEST(r.lines[1].values[i].value == 2);
    BOOST_TEST(r.total[i].value == 2);  // R3: union {m1, m2}
}

BOOST_AUTO_TEST_CASE(an_unknown_root_gives_zero_totals_and_no_lines) {
    const auto& defs = real_definitions();
    const auto tree = *access::org_tree::build({{"P", "p", "", "l"}});
    unit_values values;
    values["P"] = std::vector<measure_value>(defs.measures.size(), measure_value{5, {}});
    const auto r = roll_up(defs, tree, "X", values);
    BOOST_TEST(r.lines.empty());
    BOOST_TEST(r.total.size() == defs.measures.size());
    BOOST_TEST(r.total[0].value == 0);
}

BOOST_AUTO_TEST_CASE(freshness_gives_the_oldest_sync_and_the_stale_devices_of_a_subtree) {
    const auto tree = *access::org_tree::build(
        {{"P", "p", "", "l"}, {"A", "a", "P", "l"}, {"B", "b", "P", "l"}, {"A.1", "a1", "A", "l"}});
    const std::int64_t day = 86'400'000, now = 1'700'000'000'000;
    const std::vector<device_sync> devices{
        {"d1", "A", now - 1 * day},  {"d2", "A.1", now - 10 * day},  // stale at 7 days
        {"d3", "A.1", std::nullopt},                                 // never synced: stale
        {"d4", "B", now - 30 * day},                                 // outside A
        {"d5", "A", now - 7 * day},                                  // exactly 7 days: not over
    };
    const auto a = freshness_of(tree, "A", devices, now, 7);
    BOOST_TEST(a.devices == 4u);
    BOOST_TEST(a.never_synced == 1u);
    BOOST_TEST(a.stale == 2u);
    BOOST_REQUIRE(a.oldest_sync_ms.has_value());
    BOOST_TEST(*a.oldest_sync_ms == now - 10 * day);
    const auto p = freshness_of(tree, "P", devices, now, 7);
    BOOST_TEST(p.devices == 5u);
    BOOST_TEST(*p.oldest_sync_ms == now - 30 * day);
    BOOST_TEST(p.stale == 3u);
    const auto none = freshness_of(tree, "B", {}, now, 7);
    BOOST_TEST(none.devices == 0u);
    BOOST_TEST(!none.oldest_sync_ms.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
