// Scope (ws_session.hpp W6, store.hpp S5/S6): a device receives the records of its user's
// subtree and nothing else, however busy the rest of the district is, and cannot write
// outside it.
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <exception>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "scope_support.hpp"

using namespace sotay;
using namespace sotay::e2e;

namespace {

// Creates `count` petitions in `org_unit`, `per_push` to a push; their ids.
std::vector<std::string> write_petitions(client::sync_client& c, test_device& d,
                                         const std::string& org_unit, int count, int per_push,
                                         const std::string& label) {
    std::vector<std::string> ids;
    for (int done = 0; done < count;) {
        std::vector<sync::change_msg> changes;
        for (int i = 0; i < per_push && done < count; ++i, ++done) {
            ids.push_back(new_record_id());
            changes.push_back(d.create(ids.back(),
                                       petition(label + " số " + std::to_string(done + 1)),
                                       "petition", org_unit));
        }
        const auto result = push(c, std::move(changes));
        for (const auto& r : result.results) {
            if (r.status != sync::change_status::applied) {
                throw std::runtime_error("a petition in " + org_unit + " was not applied");
            }
        }
    }
    return ids;
}

std::set<std::string> org_units_of(const std::vector<sync::record_msg>& records) {
    std::set<std::string> units;
    for (const auto& r : records) units.insert(r.org_unit);
    return units;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(leakage)

BOOST_AUTO_TEST_CASE(a_commune_device_never_receives_a_record_of_another_commune) {
    server_process server;
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    const std::string& commune_a = tree.communes[0];
    const std::string& commune_b = tree.communes[1];
    const std::string& commune_c = tree.communes[2];
    test_device a(add_user_with_device(*db, "officer.a", access::role::officer, commune_a));
    test_device b(add_user_with_device(*db, "officer.b", access::role::officer, commune_b));
    test_device c(add_user_with_device(*db, "officer.c", access::role::officer, commune_c));
    test_device d(add_user_with_device(*db, "reviewer.d", access::role::reviewer, tree.district));

    client::sync_client ca, cb, cc, cd;
    a.connect(ca, server.port(), sync::wire_format::json);
    b.connect(cb, server.port(), sync::wire_format::binary);
    c.connect(cc, server.port(), sync::wire_format::binary);
    d.connect(cd, server.port(), sync::wire_format::binary);

    // Before A connects its live pull: records everywhere, a few of them in A.
    std::set<std::string> a_records;
    for (const auto& id : write_petitions(ca, a, commune_a, 5, 5, "Đơn xã A")) {
        a_records.insert(id);
    }
    write_petitions(cb, b, commune_b, 30, 10, "Đơn xã B (trước)");
    write_petitions(cc, c, commune_c, 30, 10, "Đơn xã C (trước)");
    for (const auto& id : write_petitions(cd, d, commune_a, 5, 5, "Huyện ghi cho xã A (trước)")) {
        a_records.insert(id);
    }

    // A's catch-up: exactly A's records, and nothing evicted.
    const auto pages = pull_pages(ca, std::nullopt, 7);
    replica first;
    for (const auto& p : pages) {
        BOOST_TEST(p.evict.empty());
        for (const auto& r : p.records) BOOST_TEST(r.org_unit == commune_a);
        first.apply(p);
    }
    BOOST_TEST(first.ids() == a_records);

    // A holds a live pull from the end of its catch-up; a thread reads every frame.
    sync::pull_msg live;
    live.id = ca.next_id();
    live.cursor = pages.back().cursor;
    live.live = true;
    ca.send(live);
    const std::string sentinel = new_record_id();
    std::vector<sync::message> a_frames;
    std::exception_ptr reader_failed;
    std::thread reader([&] {
        try {
            // Until the district's last record for A arrives: pages come in commit order,
            // so everything committed before it in A's scope has come by then. 60 s: a
            // bound against a hang, not a measure.
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            for (;;) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now());
                a_frames.push_back(ca.receive(left));
                const auto* page = std::get_if<sync::changes_msg>(&a_frames.back());
                if (page != nullptr && find_record(page->records, sentinel)) return;
            }
        } catch (...) {
            reader_failed = std::current_exception();
        }
    });

    // Meanwhile B, C and the district write hundreds of records, at the same time; the
    // district also writes into A.
    std::mutex mu;
    std::vector<std::string> district_into_a;
    std::exception_ptr writer_failed;
    auto guarded = [&](auto work) {
        return [&, work] {
            try {
                work();
            } catch (...) {
                std::lock_guard lock(mu);
                writer_failed = std::current_exception();
            }
        };
    };
    std::thread wb(guarded([&] { write_petitions(cb, b, commune_b, 300, 25, "Đơn xã B"); }));
    std::thread wc(guarded([&] { write_petitions(cc, c, commune_c, 300, 25, "Đơn xã C"); }));
    std::thread wd(guarded([&] {
        for (int round = 0; round < 10; ++round) {
            write_petitions(cd, d, commune_b, 10, 10, "Huyện ghi cho xã B");
            auto ids = write_petitions(cd, d, commune_a, 3, 3, "Huyện ghi cho xã A");
            std::lock_guard lock(mu);
            district_into_a.insert(district_into_a.end(), ids.begin(), ids.end());
        }
    }));
    wb.join();
    wc.join();
    wd.join();
    if (writer_failed) std::rethrow_exception(writer_failed);
    push(cd, {d.create(sentinel, petition("Bản ghi cuối cho xã A"), "petition", commune_a)});
    reader.join();
    if (reader_failed) std::rethrow_exception(reader_failed);

    // Every frame A received: changes of its live pull, every record in A, no eviction.
    std::set<std::string> live_ids;
    for (const auto& m : a_frames) {
        const auto* page = std::get_if<sync::changes_msg>(&m);
        BOOST_TEST_REQUIRE(page != nullptr, "A received a message that is not changes");
        BOOST_TEST(page->id == live.id);
        BOOST_TEST(page->evict.empty());
        for (const auto& r : page->records) {
            BOOST_TEST(r.org_unit == commune_a,
                       "leaked record " << r.record << " of " << r.org_unit);
            live_ids.insert(r.record);
        }
    }
    // And A did receive what the district wrote for it.
    for (const auto& id : district_into_a) BOOST_TEST(live_ids.count(id) == 1u, id);
    BOOST_TEST(live_ids.count(sentinel) == 1u);
    BOOST_TEST(live_ids.size() == district_into_a.size() + 1);

    // A fresh catch-up of A still holds A's records only; the district sees all three
    // communes (and nothing above it).
    client::sync_client ca2;
    a.connect(ca2, server.port(), sync::wire_format::binary);
    const auto again = pull_all(ca2);
    BOOST_TEST((org_units_of(again) == std::set<std::string>{commune_a}));
    BOOST_TEST(again.size() == a_records.size() + district_into_a.size() + 1);
    const auto district_view = pull_all(cd);
    BOOST_TEST(
        (org_units_of(district_view) == std::set<std::string>{commune_a, commune_b, commune_c}));
    BOOST_TEST(district_view.size() == again.size() + 30 + 30 + 300 + 300 + 100);

    ca.close();
    ca2.close();
    cb.close();
    cc.close();
    cd.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(an_officer_writing_into_another_commune_is_rejected_and_quarantined) {
    server_process server;
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    test_device a(add_user_with_device(*db, "officer.a", access::role::officer, tree.communes[0]));
    client::sync_client ca;
    a.connect(ca, server.port(), sync::wire_format::binary);

    const std::string record = new_record_id();
    const auto result = push(
        ca, {a.create(record, petition("Đơn ghi nhầm sang xã B"), "petition", tree.communes[1])});
    BOOST_TEST_REQUIRE(result.results.size() == 1u);
    BOOST_TEST(result.results[0].status == sync::change_status::rejected);
    BOOST_TEST_REQUIRE(result.results[0].error.has_value());
    BOOST_TEST(result.results[0].error->code == sync::errc::out_of_scope);
    // The seq is used up (protocol.md 5): the device's next change is the one after.
    BOOST_TEST(result.last_seq == 1u);

    // Kept for review, and not a record anywhere.
    const auto kept = db->quarantine(store::scope_filter::all(), 100);
    BOOST_TEST_REQUIRE(kept.size() == 1u);
    BOOST_TEST(kept[0].record == record);
    BOOST_TEST(kept[0].device_id == a.id());
    BOOST_TEST(kept[0].org_unit == tree.communes[1]);
    BOOST_TEST(kept[0].status == "rejected");
    BOOST_TEST(must(db->pull(0, 100), "pull").records.empty());

    ca.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(an_admin_device_may_not_pull_records) {
    server_process server;
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    test_device officer(
        add_user_with_device(*db, "officer.a", access::role::officer, tree.communes[0]));
    test_device admin(add_user_with_device(*db, "admin.d", access::role::admin, tree.district));
    client::sync_client co, cadmin;
    officer.connect(co, server.port(), sync::wire_format::json);
    push(co, {officer.create(new_record_id(), petition("Đơn xã A"), "petition", tree.communes[0])});

    admin.connect(cadmin, server.port(), sync::wire_format::json);
    sync::pull_msg p;
    p.id = cadmin.next_id();
    auto answer = cadmin.request(p);
    const auto* e = std::get_if<sync::error_msg>(&answer);
    BOOST_TEST_REQUIRE(e != nullptr, "an admin's pull was answered with records");
    BOOST_TEST(e->id.value_or(-1) == p.id);
    BOOST_TEST(e->error.code == sync::errc::forbidden);

    co.close();
    cadmin.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
