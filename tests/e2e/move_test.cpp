// Moves (store.hpp S6, ws_session.hpp W7, cursor.hpp): a record moved to another commune
// leaves the old commune's devices (evict) and reaches the new one's; a user moved to
// another commune is disconnected, and its old cursor then evicts the old commune and
// catches up on the new one; a re-imported tree ends only the sessions whose subtree
// changed.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "cursor.hpp"
#include "scope_support.hpp"

using namespace sotay;
using namespace sotay::e2e;
using namespace std::chrono_literals;

namespace {

constexpr std::uint16_t policy_violation = 1008;

// Starts a live pull from `cursor` and reads its catch-up to the end; the pages read.
std::vector<sync::changes_msg> start_live(client::sync_client& c,
                                          std::optional<std::string> cursor = std::nullopt) {
    sync::pull_msg p;
    p.id = c.next_id();
    p.cursor = std::move(cursor);
    p.live = true;
    c.send(p);
    std::vector<sync::changes_msg> pages;
    for (;;) {
        pages.push_back(client::expect<sync::changes_msg>(c.receive()));
        if (!pages.back().more) return pages;
    }
}

// Reads live pages until one satisfies `done`; every page read. 10 s: a bound against a
// hang (delivery follows the commit at once), not a measure.
std::vector<sync::changes_msg> read_until(
    client::sync_client& c, const std::function<bool(const sync::changes_msg&)>& done) {
    std::vector<sync::changes_msg> pages;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pages.push_back(client::expect<sync::changes_msg>(c.receive(left)));
        if (done(pages.back())) return pages;
    }
}

bool evicts(const sync::changes_msg& page, const std::string& id) {
    return std::find(page.evict.begin(), page.evict.end(), id) != page.evict.end();
}

std::vector<std::string> create_petitions(client::sync_client& c, test_device& d,
                                          const std::string& org_unit, int count) {
    std::vector<std::string> ids;
    std::vector<sync::change_msg> changes;
    for (int i = 0; i < count; ++i) {
        ids.push_back(new_record_id());
        changes.push_back(
            d.create(ids.back(), petition("Đơn " + std::to_string(i + 1)), "petition", org_unit));
    }
    const auto result = push(c, std::move(changes));
    for (const auto& r : result.results) {
        BOOST_TEST_REQUIRE((r.status == sync::change_status::applied));
    }
    return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(move)

BOOST_AUTO_TEST_CASE(a_record_moved_to_another_commune_is_evicted_there_and_sent_here) {
    server_process server;
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    const std::string& commune_a = tree.communes[0];
    const std::string& commune_b = tree.communes[1];
    test_device a(add_user_with_device(*db, "officer.a", access::role::officer, commune_a));
    test_device b(add_user_with_device(*db, "officer.b", access::role::officer, commune_b));
    test_device d(add_user_with_device(*db, "reviewer.d", access::role::reviewer, tree.district));
    client::sync_client ca, cb, cd;
    a.connect(ca, server.port(), sync::wire_format::json);
    b.connect(cb, server.port(), sync::wire_format::binary);
    d.connect(cd, server.port(), sync::wire_format::binary);

    const auto ids = create_petitions(cd, d, commune_a, 2);
    const std::string& moved = ids[0];
    const std::string& stays = ids[1];

    // Both communes hold live pulls; A's catch-up has both records, B's none.
    const auto a_first = start_live(ca);
    const auto b_first = start_live(cb);
    replica a_view;
    for (const auto& p : a_first) a_view.apply(p);
    BOOST_TEST((a_view.ids() == std::set<std::string>{moved, stays}));
    replica b_view;
    for (const auto& p : b_first) b_view.apply(p);
    BOOST_TEST(b_view.ids().empty());

    // The district moves one record to B (a change naming B as its org unit).
    const auto moved_result = push(
        cd, {d.edit(moved, 1, {{"status", std::string("processing")}}, "petition", commune_b)});
    BOOST_TEST_REQUIRE((moved_result.results.at(0).status == sync::change_status::applied));

    // Live: A is told to drop it, B receives it in its new commune.
    for (const auto& p : read_until(ca, [&](const auto& page) { return evicts(page, moved); })) {
        BOOST_TEST(!find_record(p.records, moved).has_value());
        a_view.apply(p);
    }
    BOOST_TEST((a_view.ids() == std::set<std::string>{stays}));
    for (const auto& p : read_until(
             cb, [&](const auto& page) { return find_record(page.records, moved).has_value(); })) {
        BOOST_TEST(p.evict.empty());
        b_view.apply(p);
    }
    BOOST_TEST((b_view.ids() == std::set<std::string>{moved}));
    BOOST_TEST(b_view.records().at(moved).org_unit == commune_b);
    BOOST_TEST(text_field(b_view.records().at(moved), "status") == "processing");

    // The district keeps it, now in B.
    const auto district_view = pull_all(cd);
    BOOST_TEST_REQUIRE(find_record(district_view, moved).has_value());
    BOOST_TEST(find_record(district_view, moved)->org_unit == commune_b);

    // Catch-up from the cursors held before the move: the same outcome.
    client::sync_client ca2, cb2;
    a.connect(ca2, server.port(), sync::wire_format::binary);
    b.connect(cb2, server.port(), sync::wire_format::json);
    replica a_again;
    for (const auto& p : a_first) a_again.apply(p);
    bool a_evicted = false;
    for (const auto& p : pull_pages(ca2, a_first.back().cursor)) {
        BOOST_TEST(!find_record(p.records, moved).has_value());
        a_evicted = a_evicted || evicts(p, moved);
        a_again.apply(p);
    }
    BOOST_TEST(a_evicted);
    BOOST_TEST((a_again.ids() == std::set<std::string>{stays}));
    replica b_again;
    for (const auto& p : pull_pages(cb2, b_first.back().cursor)) b_again.apply(p);
    BOOST_TEST((b_again.ids() == std::set<std::string>{moved}));
    // And from nothing, A never sees it.
    BOOST_TEST(!find_record(pull_all(ca2), moved).has_value());

    for (auto* c : {&ca, &cb, &cd, &ca2, &cb2}) c->close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(a_user_moved_while_connected_is_closed_then_evicts_the_old_commune) {
    server_process server;
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    const std::string& commune_a = tree.communes[0];
    const std::string& commune_b = tree.communes[1];
    test_device u(add_user_with_device(*db, "officer.u", access::role::officer, commune_a));
    test_device b(add_user_with_device(*db, "officer.b", access::role::officer, commune_b));
    client::sync_client cu, cb;
    u.connect(cu, server.port(), sync::wire_format::binary);
    b.connect(cb, server.port(), sync::wire_format::binary);
    const auto a_ids = create_petitions(cu, u, commune_a, 5);
    const auto b_ids = create_petitions(cb, b, commune_b, 3);

    // U holds A's five records and a live pull.
    const auto first = start_live(cu);
    replica held;
    for (const auto& p : first) held.apply(p);
    BOOST_TEST(held.ids() == std::set<std::string>(a_ids.begin(), a_ids.end()));

    // Moved to B: the open connection is told and closed.
    must(db->move_user("officer.u", commune_b), "move the user");
    const auto told = expect_error(cu, 3000ms);
    BOOST_TEST(told.error.code == sync::errc::scope_changed);
    BOOST_TEST(!told.id.has_value());
    BOOST_TEST(wait_for_close(cu, 3000ms).value_or(0) == policy_violation);

    // Reconnected, it pulls on from its old cursor, two at a time: first every record of
    // A as an eviction (no records), then B's records from the beginning.
    client::sync_client again;
    u.connect(again, server.port(), sync::wire_format::json);
    const auto pages = pull_pages(again, first.back().cursor, 2);
    std::set<std::string> evicted;
    bool evicting = true;
    for (const auto& p : pages) {
        if (!p.evict.empty() && evicting) {
            BOOST_TEST(p.records.empty());
            BOOST_TEST(p.more);
            evicted.insert(p.evict.begin(), p.evict.end());
        } else {
            evicting = false;
        }
        for (const auto& r : p.records) BOOST_TEST(r.org_unit == commune_b);
        held.apply(p);
    }
    BOOST_TEST(evicted == std::set<std::string>(a_ids.begin(), a_ids.end()));
    BOOST_TEST(held.ids() == std::set<std::string>(b_ids.begin(), b_ids.end()));

    // Its writes now go to B, and A is out of its reach.
    const auto in_b =
        push(again, {u.create(new_record_id(), petition("Đơn xã B"), "petition", commune_b)});
    BOOST_TEST((in_b.results.at(0).status == sync::change_status::applied));
    const auto in_a =
        push(again, {u.create(new_record_id(), petition("Đơn xã A"), "petition", commune_a)});
    BOOST_TEST((in_a.results.at(0).status == sync::change_status::rejected));
    BOOST_TEST(in_a.results.at(0).error.value().code == sync::errc::out_of_scope);

    again.close();
    cb.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(a_tree_import_ends_only_the_sessions_whose_subtree_changed) {
    server_process server;
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    test_device a(add_user_with_device(*db, "officer.a", access::role::officer, tree.communes[0]));
    test_device d(add_user_with_device(*db, "reviewer.d", access::role::reviewer, tree.district));
    client::sync_client ca, cd;
    a.connect(ca, server.port(), sync::wire_format::binary);
    d.connect(cd, server.port(), sync::wire_format::binary);
    create_petitions(ca, a, tree.communes[0], 2);
    const auto a_pages = pull_pages(ca, std::nullopt);
    const auto old_version = db->org_tree().version;

    // A fourth commune: the district's subtree grows, commune A's does not.
    const auto report = must(
        db->import_org({{{tree.district + ".X4", "Đảng ủy xã Gia Cát", tree.district, "Xã"}, 2}}),
        "import");
    BOOST_TEST_REQUIRE(report.applied);
    BOOST_TEST_REQUIRE(report.version > old_version);

    BOOST_TEST(expect_error(cd, 3000ms).error.code == sync::errc::scope_changed);
    BOOST_TEST(wait_for_close(cd, 3000ms).value_or(0) == policy_violation);

    // A's session goes on, and its cursor of the old tree version continues where it
    // was: the next page holds only the new record and names the new version.
    const std::string fresh = new_record_id();
    push(ca, {a.create(fresh, petition("Đơn mới"), "petition", tree.communes[0])});
    const auto pages = pull_pages(ca, a_pages.back().cursor);
    std::vector<std::string> got;
    for (const auto& p : pages) {
        BOOST_TEST(p.evict.empty());
        for (const auto& r : p.records) got.push_back(r.record);
    }
    BOOST_TEST((got == std::vector<std::string>{fresh}));
    const auto text = server::open_cursor(pages.back().cursor, db->server_secret("cursor"), a.id());
    BOOST_TEST_REQUIRE(text.has_value());
    const auto cursor = server::parse_cursor(*text);
    BOOST_TEST_REQUIRE(cursor.has_value());
    BOOST_TEST(cursor->tree_version == report.version);
    BOOST_TEST(cursor->root == tree.communes[0]);

    ca.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(a_cursor_naming_a_tree_version_never_committed_is_refused) {
    server_process server;
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    test_device a(add_user_with_device(*db, "officer.a", access::role::officer, tree.communes[0]));
    client::sync_client ca;
    a.connect(ca, server.port(), sync::wire_format::json);

    server::pull_cursor forged{
        server::pull_cursor::layout::normal, 0, 999999, tree.communes[1], {}};
    sync::pull_msg p;
    p.id = ca.next_id();
    p.cursor = server::format_cursor(forged);
    auto answer = ca.request(p);
    const auto* e = std::get_if<sync::error_msg>(&answer);
    BOOST_TEST_REQUIRE(e != nullptr);
    BOOST_TEST(e->id.value_or(-1) == p.id);
    BOOST_TEST(e->error.code == sync::errc::bad_message);
    ca.close();
    BOOST_TEST(server.stop() == 0);
}

// Cursors are sealed for the device they were issued to: a district reviewer's cursor,
// presented by a commune officer, would otherwise make the server list the district's
// other record ids as evictions for the officer.
BOOST_AUTO_TEST_CASE(a_cursor_issued_to_another_device_is_refused) {
    server_process server;
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    test_device a(add_user_with_device(*db, "officer.a", access::role::officer, tree.communes[0]));
    test_device d(add_user_with_device(*db, "reviewer.d", access::role::reviewer, tree.district));
    test_device b(add_user_with_device(*db, "officer.b", access::role::officer, tree.communes[1]));
    client::sync_client ca, cb, cd;
    a.connect(ca, server.port(), sync::wire_format::json);
    b.connect(cb, server.port(), sync::wire_format::json);
    d.connect(cd, server.port(), sync::wire_format::json);
    create_petitions(cb, b, tree.communes[1], 3);
    const auto d_pages = pull_pages(cd, std::nullopt);
    BOOST_TEST_REQUIRE(!d_pages.empty());

    sync::pull_msg p;
    p.id = ca.next_id();
    p.cursor = d_pages.back().cursor;
    auto answer = ca.request(p);
    const auto* e = std::get_if<sync::error_msg>(&answer);
    BOOST_TEST_REQUIRE(e != nullptr);
    BOOST_TEST(e->error.code == sync::errc::bad_message);
    // The reviewer's own cursor still works for the reviewer.
    BOOST_TEST(pull_pages(cd, d_pages.back().cursor).back().records.empty());
    ca.close();
    cb.close();
    cd.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
