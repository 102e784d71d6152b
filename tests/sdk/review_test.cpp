// Review items on the device (device.hpp; sync.cpp step 5b; docs/review.md): fetched
// after each pull from the stored review cursor and kept in the replica; an older server
// that does not know get_review leaves the sync working; merged-away and restored records
// in the replica; fields beginning with '_' kept as pulled and never set by the officer.
#include "fake_server.hpp"

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

using namespace sotay;
using namespace sotay::sdk_test;

namespace {

const std::string other_device = "0190f5a2-7c41-7d3e-8a5b-0000000000d2";
const std::string theirs = "0190f5a2-7c41-7d3e-8a5b-00000000beef";

sync::review_side_msg side(const std::string& record, sync::value v, const std::string& device,
                           const std::string& user, std::uint64_t seq) {
    return {record, std::move(v), device, user, seq, "1700000000000:0", 1700000001000};
}

// Two devices wrote `field` of `record` concurrently: side 0 is the value the later
// change met (the other device's), side 1 this device's.
sync::review_item_msg field_item(const std::string& record, const std::string& field,
                                 sync::value met, sync::value mine) {
    sync::review_item_msg i;
    i.kind = "field";
    i.state = "open";
    i.type = "petition";
    i.record = record;
    i.org_unit = "LS.TP.P1";
    i.field = field;
    i.sides = {side(record, std::move(met), other_device, "minh", 3),
               side(record, std::move(mine), test_settings().device_id, "lan", 2)};
    i.version = 2;
    i.created_ms = 1700000002000;
    return i;
}

sync::review_item_msg duplicate_item(const std::string& record, const std::string& other) {
    sync::review_item_msg i;
    i.kind = "duplicate";
    i.state = "open";
    i.type = "petition";
    i.record = record;
    i.org_unit = "LS.TP.P1";
    i.other_record = other;
    i.other_org_unit = "LS.TP.P1";
    i.natural_key = "001203004567|2022-03-04|complaint";
    i.sides = {side(record, sync::value{}, test_settings().device_id, "lan", 1),
               side(other, sync::value{}, other_device, "minh", 1)};
    i.version = 1;
    i.created_ms = 1700000003000;
    return i;
}

// The item as a reviewer's decision leaves it.
sync::review_item_msg resolved(sync::review_item_msg i, sync::value chosen) {
    i.state = "resolved";
    i.decided_by = "huong";
    i.decided_ms = 1700000009000;
    i.decision = "side";
    i.chosen = std::move(chosen);
    return i;
}

std::vector<std::int64_t> ids_of(const std::vector<sdk::review_item>& items) {
    std::vector<std::int64_t> ids;
    for (const auto& i : items) {
        ids.push_back(i.item);
    }
    return ids;
}

std::vector<std::uint64_t> afters(const fake_server& s) {
    std::vector<std::uint64_t> out;
    for (const auto& g : s.review_requests) {
        out.push_back(g.after);
    }
    return out;
}

// A device with one synced record of its own and one of another device's.
struct synced_device {
    temp_dir dir;
    fake_server server;
    std::optional<sdk::device> d;
    std::string mine;

    explicit synced_device(std::uint32_t review_limit = 100) {
        server.apply_other(theirs, "petition", petition("của thiết bị khác"));
        auto o = options_for(server);
        o.review_limit = review_limit;
        d.emplace(dir.file(), std::move(o));
        d->configure(test_settings());
        mine = d->create("petition", "LS.TP.P1", petition("Đơn của bà Nguyễn Thị Hoa"));
        d->sync();
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(device_review)

BOOST_AUTO_TEST_CASE(review_items_are_fetched_after_the_pull_and_kept_exactly_as_sent) {
    synced_device t;
    auto& d = *t.d;
    const auto f = t.server.put_review(
        field_item(t.mine, "summary", std::string("Đơn phản ánh đường sạt lở"),
                   std::string("Đơn của bà Nguyễn Thị Hoa")));
    const auto dup = t.server.put_review(duplicate_item(t.mine, theirs));
    const auto n = t.server.put_review(field_item(t.mine, "people_count", std::int64_t{12},
                                                  sync::value{}));  // cleared on one side

    const auto report = d.sync();
    BOOST_TEST(report.review_received == 3u);
    BOOST_TEST(!report.review_skipped.has_value());
    BOOST_TEST_REQUIRE(t.server.review_requests.size() == 2u);  // the first sync had none
    BOOST_TEST(t.server.review_requests[1].after == 0u);
    BOOST_TEST(!t.server.review_requests[1].live);

    // Byte for byte what the server sent: Vietnamese text, a number, a null, the sides.
    const auto items = d.review_items(t.mine);
    BOOST_TEST_REQUIRE(items.size() == 3u);
    BOOST_TEST((items[0] == t.server.state.review.at(f)));
    BOOST_TEST((items[1] == t.server.state.review.at(dup)));
    BOOST_TEST((items[2] == t.server.state.review.at(n)));
    // A duplicate is about both records.
    BOOST_TEST(ids_of(d.review_items(theirs)) == std::vector<std::int64_t>{dup});
    BOOST_TEST(ids_of(d.open_review_items()) == (std::vector<std::int64_t>{f, dup, n}));
    BOOST_TEST(d.status().open_review_items == 3u);
    BOOST_TEST(d.status().review_cursor == 3u);
    // Nothing new: the next sync asks from the cursor and receives nothing.
    BOOST_TEST(d.sync().review_received == 0u);
    BOOST_TEST(t.server.review_requests.back().after == 3u);
}

BOOST_AUTO_TEST_CASE(the_review_cursor_pages_and_resumes_and_a_decision_replaces_the_open_item) {
    synced_device t(2);  // two items a page
    auto& d = *t.d;
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(t.server.put_review(field_item(t.mine, "f" + std::to_string(i),
                                                     std::int64_t{i}, std::int64_t{i + 10})));
    }
    // The link drops at the second page: the first page and its cursor are kept.
    t.server.fail_review = {2};
    BOOST_CHECK_THROW(d.sync(), sdk::error);
    BOOST_TEST(afters(t.server) == (std::vector<std::uint64_t>{0, 0, 2}));
    BOOST_TEST(d.status().review_cursor == 2u);
    BOOST_TEST(d.open_review_items().size() == 2u);

    // The next sync resumes after item 2, pages to the end, and asks for nothing twice.
    const auto report = d.sync();
    BOOST_TEST(report.review_received == 3u);
    BOOST_TEST(afters(t.server) == (std::vector<std::uint64_t>{0, 0, 2, 2, 4}));
    BOOST_TEST(t.server.review_requests.back().limit == 2u);
    BOOST_TEST(ids_of(d.open_review_items()) == ids);

    // A reviewer decides the first item: its new state comes with a new seq, and the
    // device keeps the decision while the item leaves the open list.
    t.server.put_review(resolved(t.server.state.review.at(ids[0]), std::int64_t{0}));
    BOOST_TEST(d.sync().review_received == 1u);
    BOOST_TEST(t.server.review_requests.back().after == 5u);
    BOOST_TEST(ids_of(d.open_review_items()) ==
               (std::vector<std::int64_t>{ids.begin() + 1, ids.end()}));
    const auto all = d.held_review_items();
    BOOST_TEST_REQUIRE(all.size() == 5u);
    BOOST_TEST(all[0].state == "resolved");
    BOOST_TEST(all[0].decided_by == "huong");
    BOOST_TEST((all[0].chosen == sync::value{std::int64_t{0}}));
    BOOST_TEST(d.status().open_review_items == 4u);
}

BOOST_AUTO_TEST_CASE(an_older_server_that_refuses_get_review_leaves_the_sync_working) {
    synced_device t;
    auto& d = *t.d;
    const auto kept = t.server.put_review(duplicate_item(t.mine, theirs));
    d.sync();
    BOOST_TEST_REQUIRE(d.open_review_items().size() == 1u);

    // The server is replaced by one without the review queue (bad_message).
    t.server.knows_review = false;
    t.server.put_review(field_item(t.mine, "summary", std::string("a"), std::string("b")));
    const auto id = d.create("petition", "LS.TP.P1", petition("sau khi máy chủ đổi"));
    const auto report = d.sync();
    BOOST_TEST(report.applied == 1u);
    BOOST_TEST(report.received == 1u);
    BOOST_TEST(d.get(id)->pending == 0u);
    BOOST_TEST_REQUIRE(report.review_skipped.has_value());
    BOOST_TEST(report.review_skipped->find("bad_message") != std::string::npos);
    BOOST_TEST(report.review_received == 0u);
    // The sync counts as complete, and what was fetched before is still there.
    BOOST_TEST(!d.status().last_error.has_value());
    BOOST_TEST(ids_of(d.open_review_items()) == std::vector<std::int64_t>{kept});
    BOOST_TEST(d.status().review_cursor == 1u);

    // The server learns get_review again: the device catches up from its cursor.
    t.server.knows_review = true;
    BOOST_TEST(d.sync().review_received == 1u);
    BOOST_TEST(d.open_review_items().size() == 2u);
}

BOOST_AUTO_TEST_CASE(scope_changed_at_get_review_reconnects_and_fetches_every_item_again) {
    synced_device t;
    auto& d = *t.d;
    const auto gone = t.server.put_review(field_item(t.mine, "summary", std::string("a"),
                                                     std::string("b")));
    const auto stays = t.server.put_review(duplicate_item(t.mine, theirs));
    d.sync();
    BOOST_TEST(d.open_review_items().size() == 2u);

    // The user was moved: one item is no longer in scope, and an item that came into
    // scope has a review seq below the device's cursor.
    t.server.state.review.erase(gone);
    sync::review_item_msg older = field_item(theirs, "status", std::string("received"),
                                             std::string("processing"));
    older.item = 99;
    older.seq = 1;
    t.server.state.review.emplace(older.item, older);
    t.server.scope_change_at_review = {t.server.review_requests.size()};
    const auto report = d.sync();
    BOOST_TEST(report.scope_changed);
    BOOST_TEST(t.server.review_requests.back().after == 0u);
    // The full fetch replaced the table: the item out of scope is gone, the older one in.
    BOOST_TEST(ids_of(d.held_review_items()) == (std::vector<std::int64_t>{stays, 99}));
}

BOOST_AUTO_TEST_CASE(a_review_cursor_past_a_restored_servers_end_refetches_everything) {
    synced_device t;
    auto& d = *t.d;
    const auto backup_state = t.server.state;  // the nightly copy: no items yet
    const auto a = t.server.put_review(field_item(t.mine, "summary", std::string("a"),
                                                  std::string("b")));
    t.server.put_review(field_item(t.mine, "status", std::string("c"), std::string("d")));
    t.server.put_review(duplicate_item(t.mine, theirs));
    d.sync();
    BOOST_TEST(d.status().review_cursor == 3u);

    // Restored from the copy; since then one item was opened again (a new seq 1), and
    // the device's cursor 3 is past the end. The server reads from its beginning.
    t.server.state = backup_state;
    const auto again = t.server.put_review(field_item(t.mine, "summary", std::string("a"),
                                                      std::string("b")));
    BOOST_TEST(again == a);
    BOOST_TEST(d.sync().review_received == 1u);
    BOOST_TEST(d.status().review_cursor == 1u);
    // The device holds what the restored server holds, nothing it lost.
    BOOST_TEST(ids_of(d.held_review_items()) == std::vector<std::int64_t>{again});
}

BOOST_AUTO_TEST_CASE(only_items_about_records_the_device_holds_are_listed) {
    synced_device t;
    auto& d = *t.d;
    const std::string elsewhere = "0190f5a2-7c41-7d3e-8a5b-00000000f00d";  // never pulled
    const auto held = t.server.put_review(field_item(t.mine, "summary", std::string("a"),
                                                     std::string("b")));
    const auto not_held = t.server.put_review(field_item(elsewhere, "summary",
                                                         std::string("c"), std::string("d")));
    // A duplicate pair counts when either record is on the device.
    const auto half = t.server.put_review(duplicate_item(elsewhere, theirs));
    d.sync();
    BOOST_TEST(ids_of(d.open_review_items()) == (std::vector<std::int64_t>{held, half}));
    BOOST_TEST(ids_of(d.review_items(elsewhere)) == (std::vector<std::int64_t>{not_held, half}));
    BOOST_TEST(d.status().open_review_items == 2u);
}

BOOST_AUTO_TEST_CASE(a_merged_away_record_is_a_tombstone_that_names_its_survivor) {
    synced_device t;
    auto& d = *t.d;
    // The reviewer merged this device's record into the other device's.
    t.server.merge_away(t.mine, theirs);
    d.sync();
    const auto away = d.get(t.mine);
    BOOST_TEST_REQUIRE(away.has_value());
    BOOST_TEST(away->deleted);
    BOOST_TEST(away->merged_into() == theirs);
    // The reserved field is kept as pulled, not refused or renamed.
    BOOST_TEST((away->fields.at("_merged_into") == sync::value{theirs}));
    BOOST_TEST(d.list().size() == 1u);
    BOOST_TEST(d.list()[0].id == theirs);
    BOOST_TEST(d.follow_merged(t.mine) == theirs);
    BOOST_TEST(d.follow_merged(theirs) == theirs);
    BOOST_TEST(d.get(theirs)->merged_into().empty());
    BOOST_CHECK_THROW(d.edit(t.mine, {{"status", std::string("processing")}}), sdk::error);

    // A later merge of the survivor into a third record: followed to the end.
    const std::string third = "0190f5a2-7c41-7d3e-8a5b-0000000c0de5";
    t.server.apply_other(third, "petition", petition("bản thứ ba"));
    t.server.merge_away(theirs, third);
    d.sync();
    BOOST_TEST(d.follow_merged(t.mine) == third);

    // A survivor this device does not hold is still named.
    t.server.merge_away(third, "0190f5a2-7c41-7d3e-8a5b-00000000aaaa");
    d.sync();
    BOOST_TEST(d.follow_merged(t.mine) == "0190f5a2-7c41-7d3e-8a5b-00000000aaaa");
}

BOOST_AUTO_TEST_CASE(a_restored_record_is_live_again_and_editable) {
    synced_device t;
    auto& d = *t.d;
    d.remove(t.mine);
    d.sync();
    BOOST_TEST(d.get(t.mine)->deleted);
    BOOST_TEST(d.list().size() == 1u);

    // The reviewer restored it, with the edits merged while it was deleted.
    auto fields = petition("Đơn của bà Nguyễn Thị Hoa");
    fields.insert_or_assign("status", std::string("processing"));
    t.server.restore(t.mine, fields);
    d.sync();
    const auto back = d.get(t.mine);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(!back->deleted);
    BOOST_TEST(back->merged_into().empty());
    BOOST_TEST((back->fields == fields));
    BOOST_TEST(d.list().size() == 2u);
    d.edit(t.mine, {{"status", std::string("resolved")}});
    d.sync();
    const auto on_server = t.server.record(t.mine);
    BOOST_TEST((on_server->fields.at("status") == sync::value{std::string("resolved")}));
}

BOOST_AUTO_TEST_CASE(the_officer_cannot_set_fields_that_begin_with_an_underscore) {
    synced_device t;
    auto& d = *t.d;
    const auto made = d.status().last_seq_made;
    auto fields = petition("giả mạo");
    fields.insert_or_assign("_merged_into", theirs);
    try {
        d.create("petition", "LS.TP.P1", fields);
        BOOST_FAIL("create was expected to refuse _merged_into");
    } catch (const sdk::error& e) {
        BOOST_TEST((e.kind() == sdk::error_kind::invalid_argument));
        BOOST_TEST(std::string(e.what()).find("_merged_into") != std::string::npos);
    }
    BOOST_CHECK_THROW(d.edit(t.mine, {{"_deleted", false}}), sdk::error);
    BOOST_CHECK_THROW(d.edit(t.mine, {{"_merged_into", theirs}}), sdk::error);
    BOOST_TEST(d.status().last_seq_made == made);  // nothing reached the outbox
}

BOOST_AUTO_TEST_CASE(a_version_2_replica_is_upgraded_and_keeps_its_pull_cursor) {
    temp_dir dir;
    fake_server server;
    server.apply_other(theirs, "petition", petition("trước khi nâng cấp"));
    std::string mine;
    {
        sdk::device d(dir.file(), options_for(server));
        d.configure(test_settings());
        mine = d.create("petition", "LS.TP.P1", petition("của tôi"));
        d.sync();
    }
    BOOST_TEST_REQUIRE(server.pulls.size() == 1u);
    // Back to local schema 2, as the SDK of issue 5 wrote it.
    sqlite3* db = nullptr;
    BOOST_TEST_REQUIRE(sqlite3_open(dir.file().string().c_str(), &db) == SQLITE_OK);
    const int rc = sqlite3_exec(db,
                                "DROP TABLE review_items; "
                                "ALTER TABLE meta DROP COLUMN review_cursor; "
                                "PRAGMA user_version = 2;",
                                nullptr, nullptr, nullptr);
    sqlite3_close(db);
    BOOST_TEST_REQUIRE(rc == SQLITE_OK);

    server.put_review(duplicate_item(mine, theirs));
    sdk::device d(dir.file(), options_for(server));
    BOOST_TEST(d.status().review_cursor == 0u);
    BOOST_TEST(d.get(mine).has_value());
    const auto report = d.sync();
    // The pull resumed from the cursor the first sync stored (after both records), so
    // nothing came again ...
    BOOST_TEST_REQUIRE(server.pulls.size() == 2u);
    BOOST_TEST((server.pulls[1].cursor == std::optional<std::string>("f.2")));
    BOOST_TEST(report.received == 0u);
    // ... and the review table works.
    BOOST_TEST(report.review_received == 1u);
    BOOST_TEST(d.open_review_items().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
