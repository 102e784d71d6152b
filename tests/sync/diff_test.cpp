// diff(): the before/after of one change, as the audit history keeps it.
#include <sotay/sync/diff.hpp>
#include <sotay/sync/merge.hpp>

#include <boost/test/unit_test.hpp>

namespace {
using namespace sotay::sync;

const std::string rec = "0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b";
const std::string dev_a = "aaaaaaaa-0000-7000-8000-000000000000";
const std::string dev_b = "bbbbbbbb-0000-7000-8000-000000000000";

change make(const std::string& device, std::uint64_t seq, std::uint64_t wall, std::uint64_t base,
            field_map set, bool del = false) {
    return change{rec,          "petition", "LS.TP.P1",     device, seq,
                  hlc{wall, 0}, base,       std::move(set), del};
}

// Applies c to a copy of r and returns the copy (the state after).
record_state after(const record_state& r, const change& c) {
    record_state out = r;
    BOOST_REQUIRE(apply(out, c).has_value());
    return out;
}

record_state created() {
    return after(
        record_state{},
        make(dev_a, 1, 1000, 0, {{"kind", value{"complaint"}}, {"status", value{"received"}}}));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(diff_of_states)

BOOST_AUTO_TEST_CASE(a_creation_lists_org_unit_then_each_field_by_name_from_null) {
    const auto d = diff(record_state{}, created());
    BOOST_REQUIRE(d.size() == 3u);
    BOOST_TEST((d[0] == field_diff{"org_unit", value{}, value{"LS.TP.P1"}}));
    BOOST_TEST((d[1] == field_diff{"kind", value{}, value{"complaint"}}));
    BOOST_TEST((d[2] == field_diff{"status", value{}, value{"received"}}));
}

BOOST_AUTO_TEST_CASE(equal_states_have_no_difference) {
    const record_state r = created();
    BOOST_TEST(diff(r, r).empty());
    BOOST_TEST(diff(record_state{}, record_state{}).empty());
}

BOOST_AUTO_TEST_CASE(an_edit_lists_only_the_fields_whose_value_changed) {
    const record_state r1 = created();
    const record_state r2 = after(
        r1, make(dev_b, 1, 2000, 1, {{"status", value{"resolved"}}, {"kind", value{"complaint"}}}));
    // kind was written again with the same value: a new writer, but no difference.
    BOOST_TEST(!(r2.fields.at("kind").w == r1.fields.at("kind").w));
    const auto d = diff(r1, r2);
    BOOST_REQUIRE(d.size() == 1u);
    BOOST_TEST((d[0] == field_diff{"status", value{"received"}, value{"resolved"}}));
}

BOOST_AUTO_TEST_CASE(a_cleared_field_goes_to_null_and_a_cleared_field_equals_an_absent_one) {
    const record_state r1 = created();
    const record_state r2 = after(r1, make(dev_a, 2, 2000, 1, {{"status", value{}}}));
    const auto d = diff(r1, r2);
    BOOST_REQUIRE(d.size() == 1u);
    BOOST_TEST((d[0] == field_diff{"status", value{"received"}, value{}}));

    // r2 keeps "status" as a cleared register; a state without it at all is the same.
    BOOST_REQUIRE(r2.fields.count("status") == 1u);
    record_state without = r2;
    without.fields.erase("status");
    BOOST_TEST(diff(r2, without).empty());
    BOOST_TEST(diff(without, r2).empty());
}

BOOST_AUTO_TEST_CASE(a_delete_and_a_restore_are_differences_of_the_tombstone) {
    const record_state r1 = created();
    const record_state r2 = after(r1, make(dev_a, 2, 2000, 1, {}, true));
    auto d = diff(r1, r2);
    BOOST_REQUIRE(d.size() == 1u);
    BOOST_TEST((d[0] == field_diff{"_deleted", value{}, value{true}}));

    change restore = make(dev_b, 1, 3000, 2, {{"status", value{"reopened"}}});
    restore.restore = true;
    d = diff(r2, after(r2, restore));
    BOOST_REQUIRE(d.size() == 2u);
    BOOST_TEST((d[0] == field_diff{"_deleted", value{true}, value{false}}));
    BOOST_TEST((d[1] == field_diff{"status", value{"received"}, value{"reopened"}}));
}

BOOST_AUTO_TEST_CASE(org_unit_comes_first_then_the_tombstone_then_fields_in_byte_order) {
    record_state before = created();
    record_state later = before;
    later.org_unit.v = value{"LS.TP.P2"};
    later.deleted.v = value{true};
    later.fields["Zeta"].v = value{std::int64_t{1}};
    later.fields["_merged_into"].v = value{"x"};
    later.fields["alpha"].v = value{2.5};
    later.fields["status"].v = value{"closed"};
    const auto d = diff(before, later);
    std::vector<std::string> names;
    for (const auto& f : d) names.push_back(f.name);
    const std::vector<std::string> expected{"org_unit",     "_deleted", "Zeta",
                                            "_merged_into", "alpha",    "status"};
    BOOST_TEST(names == expected, boost::test_tools::per_element());
    // The reverse direction lists the same names with the sides swapped.
    const auto back = diff(later, before);
    BOOST_REQUIRE(back.size() == d.size());
    for (std::size_t i = 0; i < d.size(); ++i) {
        BOOST_TEST(back[i].name == d[i].name);
        BOOST_TEST((back[i].before == d[i].after));
        BOOST_TEST((back[i].after == d[i].before));
    }
}

BOOST_AUTO_TEST_CASE(an_integer_and_the_equal_number_are_different_values) {
    record_state a = created();
    record_state b = a;
    a.fields["amount"].v = value{std::int64_t{2}};
    b.fields["amount"].v = value{2.0};
    const auto d = diff(a, b);
    BOOST_REQUIRE(d.size() == 1u);
    BOOST_TEST(d[0].name == "amount");
}

BOOST_AUTO_TEST_SUITE_END()
