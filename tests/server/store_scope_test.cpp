// Scope in the SQLite store: S5 (who may write where, checked per change at commit
// time), S6 (scoped pulls and their evictions), scope_exits, the quarantine by scope
// and the per-device counts of list_devices. The tree is tests/server/fixture.hpp's.
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

namespace {
using namespace sotay;
using test::change_in;
using test::record_id;

std::set<std::string> ids(const std::vector<sync::record_msg>& records) {
    std::set<std::string> out;
    for (const auto& r : records) out.insert(r.record);
    return out;
}

// Everything a scoped reader gets from `after` to the end, page by page.
struct drained {
    std::set<std::string> records;
    std::set<std::string> evicted;
    std::uint64_t next = 0;
};
drained pull_all(store::store& s, const store::scope_filter& scope, std::uint64_t after,
                 std::size_t limit) {
    drained out;
    for (int pages = 0; pages < 1000; ++pages) {
        auto page = s.pull(scope, after, limit);
        BOOST_REQUIRE(page.has_value());
        BOOST_REQUIRE(page->records.size() <= limit);
        for (const auto& r : page->records) {
            BOOST_TEST(scope.contains(r.org_unit));  // S6: nothing outside the scope
            out.records.insert(r.record);
            out.evicted.erase(r.record);
        }
        for (const auto& e : page->evict) {
            out.evicted.insert(e);
            out.records.erase(e);
        }
        BOOST_REQUIRE(page->next >= after);
        after = page->next;
        if (!page->more) break;
    }
    out.next = after;
    return out;
}

sync::errc error_of(const sync::change_result& r) {
    BOOST_REQUIRE(r.status == sync::change_status::rejected);
    BOOST_REQUIRE(r.error.has_value());
    return r.error->code;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_scope)

BOOST_AUTO_TEST_CASE(a_change_is_applied_only_inside_the_users_subtree) {  // S5
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "tp", access::role::officer, "LS.TP");
    const auto dev = test::add_device(*s, "tp");
    const auto out =
        test::push(*s, dev,
                   {change_in(1, 1, "LS.TP.P1"), change_in(2, 2, "LS.TP"),
                    change_in(3, 3, "LS.CL.X1"), change_in(4, 4, "LS"), change_in(5, 5, "HN.X")});
    BOOST_REQUIRE(out.results.size() == 5u);
    BOOST_TEST(out.results[0].status == sync::change_status::applied);
    BOOST_TEST(out.results[1].status == sync::change_status::applied);
    for (std::size_t i : {2u, 3u, 4u}) {
        BOOST_TEST(error_of(out.results[i]) == sync::errc::out_of_scope);
        BOOST_TEST(out.results[i].error->field.value_or("") == "org_unit");
    }
    BOOST_TEST(out.results[4].error->message.find("not in the org tree") != std::string::npos);
    BOOST_TEST(out.last_seq == 5u);  // rejected changes use up their seqs (S2)
    BOOST_TEST(s->head() == 2u);
    const auto log = s->change_log(dev);
    BOOST_REQUIRE(log.size() == 5u);
    BOOST_TEST(std::count_if(log.begin(), log.end(),
                             [](const auto& c) { return c.status == "rejected"; }) == 3);
    BOOST_TEST(log[0].username == "tp");
}

BOOST_AUTO_TEST_CASE(a_record_living_outside_the_scope_cannot_be_edited_or_pulled_in) {  // S5
    test::store_env env;
    auto s = env.open();
    const auto root = test::add_device(*s, test::officer);
    test::add_user(*s, "tp", access::role::officer, "LS.TP");
    const auto dev = test::add_device(*s, "tp");
    test::push(*s, root, {change_in(1, 1, "LS.CL.X1")});
    // Naming a unit of its own does not let the device take the record over.
    const auto out = test::push(
        *s, dev, {change_in(1, 1, "LS.TP.P1", {{"status", sync::value{"resolved"}}}, 1)});
    BOOST_TEST(error_of(out.results[0]) == sync::errc::out_of_scope);
    BOOST_TEST(out.results[0].error->message.find("belongs to org unit LS.CL.X1") !=
               std::string::npos);
    const auto all = s->pull(0, 10);
    BOOST_REQUIRE(all->records.size() == 1u);
    BOOST_TEST(all->records[0].org_unit == "LS.CL.X1");
    BOOST_TEST(all->records[0].version == 1u);
}

BOOST_AUTO_TEST_CASE(a_record_cannot_be_moved_out_of_the_scope) {  // S5
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "tp", access::role::officer, "LS.TP");
    const auto dev = test::add_device(*s, "tp");
    test::push(*s, dev, {change_in(1, 1, "LS.TP.P1")});
    const auto out = test::push(*s, dev, {change_in(2, 1, "LS.CL.X1", {}, 1)});
    BOOST_TEST(error_of(out.results[0]) == sync::errc::out_of_scope);
    BOOST_TEST(s->pull(0, 10)->records.at(0).org_unit == "LS.TP.P1");
    // Within the scope a move is an ordinary change.
    const auto inside = test::push(*s, dev, {change_in(3, 1, "LS.TP.P2", {}, 1)});
    BOOST_TEST(inside.results[0].status == sync::change_status::applied);
    BOOST_TEST(s->pull(0, 10)->records.at(0).org_unit == "LS.TP.P2");
}

BOOST_AUTO_TEST_CASE(roles_that_may_not_write_are_forbidden_and_kept) {  // S5
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "aud", access::role::auditor, "LS");
    test::add_user(*s, "adm", access::role::admin, "LS");
    test::add_user(*s, "rev", access::role::reviewer, "LS");
    for (const char* user : {"aud", "adm"}) {
        const auto dev = test::add_device(*s, user);
        const auto out =
            test::push(*s, dev, {change_in(1, 1, "LS.TP.P1"), change_in(2, 2, "nowhere")});
        // Forbidden comes before where: a role that may not write learns nothing more.
        BOOST_TEST(error_of(out.results[0]) == sync::errc::forbidden);
        BOOST_TEST(error_of(out.results[1]) == sync::errc::forbidden);
        BOOST_TEST(out.last_seq == 2u);
        BOOST_TEST(s->change_log(dev).size() == 2u);
    }
    const auto rev = test::add_device(*s, "rev");
    BOOST_TEST(test::push(*s, rev, {change_in(1, 1, "LS.TP.P1")}).results[0].status ==
               sync::change_status::applied);
}

BOOST_AUTO_TEST_CASE(a_revoked_devices_push_is_rejected_device_revoked_and_kept) {  // S5, S2
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "aud", access::role::auditor, "LS");
    const auto dev = test::add_device(*s, test::officer);
    const auto aud = test::add_device(*s, "aud");
    test::push(*s, dev, {change_in(1, 1, "LS.TP.P1")});
    BOOST_REQUIRE(s->revoke_device(dev).has_value());
    BOOST_REQUIRE(s->revoke_device(aud).has_value());
    const auto out =
        test::push(*s, dev, {change_in(2, 2, "LS.TP.P1"), change_in(3, 1, "LS.TP.P1")});
    BOOST_TEST(!out.refused.has_value());
    BOOST_TEST(error_of(out.results[0]) == sync::errc::device_revoked);
    BOOST_TEST(error_of(out.results[1]) == sync::errc::device_revoked);
    BOOST_TEST(out.last_seq == 3u);
    BOOST_TEST(s->head() == 1u);
    const auto log = s->change_log(dev);
    BOOST_REQUIRE(log.size() == 3u);
    BOOST_TEST(log[2].status == "rejected");
    // Revoked comes first, before the role.
    BOOST_TEST(error_of(test::push(*s, aud, {change_in(1, 1, "LS")}).results[0]) ==
               sync::errc::device_revoked);
    // A resend gets the same answer (S2).
    const auto again = test::push(*s, dev, {change_in(3, 1, "LS.TP.P1")});
    BOOST_TEST(error_of(again.results[0]) == sync::errc::device_revoked);
}

BOOST_AUTO_TEST_CASE(a_disabled_users_devices_are_rejected_until_enabled) {  // S5
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "tp", access::role::officer, "LS.TP");
    const auto dev = test::add_device(*s, "tp");
    BOOST_REQUIRE(s->set_user_disabled("tp", true).has_value());
    BOOST_TEST(error_of(test::push(*s, dev, {change_in(1, 1, "LS.TP")}).results[0]) ==
               sync::errc::device_revoked);
    BOOST_REQUIRE(s->set_user_disabled("tp", false).has_value());
    BOOST_TEST(test::push(*s, dev, {change_in(2, 1, "LS.TP")}).results[0].status ==
               sync::change_status::applied);
}

BOOST_AUTO_TEST_CASE(a_user_moved_writes_under_the_new_scope_from_the_next_commit) {  // S5
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "tp", access::role::officer, "LS.TP");
    const auto dev = test::add_device(*s, "tp");
    test::push(*s, dev, {change_in(1, 1, "LS.TP.P1")});
    BOOST_REQUIRE(s->move_user("tp", "LS.CL").has_value());
    const auto out =
        test::push(*s, dev, {change_in(2, 1, "LS.TP.P1", {}, 1), change_in(3, 2, "LS.CL.X1")});
    BOOST_TEST(error_of(out.results[0]) == sync::errc::out_of_scope);
    BOOST_TEST(out.results[1].status == sync::change_status::applied);
}

BOOST_AUTO_TEST_CASE(a_scoped_pull_sends_only_records_in_scope_and_moves_its_cursor_to_the_head) {
    test::store_env env;
    auto s = env.open();
    const auto dev = test::add_device(*s, test::officer);
    test::push(*s, dev,
               {change_in(1, 1, "LS.TP.P1"), change_in(2, 2, "LS.CL.X1"),
                change_in(3, 3, "LS.TP.P2"), change_in(4, 4, "LS.CL")});
    const auto tp = test::subtree(*s, "LS.TP");
    auto page = s->pull(tp, 0, 10);
    BOOST_REQUIRE(page.has_value());
    BOOST_TEST((ids(page->records) == std::set<std::string>{record_id(1), record_id(3)}));
    BOOST_TEST(!page->more);
    BOOST_TEST(page->next == 4u);  // past the changes outside the scope too
    BOOST_TEST(page->evict.empty());
    // A full page stops at its last record.
    auto first = s->pull(tp, 0, 1);
    BOOST_TEST(first->more);
    BOOST_TEST(first->records.at(0).record == record_id(1));
    BOOST_TEST(first->next == 1u);
    // The last record in scope fills no page: the cursor goes on to the head.
    auto second = s->pull(tp, first->next, 1);
    BOOST_TEST(second->records.at(0).record == record_id(3));
    BOOST_TEST(!second->more);
    BOOST_TEST(second->next == 4u);
    // An empty scope reads nothing and still reaches the head.
    auto none = s->pull(store::scope_filter::of({}), 0, 10);
    BOOST_TEST(none->records.empty());
    BOOST_TEST(none->next == 4u);
}

BOOST_AUTO_TEST_CASE(a_scoped_catch_up_over_many_records_pages_through_every_one_once) {  // S3
    test::store_env env;
    auto s = env.open();
    const auto dev = test::add_device(*s, test::officer);
    const std::vector<std::string> units{"LS.TP.P1", "LS.CL.X1", "LS.CL.X1", "LS.TP.P2",
                                         "LS.CL.X1", "LS.CL",    "LS",       "LS.CL.X1"};
    std::vector<sync::change_msg> changes;
    std::set<std::string> in_tp;
    for (int i = 0; i < 3000; ++i) {
        const auto& unit = units[static_cast<std::size_t>(i * 7 + i / 5) % units.size()];
        changes.push_back(change_in(static_cast<std::uint64_t>(i) + 1, i + 1, unit));
        if (unit.rfind("LS.TP", 0) == 0) in_tp.insert(record_id(i + 1));
    }
    BOOST_TEST(test::push(*s, dev, changes).last_seq == 3000u);
    for (std::size_t limit : {1u, 7u, 100u, 5000u}) {
        std::set<std::string> got;
        std::uint64_t after = 0;
        for (;;) {
            auto page = s->pull(test::subtree(*s, "LS.TP"), after, limit);
            BOOST_REQUIRE(page.has_value());
            for (const auto& r : page->records) BOOST_TEST(got.insert(r.record).second);
            after = page->next;
            if (!page->more) break;
        }
        BOOST_TEST(got == in_tp);
        BOOST_TEST(after == 3000u);
    }
}

BOOST_AUTO_TEST_CASE(a_record_moved_out_of_the_scope_is_evicted) {  // S6
    test::store_env env;
    auto s = env.open();
    const auto dev = test::add_device(*s, test::officer);
    test::push(*s, dev, {change_in(1, 1, "LS.TP.P1"), change_in(2, 2, "LS.TP.P1")});
    const auto tp = test::subtree(*s, "LS.TP");
    const std::uint64_t cursor = s->pull(tp, 0, 10)->next;
    test::push(*s, dev, {change_in(3, 1, "LS.CL.X1", {}, 1)});
    auto page = s->pull(tp, cursor, 10);
    BOOST_REQUIRE(page.has_value());
    BOOST_TEST(page->records.empty());
    BOOST_TEST(page->evict == std::vector<std::string>{record_id(1)});
    // The other side gains it.
    const auto cl = s->pull(test::subtree(*s, "LS.CL"), cursor, 10);
    BOOST_TEST((ids(cl->records) == std::set<std::string>{record_id(1)}));
    BOOST_TEST(cl->evict.empty());
    // A move inside the scope, and a reader of everything, evict nothing.
    test::push(*s, dev, {change_in(4, 2, "LS.TP.P2", {}, 1)});
    BOOST_TEST(s->pull(tp, page->next, 10)->evict.empty());
    BOOST_TEST(s->pull(cursor, 10)->evict.empty());
    BOOST_TEST(s->pull(page->next, 10)->records.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_record_moved_out_and_back_is_sent_not_evicted) {  // S6
    test::store_env env;
    auto s = env.open();
    const auto dev = test::add_device(*s, test::officer);
    test::push(*s, dev, {change_in(1, 1, "LS.TP.P1")});
    const auto tp = test::subtree(*s, "LS.TP");
    test::push(*s, dev, {change_in(2, 1, "LS.CL.X1", {}, 1), change_in(3, 1, "LS.TP.P2", {}, 2)});
    auto page = s->pull(tp, 1, 10);
    BOOST_TEST(page->evict.empty());
    BOOST_REQUIRE(page->records.size() == 1u);
    BOOST_TEST(page->records[0].org_unit == "LS.TP.P2");
    // Out, back and out again: evicted.
    test::push(*s, dev, {change_in(4, 1, "LS", {}, 3)});
    const auto d = pull_all(*s, tp, 1, 10);
    BOOST_TEST(d.records.empty());
    BOOST_TEST((d.evicted == std::set<std::string>{record_id(1)}));
}

BOOST_AUTO_TEST_CASE(a_record_moved_into_the_scope_appears) {  // S6
    test::store_env env;
    auto s = env.open();
    const auto dev = test::add_device(*s, test::officer);
    test::push(*s, dev, {change_in(1, 1, "LS.CL.X1"), change_in(2, 2, "LS.CL.X1")});
    const auto tp = test::subtree(*s, "LS.TP");
    const auto before = pull_all(*s, tp, 0, 10);
    BOOST_TEST(before.records.empty());
    test::push(*s, dev, {change_in(3, 2, "LS.TP.P2", {{"status", sync::value{"processing"}}}, 1)});
    const auto after = pull_all(*s, tp, before.next, 10);
    BOOST_TEST((after.records == std::set<std::string>{record_id(2)}));
    BOOST_TEST(after.evicted.empty());
}

BOOST_AUTO_TEST_CASE(an_eviction_is_in_the_page_whose_range_holds_the_move) {  // S6
    test::store_env env;
    auto s = env.open();
    const auto dev = test::add_device(*s, test::officer);
    // seqs 1..3 in scope; 4 moves record 1 out; 5 is in scope.
    test::push(
        *s, dev,
        {change_in(1, 1, "LS.TP.P1"), change_in(2, 2, "LS.TP.P1"), change_in(3, 3, "LS.TP.P1"),
         change_in(4, 1, "LS.CL", {}, 1), change_in(5, 5, "LS.TP.P1")});
    const auto tp = test::subtree(*s, "LS.TP");
    auto p1 = s->pull(tp, 0, 2);  // records 2 and 3 (1 is no longer in scope)
    BOOST_TEST(p1->next == 3u);
    BOOST_TEST(p1->evict.empty());
    auto p2 = s->pull(tp, p1->next, 2);
    BOOST_TEST((ids(p2->records) == std::set<std::string>{record_id(5)}));
    BOOST_TEST(p2->evict == std::vector<std::string>{record_id(1)});
}

BOOST_AUTO_TEST_CASE(scope_exits_lists_what_a_scope_change_takes_away) {
    test::store_env env;
    auto s = env.open();
    const auto dev = test::add_device(*s, test::officer);
    // 1-4 in LS.TP, 5 in LS.CL.X1; then 3 moves to LS (out of both), 4 moves to LS.CL.X1.
    test::push(
        *s, dev,
        {change_in(1, 1, "LS.TP.P1"), change_in(2, 2, "LS.TP.P2"), change_in(3, 3, "LS.TP.P1"),
         change_in(4, 4, "LS.TP"), change_in(5, 5, "LS.CL.X1")});
    const std::uint64_t cursor = s->head();
    test::push(*s, dev, {change_in(6, 3, "LS", {}, 1), change_in(7, 4, "LS.CL.X1", {}, 1)});
    const auto tp = test::subtree(*s, "LS.TP");
    const auto cl = test::subtree(*s, "LS.CL");
    // A user moved from LS.TP to LS.CL, whose device pulled up to `cursor`.
    auto all = s->scope_exits(tp, cl, cursor, "", 10);
    BOOST_REQUIRE(all.has_value());
    BOOST_TEST(all->records == (std::vector<std::string>{record_id(1), record_id(2), record_id(3)}),
               boost::test_tools::per_element());
    BOOST_TEST(!all->more);
    // Paged.
    auto p1 = s->scope_exits(tp, cl, cursor, "", 2);
    BOOST_TEST(p1->records == (std::vector<std::string>{record_id(1), record_id(2)}),
               boost::test_tools::per_element());
    BOOST_TEST(p1->more);
    auto p2 = s->scope_exits(tp, cl, cursor, p1->records.back(), 2);
    BOOST_TEST(p2->records == std::vector<std::string>{record_id(3)},
               boost::test_tools::per_element());
    BOOST_TEST(!p2->more);
    // A device whose cursor is past the moves was already told by its pulls.
    auto later = s->scope_exits(tp, cl, s->head(), "", 10);
    BOOST_TEST(later->records == (std::vector<std::string>{record_id(1), record_id(2)}),
               boost::test_tools::per_element());
    // Growing a scope takes nothing away; a bad cursor is a validation error.
    BOOST_TEST(s->scope_exits(tp, test::subtree(*s, "LS"), 0, "", 10)->records.empty());
    BOOST_TEST(s->scope_exits(tp, store::scope_filter::all(), 0, "", 10)->records.empty());
    auto bad = s->scope_exits(tp, cl, 0, "not-a-uuid", 10);
    BOOST_REQUIRE(bad.has_error());
    BOOST_TEST(bad.error().code == sync::errc::validation);
}

BOOST_AUTO_TEST_CASE(the_quarantine_is_filtered_by_scope_newest_first) {
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "tp", access::role::officer, "LS.TP");
    const auto dev = test::add_device(*s, "tp");
    test::push(*s, dev, {change_in(1, 1, "LS.CL.X1")});
    env.advance(std::chrono::seconds(1));
    test::push(*s, dev, {change_in(2, 2, "LS.TP.P1"), change_in(3, 3, "LS.CL")});
    auto dev2 = test::add_device(*s, test::officer);
    auto bad = change_in(1, 4, "LS.TP.P2");
    bad.record = "NOT-A-UUID";
    test::push(*s, dev2, {bad});
    const auto all = s->quarantine(store::scope_filter::all(), 10);
    BOOST_REQUIRE(all.size() == 3u);
    BOOST_TEST(all[0].org_unit == "LS.TP.P2");  // newest first
    BOOST_TEST(all[0].username == test::officer);
    BOOST_TEST(all[2].org_unit == "LS.CL.X1");
    BOOST_TEST(all[2].username == "tp");
    const auto cl = s->quarantine(test::subtree(*s, "LS.CL"), 10);
    BOOST_REQUIRE(cl.size() == 2u);
    BOOST_TEST(cl[0].seq == 3u);
    BOOST_TEST(cl[1].seq == 1u);
    BOOST_TEST(s->quarantine(test::subtree(*s, "LS.CL"), 1).size() == 1u);
    BOOST_TEST(s->quarantine(test::subtree(*s, "LS.TP.P1"), 10).empty());
}

BOOST_AUTO_TEST_CASE(list_devices_counts_what_each_device_has_yet_to_pull_and_its_rejections) {
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "tp", access::role::officer, "LS.TP");
    test::add_user(*s, "adm", access::role::admin, "LS");
    const auto root = test::add_device(*s, test::officer);
    const auto tp = test::add_device(*s, "tp");
    const auto adm = test::add_device(*s, "adm");
    test::push(
        *s, root,
        {change_in(1, 1, "LS.TP.P1"), change_in(2, 2, "LS.CL.X1"), change_in(3, 3, "LS.TP.P2")});
    test::push(*s, tp, {change_in(1, 4, "LS.CL"), change_in(2, 5, "LS.TP")});
    auto find = [&](const std::string& id) {
        for (const auto& d : s->list_devices())
            if (d.device_id == id) return d;
        BOOST_FAIL("device missing from the list");
        return store::device_info{};
    };
    BOOST_TEST(find(root).pending_pull == 4u);
    BOOST_TEST(find(tp).pending_pull == 3u);
    BOOST_TEST(find(tp).rejected == 1u);
    BOOST_TEST(find(root).rejected == 0u);
    BOOST_TEST(find(adm).pending_pull == 0u);  // admins read no records
    BOOST_TEST(find(tp).username == "tp");
    BOOST_TEST(find(tp).org_unit == "LS.TP");

    // Pull marks: the device holds everything up to `after`; a lower mark changes nothing.
    store::write_batch b;
    b.pulls.push_back({tp, 3});
    b.pulls.push_back({root, 4});
    BOOST_REQUIRE(s->write(b).has_value());
    store::write_batch older;
    older.pulls.push_back({tp, 1});
    BOOST_REQUIRE(s->write(older).has_value());
    BOOST_TEST(find(tp).pulled_seq == 3u);
    BOOST_TEST(find(tp).pending_pull == 1u);  // record 5, seq 4
    BOOST_TEST(find(root).pending_pull == 0u);

    // By scope: devices whose user's unit is in it.
    const auto in_tp = s->list_devices(test::subtree(*s, "LS.TP"));
    BOOST_REQUIRE(in_tp.size() == 1u);
    BOOST_TEST(in_tp[0].device_id == tp);
    BOOST_TEST(s->list_devices().size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
