// What `sotay conflicts` and `sotay show` print about review items (docs/review.md,
// docs/sdk.md "The CLI"). The replica is filled through the SDK from the in-process fake
// server of tests/sdk, so every item, side and decision is known exactly; the CLI then
// runs as its own process on that data directory and reads it offline. The review flow
// against the real server (items opened by real conflicts, decided by a reviewer) is
// tests/e2e/review_test.cpp's.
#include "../sdk/fake_server.hpp"
#include "cli_support.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace sotay;
using namespace sotay::e2e;
namespace json = boost::json;

namespace {

const std::string other_device = "0190f5a2-7c41-7d3e-8a5b-0000000000d2";
const std::string theirs = "0190f5a2-7c41-7d3e-8a5b-00000000beef";
const std::string third = "0190f5a2-7c41-7d3e-8a5b-0000000c0de5";

// 1700000000000 ms is 2023-11-14T22:13:20Z.
sync::review_side_msg side(const std::string& record, sync::value v, const std::string& device,
                           const std::string& user) {
    return {record, std::move(v), device, user, 2, "1700000000000:0", 1700000001000};
}

sync::review_item_msg item(const std::string& kind, const std::string& record,
                           const std::string& field) {
    sync::review_item_msg i;
    i.kind = kind;
    i.state = "open";
    i.type = "petition";
    i.record = record;
    i.org_unit = "LS.TP.P1";
    i.field = field;
    i.version = 2;
    i.created_ms = 1700000002000;
    return i;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A device whose replica holds: its own petition with two open items (a field conflict
// and a duplicate of another device's petition), two decided ones (a field resolved, one
// dismissed), and the other petition merged away into a third.
struct reviewed_device {
    cli_device cli;
    sdk_test::fake_server server;
    std::string mine;
    std::int64_t open_field = 0, open_duplicate = 0, settled = 0, dismissed = 0, merged = 0;

    reviewed_device() {
        server.apply_other(theirs, "petition", sdk_test::petition("Đơn của ông Trần Văn Bình"));
        server.apply_other(third, "petition", sdk_test::petition("Đơn của ông Trần Văn Bình"));
        sdk::device d(cli.db_path(), sdk_test::options_for(server));
        d.configure(sdk_test::test_settings());
        mine = d.create("petition", "LS.TP.P1", sdk_test::petition("Đơn của bà Nguyễn Thị Hoa"));
        d.sync();

        auto f = item("field", mine, "summary");
        f.sides = {side(mine, std::string("Đơn phản ánh đường sạt lở"), other_device, "minh"),
                   side(mine, std::string("Đơn của bà Nguyễn Thị Hoa"),
                        sdk_test::test_settings().device_id, "lan")};
        open_field = server.put_review(f);

        auto dup = item("duplicate", mine, "");
        dup.other_record = theirs;
        dup.other_org_unit = "LS.TP.P2";
        dup.natural_key = "001203004567|2022-03-04|complaint";
        dup.sides = {side(mine, sync::value{}, sdk_test::test_settings().device_id, "lan"),
                     side(theirs, sync::value{}, other_device, "minh")};
        open_duplicate = server.put_review(dup);

        auto s = item("field", mine, "status");
        s.sides = {side(mine, std::string("received"), other_device, "minh"),
                   side(mine, std::string("resolved"), sdk_test::test_settings().device_id,
                        "lan")};
        s.state = "resolved";
        s.decided_by = "huong";
        s.decided_ms = 1700000009000;  // 2023-11-14T22:13:29Z
        s.decision = "value";
        s.chosen = std::string("đã giải quyết");
        settled = server.put_review(s);

        auto x = item("delete_edit", mine, "_deleted");
        x.sides = {side(mine, true, other_device, "minh"),
                   side(mine, false, sdk_test::test_settings().device_id, "lan")};
        x.state = "dismissed";
        x.decided_by = "huong";
        x.decided_ms = 1700000009000;
        x.decision = "dismiss";
        x.reason = "đã xoá nhầm, giữ nguyên";
        dismissed = server.put_review(x);

        auto m = item("duplicate", third, "");
        m.other_record = theirs;
        m.other_org_unit = "LS.TP.P1";
        m.sides = {side(third, sync::value{}, other_device, "minh"),
                   side(theirs, sync::value{}, other_device, "minh")};
        m.state = "resolved";
        m.decided_by = "huong";
        m.decided_ms = 1700000009000;
        m.decision = "merge";
        m.survivor = third;
        merged = server.put_review(m);
        server.merge_away(theirs, third);
        d.sync();
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_review)

BOOST_AUTO_TEST_CASE(conflicts_lists_the_open_items_with_both_sides_who_and_when) {
    reviewed_device t;
    const auto out = t.cli.ok({"conflicts"});
    BOOST_TEST(contains(out, "2 open review items on this device's records\n"), out);
    BOOST_TEST(contains(out, "item " + std::to_string(t.open_field) +
                                 " (open since 2023-11-14T22:13:22Z)\n  petition " + t.mine +
                                 ": field summary was changed on two devices\n"),
               out);
    // Each side: the value as typed (Vietnamese, untouched), who, which device, when.
    BOOST_TEST(contains(out, "  side 0: Đơn phản ánh đường sạt lở\n     by minh on device " +
                                 other_device +
                                 ", made 2023-11-14T22:13:20Z, received 2023-11-14T22:13:21Z\n"),
               out);
    BOOST_TEST(contains(out, "  side 1: Đơn của bà Nguyễn Thị Hoa\n     by lan on device " +
                                 sdk_test::test_settings().device_id + " (this device), made "),
               out);
    // A duplicate names both records and the key they share.
    BOOST_TEST(contains(out, "petition " + t.mine + " (LS.TP.P1) and " + theirs +
                                 " (LS.TP.P2) may be the same one; natural key: "
                                 "001203004567|2022-03-04|complaint\n"),
               out);
    BOOST_TEST(contains(out, "  side 1: record " + theirs + "\n     created by minh"), out);
    // Decided items only with --all.
    BOOST_TEST(!contains(out, "settled by"), out);
    BOOST_TEST(!contains(out, "dismissed by"), out);
}

BOOST_AUTO_TEST_CASE(conflicts_all_adds_each_decision_who_when_and_what) {
    reviewed_device t;
    const auto out = t.cli.ok({"conflicts", "--all"});
    BOOST_TEST(contains(out, "2 open review items, 3 decided on this device's records\n"), out);
    BOOST_TEST(
        contains(out, "  settled by huong on 2023-11-14T22:13:29Z: status = đã giải quyết\n"), out);
    BOOST_TEST(contains(out, "  side 0: deleted\n"), out);
    BOOST_TEST(contains(out, "  side 1: kept (edited)\n"), out);
    BOOST_TEST(
        contains(out, "  dismissed by huong on 2023-11-14T22:13:29Z: đã xoá nhầm, giữ nguyên\n"),
        out);
    BOOST_TEST(contains(out, "  settled by huong on 2023-11-14T22:13:29Z: " + theirs +
                                 " merged into " + third + "\n"),
               out);
}

BOOST_AUTO_TEST_CASE(conflicts_as_json_carries_the_items_as_the_protocol_does) {
    reviewed_device t;
    for (const auto& args : {std::vector<std::string>{"conflicts", "--format", "json"},
                             std::vector<std::string>{"--json", "conflicts"}}) {
        const auto r = t.cli.run(args);
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
        const auto items = json::parse(r.out).as_array();
        BOOST_TEST_REQUIRE(items.size() == 2u);
        BOOST_TEST(items[0].at("item").as_int64() == t.open_field);
        BOOST_TEST(items[0].at("kind").as_string() == "field");
        BOOST_TEST(items[0].at("sides").as_array()[0].at("value").as_string() ==
                   "Đơn phản ánh đường sạt lở");
        BOOST_TEST(items[1].at("other_record").as_string() == theirs);
    }
    const auto all = json::parse(t.cli.ok({"conflicts", "--all", "--format", "json"})).as_array();
    BOOST_TEST_REQUIRE(all.size() == 5u);
    BOOST_TEST(all[2].at("decided_by").as_string() == "huong");
    BOOST_TEST(all[2].at("chosen").as_string() == "đã giải quyết");
    BOOST_TEST(all[3].at("reason").as_string() == "đã xoá nhầm, giữ nguyên");
    BOOST_TEST(all[4].at("survivor").as_string() == third);

    const auto bad = t.cli.run({"conflicts", "--format", "yaml"});
    BOOST_TEST(bad.exit_code == 2);
    BOOST_TEST(contains(bad.err, "--format is text or json, not 'yaml'"), bad.err);
}

BOOST_AUTO_TEST_CASE(show_prints_the_records_open_items_and_how_the_others_were_settled) {
    reviewed_device t;
    const auto out = t.cli.ok({"show", t.mine});
    BOOST_TEST(contains(out, "state     synced\n"), out);
    BOOST_TEST(contains(out, "review    2 open, 2 decided\n"), out);
    BOOST_TEST(contains(out, "  side 0: Đơn phản ánh đường sạt lở\n"), out);
    BOOST_TEST(contains(out, "item " + std::to_string(t.settled) +
                                 ": settled by huong on 2023-11-14T22:13:29Z: status = đã giải "
                                 "quyết\n"),
               out);
    BOOST_TEST(contains(out, "item " + std::to_string(t.dismissed) + ": dismissed by huong"),
               out);

    const auto j = t.cli.json({"show", t.mine}).as_object();
    BOOST_TEST(j.at("review").as_array().size() == 4u);
    BOOST_TEST(!j.contains("merged_into"));
}

BOOST_AUTO_TEST_CASE(show_of_a_merged_away_record_names_the_survivor_and_its_fields) {
    reviewed_device t;
    const auto out = t.cli.ok({"show", theirs});
    BOOST_TEST(contains(out, "state     merged into " + third + " (a duplicate)\n"), out);
    BOOST_TEST(contains(out, "merged into " + third + "; the record that survived:\nrecord    " +
                                 third + "\n"),
               out);
    BOOST_TEST(contains(out, "  summary: Đơn của ông Trần Văn Bình\n"), out);
    BOOST_TEST(!contains(out, "_merged_into"), out);  // said in words, not as a field
    BOOST_TEST(contains(out, "item " + std::to_string(t.merged) + ": settled by huong"), out);

    const auto j = t.cli.json({"show", theirs}).as_object();
    BOOST_TEST(j.at("deleted").as_bool());
    BOOST_TEST(j.at("merged_into").as_string() == third);
    BOOST_TEST(j.at("fields").at("_merged_into").as_string() == third);  // as pulled
    BOOST_TEST(j.at("survivor_id").as_string() == third);
    BOOST_TEST(j.at("survivor").at("record").as_string() == third);
    // The merged-away record is no longer listed; the survivor is.
    const auto listed = t.cli.records();
    BOOST_TEST(!listed.contains(theirs));
    BOOST_TEST(listed.contains(third));
}

BOOST_AUTO_TEST_CASE(status_counts_the_open_items) {
    reviewed_device t;
    const auto out = t.cli.ok({"status"});
    BOOST_TEST(contains(out, "review      2 open items on this device's records (`sotay "
                             "conflicts`)\n"),
               out);
    const auto j = t.cli.status();
    BOOST_TEST(j.at("open_review_items").as_int64() == 2);
}

BOOST_AUTO_TEST_SUITE_END()
