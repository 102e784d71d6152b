// The live review feed (ws_session.hpp W8): a reviewer's device that sent get_review with
// live is told, unasked, when two officers' phones make a conflict in its scope, and again
// when the item is decided from another process (sotay-admin), through the server's
// store watcher. Items outside the reviewer's scope are never sent.
#include "e2e_support.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <set>

namespace data = boost::unit_test::data;
using namespace sotay;
using namespace sotay::e2e;

namespace {

// 5 s: the feed moves at once after a commit (or within the watcher's 250 ms for another
// process's write); the bound only turns a miss into a failure instead of a hang.
constexpr auto delivery_bound = std::chrono::seconds(5);

// The next `review` message with this id; anything else (a live pull's page) fails.
sync::review_msg next_review(client::sync_client& c, std::int64_t id,
                             std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto m =
        client::expect<sync::review_msg>(c.receive(std::max(left, std::chrono::milliseconds(1))));
    BOOST_TEST(m.id == id);
    return m;
}

// A field conflict on `status` of a new petition in org_unit: a creates it, then a and b,
// both having seen version 1, set different statuses. Returns the record id.
std::string make_conflict(test_device& a, client::sync_client& ca, test_device& b,
                          client::sync_client& cb, const std::string& org_unit) {
    const std::string record = new_record_id();
    push(ca, {a.create(record, petition("Đơn đề nghị sửa đường liên thôn"), "petition", org_unit)});
    push(ca, {a.edit(record, 1, {{"status", sync::value{"processing"}}}, "petition", org_unit)});
    const auto second =
        push(cb, {b.edit(record, 1, {{"status", sync::value{"resolved"}}}, "petition", org_unit)});
    BOOST_TEST_REQUIRE(second.results.at(0).conflicts.size() == 1u);
    return record;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(review_feed)

BOOST_DATA_TEST_CASE(a_live_reviewer_is_told_of_new_items_in_scope_and_of_decisions,
                     data::make(both_formats), format) {
    server_process server;
    server.add_user("rev_p1", "reviewer", "LS.TP.P1");
    const auto officers = server.add_devices("máy cán bộ", 2);  // the test user, at LS
    test_device a(officers[0]);
    test_device b(officers[1]);
    test_device reviewer(server.add_device("máy kiểm tra", "rev_p1"));
    client::sync_client ca;
    client::sync_client cb;
    client::sync_client cr;
    a.connect(ca, server.port(), format);
    b.connect(cb, server.port(), format);
    reviewer.connect(cr, server.port(), format);

    // Nothing to review yet: one empty page, then the feed stays open.
    sync::get_review_msg ask;
    ask.id = cr.next_id();
    ask.live = true;
    cr.send(ask);
    const auto caught_up = client::expect<sync::review_msg>(cr.receive());
    BOOST_TEST(caught_up.id == ask.id);
    BOOST_TEST(caught_up.items.empty());
    BOOST_TEST(!caught_up.more);

    // A conflict in the other ward first, then one in the reviewer's: the first message
    // the reviewer gets is about its own ward only.
    make_conflict(a, ca, b, cb, "LS.TP.P2");
    const std::string record = make_conflict(a, ca, b, cb, "LS.TP.P1");

    const auto deadline = std::chrono::steady_clock::now() + delivery_bound;
    const auto opened = next_review(cr, ask.id, deadline);
    BOOST_TEST_REQUIRE(opened.items.size() == 1u);
    const sync::review_item_msg& item = opened.items.front();
    BOOST_TEST(item.kind == "field");
    BOOST_TEST(item.state == "open");
    BOOST_TEST(item.record == record);
    BOOST_TEST(item.field == "status");
    BOOST_TEST(item.org_unit == "LS.TP.P1");
    BOOST_TEST(item.sides.size() == 2u);
    BOOST_TEST(opened.next >= item.seq);

    // Decided by sotay-admin, another process: the server's watcher sees review_seq move
    // and the feed carries the item again, resolved.
    const auto decided = server.admin_run(
        {"review", "resolve", std::to_string(item.item), "--side", "0", "--as", "rev_p1"});
    BOOST_TEST_REQUIRE(decided.exit_code == 0, decided.err);
    const auto after_decision = std::chrono::steady_clock::now() + delivery_bound;
    const auto resolved = next_review(cr, ask.id, after_decision);
    BOOST_TEST_REQUIRE(resolved.items.size() == 1u);
    BOOST_TEST(resolved.items.front().item == item.item);
    BOOST_TEST(resolved.items.front().state == "resolved");
    BOOST_TEST(resolved.items.front().decided_by == "rev_p1");
    BOOST_TEST(resolved.next > opened.next);

    ca.close();
    cb.close();
    cr.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_DATA_TEST_CASE(get_review_pages_from_a_cursor_and_a_new_request_replaces_the_feed,
                     data::make(both_formats), format) {
    server_process server;
    const auto officers = server.add_devices("máy cán bộ", 3);
    test_device a(officers[0]);
    test_device b(officers[1]);
    test_device c(officers[2]);
    client::sync_client ca;
    client::sync_client cb;
    client::sync_client cc;  // reads the review items; a and b push
    a.connect(ca, server.port(), format);
    b.connect(cb, server.port(), format);
    c.connect(cc, server.port(), format);
    for (int i = 0; i < 3; ++i) make_conflict(a, ca, b, cb, "LS.TP.P1");

    // An officer's phone (read_records) reads the items of its scope, a page of two at a
    // time; pages resume where the last one ended, with nothing twice.
    sync::get_review_msg ask;
    ask.limit = 2;
    std::set<std::int64_t> seen;
    for (int pages = 0;; ++pages) {
        BOOST_TEST_REQUIRE(pages < 5);
        ask.id = cc.next_id();
        const auto page = client::expect<sync::review_msg>(cc.request(ask));
        BOOST_TEST(page.id == ask.id);
        BOOST_TEST(page.items.size() <= 2u);
        for (const auto& item : page.items) BOOST_TEST(seen.insert(item.item).second);
        BOOST_TEST(page.next >= ask.after);
        ask.after = page.next;
        if (!page.more) break;
    }
    BOOST_TEST(seen.size() == 3u);

    const std::uint64_t end = ask.after;

    // A cursor past the end (a database restored from an older copy) reads from the start.
    ask.id = cc.next_id();
    ask.after = 1'000'000;
    ask.limit = 100;
    const auto restarted = client::expect<sync::review_msg>(cc.request(ask));
    BOOST_TEST(restarted.items.size() == 3u);

    // Two live requests in turn: the second replaces the first, so news carries its id.
    sync::get_review_msg first;
    first.id = cc.next_id();
    first.after = end;
    first.live = true;
    BOOST_TEST(client::expect<sync::review_msg>(cc.request(first)).items.empty());
    sync::get_review_msg second = first;
    second.id = cc.next_id();
    BOOST_TEST(client::expect<sync::review_msg>(cc.request(second)).items.empty());
    const std::string record = make_conflict(a, ca, b, cb, "LS.TP.P1");
    const auto news = next_review(cc, second.id, std::chrono::steady_clock::now() + delivery_bound);
    BOOST_TEST_REQUIRE(news.items.size() == 1u);
    BOOST_TEST(news.items.front().record == record);

    ca.close();
    cb.close();
    cc.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
