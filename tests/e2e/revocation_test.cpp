// Revocation at once (ws_session.hpp W5, W7; store.hpp S5, S7): revoking a device, or
// disabling its user, ends its open connections within the server's poll interval, and
// nothing it sends afterwards is applied.
#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <sotay/store/sqlite_store.hpp>
#include <string>
#include <vector>

#include "scope_support.hpp"

using namespace sotay;
using namespace sotay::e2e;
using namespace std::chrono_literals;

namespace {

// Starts a live pull and reads its catch-up to the end.
std::int64_t start_live(client::sync_client& c) {
    sync::pull_msg p;
    p.id = c.next_id();
    p.live = true;
    c.send(p);
    for (;;) {
        auto page = client::expect<sync::changes_msg>(c.receive());
        if (!page.more) return p.id;
    }
}

constexpr std::uint16_t policy_violation = 1008;

}  // namespace

BOOST_AUTO_TEST_SUITE(revocation)

BOOST_AUTO_TEST_CASE(a_revoked_device_is_told_and_disconnected_within_three_seconds) {
    server_process server;
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    const auto creds =
        add_user_with_device(*db, "officer.a", access::role::officer, tree.communes[0]);
    test_device a(creds);
    client::sync_client live, idle;
    a.connect(live, server.port(), sync::wire_format::binary);
    a.connect(idle, server.port(), sync::wire_format::json);
    push(idle, {a.create(new_record_id(), petition("Đơn trước khi thu hồi"), "petition",
                         tree.communes[0])});
    start_live(live);

    // Revoked from another handle, as sotay-admin would; the live connection hears of it
    // without sending anything, within 3 s (the server polls every 250 ms).
    must(db->revoke_device(a.id()), "revoke");
    const auto told = expect_error(live, 3000ms);
    BOOST_TEST(told.error.code == sync::errc::device_revoked);
    BOOST_TEST(!told.id.has_value());
    BOOST_TEST(wait_for_close(live, 3000ms).value_or(0) == policy_violation);

    // The idle connection is ended the same way.
    const auto told_idle = expect_error(idle, 3000ms);
    BOOST_TEST(told_idle.error.code == sync::errc::device_revoked);
    BOOST_TEST(wait_for_close(idle, 3000ms).value_or(0) == policy_violation);

    // And a new connection is refused at hello.
    client::sync_client again;
    try {
        a.connect(again, server.port(), sync::wire_format::binary);
        BOOST_FAIL("a revoked device said hello");
    } catch (const client::client_error& e) {
        BOOST_TEST(e.code() == sync::errc::device_revoked);
    }
    again.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(disabling_the_user_disconnects_the_users_devices) {
    server_process server;
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    test_device a(add_user_with_device(*db, "officer.a", access::role::officer, tree.communes[0]));
    test_device other(
        add_user_with_device(*db, "officer.b", access::role::officer, tree.communes[1]));
    client::sync_client ca, cother;
    a.connect(ca, server.port(), sync::wire_format::binary);
    other.connect(cother, server.port(), sync::wire_format::binary);
    start_live(ca);
    start_live(cother);

    must(db->set_user_disabled("officer.a", true), "disable");
    BOOST_TEST(expect_error(ca, 3000ms).error.code == sync::errc::device_revoked);
    BOOST_TEST(wait_for_close(ca, 3000ms).value_or(0) == policy_violation);

    // Another user's device is untouched: it still syncs.
    const std::string record = new_record_id();
    push(cother, {other.create(record, petition("Đơn xã B"), "petition", tree.communes[1])});
    const auto page = client::expect<sync::changes_msg>(cother.receive(5000ms));
    BOOST_TEST(find_record(page.records, record).has_value());
    cother.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(a_push_arriving_after_the_revocation_applies_nothing) {
    server_process server;
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    test_device a(add_user_with_device(*db, "officer.a", access::role::officer, tree.communes[0]));
    client::sync_client c;
    a.connect(c, server.port(), sync::wire_format::binary);

    must(db->revoke_device(a.id()), "revoke");
    // Sent at once: it usually reaches the store before the server's next security poll
    // and is rejected there (S5, kept); if the poll came first, the session refuses it.
    // Either way it is answered, before the session's own device_revoked and close.
    const std::string record = new_record_id();
    sync::push_msg p;
    p.id = c.next_id();
    p.changes = {
        a.create(record, petition("Đơn gửi sau khi thu hồi"), "petition", tree.communes[0])};
    c.send(p);
    std::vector<sync::message> seen;
    BOOST_TEST(wait_for_close(c, 5000ms, &seen).value_or(0) == policy_violation);
    BOOST_TEST_REQUIRE(seen.size() == 2u);

    if (const auto* result = std::get_if<sync::push_result_msg>(&seen[0])) {
        BOOST_TEST(result->id == p.id);
        BOOST_TEST_REQUIRE(result->results.size() == 1u);
        BOOST_TEST(result->results[0].status == sync::change_status::rejected);
        BOOST_TEST(result->results[0].error.value().code == sync::errc::device_revoked);
        const auto log = db->change_log(a.id());
        BOOST_TEST_REQUIRE(log.size() == 1u);
        BOOST_TEST(log[0].record == record);
        BOOST_TEST(log[0].status == "rejected");
    } else {
        const auto& refused = std::get<sync::error_msg>(seen[0]);
        BOOST_TEST(refused.id.value_or(-1) == p.id);
        BOOST_TEST(refused.error.code == sync::errc::device_revoked);
    }
    const auto& last = std::get<sync::error_msg>(seen[1]);
    BOOST_TEST(!last.id.has_value());
    BOOST_TEST(last.error.code == sync::errc::device_revoked);

    // Nothing of it became a record.
    BOOST_TEST(must(db->pull(0, 100), "pull").records.empty());
    BOOST_TEST(server.stop() == 0);
}

// The same rule at the store, where the timing is ours: a push committed after the
// revocation is rejected device_revoked and kept in the log (S2, S5).
BOOST_AUTO_TEST_CASE(the_store_rejects_and_keeps_a_push_committed_after_the_revocation) {
    std::string templ = "/tmp/sotay-revoke-XXXXXX";
    BOOST_TEST_REQUIRE(::mkdtemp(templ.data()) != nullptr);
    const std::filesystem::path dir = templ;
    {
        auto db = store::open_sqlite_store((dir / "sotay.db").string());
        const district_tree tree = make_district(*db);
        test_device a(
            add_user_with_device(*db, "officer.a", access::role::officer, tree.communes[0]));
        must(db->revoke_device(a.id()), "revoke");

        store::write_batch batch;
        const std::string record = new_record_id();
        batch.pushes.push_back(
            {a.id(),
             0,
             {a.create(record, petition("Đơn sau thu hồi"), "petition", tree.communes[0])},
             {},
             {}});
        const auto out = must(db->write(batch), "write");
        BOOST_TEST_REQUIRE(out.pushes.size() == 1u);
        BOOST_TEST_REQUIRE(out.pushes[0].results.size() == 1u);
        BOOST_TEST(out.pushes[0].results[0].status == sync::change_status::rejected);
        BOOST_TEST(out.pushes[0].results[0].error.value().code == sync::errc::device_revoked);
        const auto log = db->change_log(a.id());
        BOOST_TEST_REQUIRE(log.size() == 1u);
        BOOST_TEST(log[0].status == "rejected");
        BOOST_TEST(must(db->pull(0, 100), "pull").records.empty());
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
}

BOOST_AUTO_TEST_SUITE_END()
