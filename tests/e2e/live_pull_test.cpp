// Live pull (protocol contract): once a live catch-up says more=false, the server keeps
// sending `changes` with the pull's id as new changes land.
#include "e2e_support.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

namespace data = boost::unit_test::data;
using namespace sotay;
using namespace sotay::e2e;

BOOST_AUTO_TEST_SUITE(live_pull)

BOOST_DATA_TEST_CASE(live_pull_delivers_new_changes_to_a_subscribed_device,
                     data::make(both_formats), format) {
    server_process server;
    const auto creds = server.add_devices("huyện Đông Anh", 2);
    test_device a(creds[0]);
    test_device b(creds[1]);
    client::sync_client ca;
    client::sync_client cb;
    a.connect(ca, server.port(), format);
    b.connect(cb, server.port(), format);

    // Something to catch up on first, so the subscription starts after a real page.
    const std::string old_record = new_record_id();
    push(ca, {a.create(old_record, petition("Đơn cũ đã có trước khi đăng ký"))});

    // B subscribes and reads the catch-up until more=false.
    sync::pull_msg pull;
    pull.id = cb.next_id();
    pull.live = true;
    cb.send(pull);
    std::vector<sync::record_msg> caught_up;
    for (;;) {
        auto page = client::expect<sync::changes_msg>(cb.receive());
        BOOST_TEST_REQUIRE(page.id == pull.id);
        caught_up.insert(caught_up.end(), page.records.begin(), page.records.end());
        if (!page.more) {
            break;
        }
    }
    BOOST_TEST(find_record(caught_up, old_record).has_value());

    // A pushes a new petition; B gets it, unasked, within a few seconds.
    const std::string record = new_record_id();
    const auto pushed = push(ca, {a.create(record, petition("Phản ánh nước sinh hoạt bị đục"))});
    BOOST_TEST(pushed.results.at(0).status == sync::change_status::applied);

    std::optional<sync::record_msg> delivered;
    // 5 s: delivery is immediate after the commit; the bound only turns a miss into a
    // failure instead of a hang. receive() throws (failing the test) when it runs out.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!delivered && std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto live = client::expect<sync::changes_msg>(cb.receive(left));
        BOOST_TEST(live.id == pull.id);
        BOOST_TEST(!live.cursor.empty());
        delivered = find_record(live.records, record);
    }
    BOOST_TEST_REQUIRE(delivered.has_value());
    BOOST_TEST(delivered->version == 1u);
    BOOST_TEST(delivered->type == "petition");
    BOOST_TEST(delivered->org_unit == default_org_unit);
    BOOST_TEST(text_field(*delivered, "summary") == "Phản ánh nước sinh hoạt bị đục");

    ca.close();
    cb.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
