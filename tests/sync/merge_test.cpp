// The merge rule table of merge.cpp, one case per row, and its invariants.
#include <sotay/sync/merge.hpp>

#include <boost/test/unit_test.hpp>

namespace {
using namespace sotay::sync;

const std::string rec = "0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b";
const std::string dev_a = "aaaaaaaa-0000-7000-8000-000000000000";
const std::string dev_b = "bbbbbbbb-0000-7000-8000-000000000000";

change make(const std::string& device, std::uint64_t seq, std::uint64_t wall, std::uint64_t base,
            field_map set, bool del = false) {
    return change{rec, "petition", "LS.TP.P1", device, seq, hlc{wall, 0}, base, std::move(set), del};
}

record_state created() {
    record_state r;
    auto out = apply(r, make(dev_a, 1, 1000, 0,
                             {{"kind", value{"complaint"}}, {"status", value{"received"}}}));
    BOOST_REQUIRE(out.has_value());
    BOOST_REQUIRE(out->created);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(merge)

BOOST_AUTO_TEST_CASE(a_create_sets_type_fields_org_unit_and_version_one) {
    const record_state r = created();
    BOOST_TEST(r.type == "petition");
    BOOST_TEST(r.org_unit_code() == "LS.TP.P1");
    BOOST_TEST(r.version == 1u);
    BOOST_TEST(!r.is_deleted());
    BOOST_TEST(r.visible_fields().size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_sequential_edit_from_another_device_is_not_a_conflict) {
    record_state r = created();
    auto out = apply(r, make(dev_b, 1, 2000, 1, {{"status", value{"resolved"}}}));
    BOOST_REQUIRE(out.has_value());
    BOOST_TEST(out->conflicts.empty());
    BOOST_TEST((r.fields["status"].v == value{"resolved"}));
    BOOST_TEST(r.version == 2u);
}

BOOST_AUTO_TEST_CASE(concurrent_edits_of_one_field_conflict_once_and_the_later_clock_wins) {
    record_state r = created();
    BOOST_REQUIRE(apply(r, make(dev_a, 2, 3000, 1, {{"status", value{"processing"}}})).has_value());
    // B saw version 1 only, and its clock is earlier: it loses, and it is a conflict.
    auto out = apply(r, make(dev_b, 1, 2000, 1, {{"status", value{"resolved"}}}));
    BOOST_REQUIRE(out.has_value());
    BOOST_REQUIRE(out->conflicts.size() == 1u);
    const conflict& k = out->conflicts[0];
    BOOST_TEST(k.field == "status");
    BOOST_TEST(!k.won);
    BOOST_TEST((k.kept() == value{"processing"}));
    BOOST_TEST((k.yours == value{"resolved"}));
    BOOST_TEST(k.other.device_id == dev_a);
    BOOST_TEST((r.fields["status"].v == value{"processing"}));
    BOOST_TEST(r.version == 3u);  // M4: an applied change that lost still counts
}

BOOST_AUTO_TEST_CASE(a_concurrent_edit_to_the_same_value_is_not_a_conflict) {
    record_state r = created();
    BOOST_REQUIRE(apply(r, make(dev_a, 2, 3000, 1, {{"status", value{"resolved"}}})).has_value());
    auto out = apply(r, make(dev_b, 1, 2000, 1, {{"status", value{"resolved"}}}));
    BOOST_TEST(out->conflicts.empty());
}

BOOST_AUTO_TEST_CASE(equal_wall_clocks_are_ordered_by_counter_then_device_id) {
    record_state r1 = created();
    record_state r2 = r1;
    const change a = make(dev_a, 2, 5000, 1, {{"status", value{"processing"}}});
    const change b = make(dev_b, 1, 5000, 1, {{"status", value{"resolved"}}});
    BOOST_REQUIRE(apply(r1, a).has_value());
    BOOST_REQUIRE(apply(r1, b).has_value());
    BOOST_REQUIRE(apply(r2, b).has_value());
    BOOST_REQUIRE(apply(r2, a).has_value());
    // Same hlc: device id "bbbb…" > "aaaa…" wins in both orders.
    BOOST_TEST((r1.fields["status"].v == value{"resolved"}));
    BOOST_TEST((r2.fields["status"].v == value{"resolved"}));
}

BOOST_AUTO_TEST_CASE(null_clears_a_field_and_the_clear_merges_like_a_value) {
    record_state r = created();
    BOOST_REQUIRE(apply(r, make(dev_a, 2, 3000, 1, {{"kind", value{}}})).has_value());
    BOOST_TEST(r.visible_fields().count("kind") == 0u);
    // An older write of the field does not bring it back.
    BOOST_REQUIRE(apply(r, make(dev_b, 1, 2000, 1, {{"kind", value{"feedback"}}})).has_value());
    BOOST_TEST(r.visible_fields().count("kind") == 0u);
}

BOOST_AUTO_TEST_CASE(a_delete_is_a_tombstone_and_a_concurrent_edit_is_a_delete_conflict) {
    record_state r = created();
    BOOST_REQUIRE(apply(r, make(dev_b, 1, 2000, 1, {{"status", value{"resolved"}}})).has_value());
    auto out = apply(r, make(dev_a, 2, 3000, 1, {}, true));
    BOOST_REQUIRE(out.has_value());
    BOOST_TEST(r.is_deleted());
    BOOST_REQUIRE(out->conflicts.size() == 1u);
    BOOST_TEST(out->conflicts[0].field == "_deleted");
    BOOST_TEST(out->conflicts[0].won);
    // The fields are kept under the tombstone: a restore will show them.
    BOOST_TEST((r.fields["status"].v == value{"resolved"}));
}

BOOST_AUTO_TEST_CASE(an_edit_meeting_a_concurrent_delete_keeps_the_record_deleted_and_conflicts) {
    record_state r = created();
    BOOST_REQUIRE(apply(r, make(dev_a, 2, 3000, 1, {}, true)).has_value());
    auto out = apply(r, make(dev_b, 1, 4000, 1, {{"status", value{"resolved"}}}));
    BOOST_REQUIRE(out.has_value());
    BOOST_TEST(r.is_deleted());
    BOOST_REQUIRE(out->conflicts.size() == 1u);
    BOOST_TEST(out->conflicts[0].field == "_deleted");
    BOOST_TEST(!out->conflicts[0].won);
    BOOST_TEST((r.fields["status"].v == value{"resolved"}));  // nothing lost
}

BOOST_AUTO_TEST_CASE(a_delete_before_the_create_arrives_still_wins_over_an_older_create) {
    record_state r;
    BOOST_REQUIRE(apply(r, make(dev_b, 1, 5000, 1, {}, true)).has_value());
    BOOST_REQUIRE(apply(r, make(dev_a, 1, 1000, 0, {{"status", value{"received"}}})).has_value());
    BOOST_TEST(r.is_deleted());
    BOOST_TEST(r.version == 2u);
}

BOOST_AUTO_TEST_CASE(a_change_of_another_type_for_an_existing_record_is_refused_untouched) {
    record_state r = created();
    const record_state before = r;
    change c = make(dev_b, 1, 2000, 1, {{"status", value{"open"}}});
    c.type = "pressing_issue";
    auto out = apply(r, c);
    BOOST_REQUIRE(!out.has_value());
    BOOST_TEST(out.error().code == errc::validation);
    BOOST_TEST(*out.error().field == "type");
    BOOST_TEST((r == before));
}

BOOST_AUTO_TEST_CASE(reserved_field_names_are_refused) {
    record_state r;
    auto out = apply(r, make(dev_a, 1, 1000, 0, {{"_deleted", value{false}}}));
    BOOST_REQUIRE(!out.has_value());
    BOOST_TEST(r.id.empty());
}

BOOST_AUTO_TEST_CASE(moving_a_record_merges_org_unit_like_a_field) {
    record_state r = created();
    change move = make(dev_b, 1, 3000, 1, {});
    move.org_unit = "LS.TP.P2";
    BOOST_REQUIRE(apply(r, move).has_value());
    BOOST_TEST(r.org_unit_code() == "LS.TP.P2");
    // A concurrent, older edit that still names the old unit loses and is a conflict.
    auto out = apply(r, make(dev_a, 2, 2000, 1, {{"status", value{"processing"}}}));
    BOOST_TEST(r.org_unit_code() == "LS.TP.P2");
    BOOST_REQUIRE(out->conflicts.size() == 1u);
    BOOST_TEST(out->conflicts[0].field == "org_unit");
}

BOOST_AUTO_TEST_CASE(stored_form_round_trips_and_keeps_each_value_once) {
    record_state r = created();
    BOOST_REQUIRE(apply(r, make(dev_b, 1, 2000, 1, {{"summary", value{"Đơn của ông Nguyễn"}},
                                                    {"people", value{std::int64_t{7}}}})).has_value());
    BOOST_REQUIRE(apply(r, make(dev_a, 2, 3000, 2, {}, true)).has_value());
    BOOST_REQUIRE(apply(r, make(dev_b, 2, 4000, 3, {{"kind", value{}}})).has_value());  // cleared
    const std::string fields = encode_fields_json(r.visible_fields());
    const std::string clocks = encode_clocks(r);
    record_state back;
    BOOST_REQUIRE(decode_record(fields, clocks, r.id, back));
    BOOST_TEST((back == r));
    // No value is stored twice: the clocks carry none of the field values.
    BOOST_TEST(clocks.find("Nguyễn") == std::string::npos);
    BOOST_TEST(clocks.find("complaint") == std::string::npos);
    // Corrupt or inconsistent rows are refused.
    BOOST_TEST(!decode_record(fields, "{\"t\":\"x\"}", r.id, back));
    BOOST_TEST(!decode_record(fields, "not json", r.id, back));
    BOOST_TEST(!decode_record("{}", clocks, r.id, back));  // values missing
    BOOST_TEST(!decode_record(encode_fields_json({{"extra", value{true}}, {"people", value{std::int64_t{7}}},
                                                   {"status", value{"received"}},
                                                   {"summary", value{"Đơn của ông Nguyễn"}}}),
                              clocks, r.id, back));  // a value without a clock
}

// Review decisions (issue 6): a restore is the tombstone register written with false.
BOOST_AUTO_TEST_CASE(a_newer_restore_undoes_a_delete_and_shows_the_merged_edits) {
    record_state r = created();
    BOOST_REQUIRE(apply(r, make(dev_a, 2, 3000, 1, {}, true)).has_value());
    // B's concurrent edit merges into the deleted record (nothing is lost).
    BOOST_REQUIRE(apply(r, make(dev_b, 1, 2000, 1, {{"status", value{"processing"}}})).has_value());
    BOOST_REQUIRE(r.is_deleted());
    change restore = make(dev_b, 2, 4000, r.version, {});
    restore.restore = true;
    auto out = apply(r, restore);
    BOOST_REQUIRE(out.has_value());
    BOOST_TEST(out->conflicts.empty());
    BOOST_TEST(!r.is_deleted());
    BOOST_TEST((r.fields["status"].v == value{"processing"}));
}

BOOST_AUTO_TEST_CASE(an_older_restore_loses_to_the_delete_it_did_not_see) {
    record_state r = created();
    BOOST_REQUIRE(apply(r, make(dev_a, 2, 5000, 1, {}, true)).has_value());
    change restore = make(dev_b, 1, 4000, 1, {});
    restore.restore = true;
    auto out = apply(r, restore);
    BOOST_REQUIRE(out.has_value());
    BOOST_TEST(r.is_deleted());
    BOOST_REQUIRE(out->conflicts.size() == 1u);
    BOOST_TEST(out->conflicts[0].field == "_deleted");
    BOOST_TEST(!out->conflicts[0].won);
}

BOOST_AUTO_TEST_CASE(a_merge_tombstone_points_to_the_survivor_among_the_fields) {
    record_state r = created();
    change del = make(dev_b, 1, 2000, 1, {}, true);
    del.merged_into = "0190f5a2-7c41-7d3e-8a5b-000000000001";
    BOOST_REQUIRE(apply(r, del).has_value());
    BOOST_TEST(r.is_deleted());
    const field_map visible = r.visible_fields();
    BOOST_REQUIRE(visible.count(std::string(merged_into_field)) == 1u);
    BOOST_TEST((visible.at(std::string(merged_into_field)) == value{del.merged_into}));
    // The stored form keeps it.
    record_state back;
    BOOST_REQUIRE(decode_record(encode_fields_json(visible), encode_clocks(r), r.id, back));
    BOOST_TEST((back == r));
}

BOOST_AUTO_TEST_CASE(restore_with_delete_or_merged_into_without_delete_is_refused) {
    record_state r = created();
    const record_state before = r;
    change both = make(dev_b, 1, 2000, 1, {}, true);
    both.restore = true;
    BOOST_TEST(!apply(r, both).has_value());
    change pointer = make(dev_b, 1, 2000, 1, {});
    pointer.merged_into = rec;
    BOOST_TEST(!apply(r, pointer).has_value());
    BOOST_TEST((r == before));
}

BOOST_AUTO_TEST_SUITE_END()
