// Resends and gaps (protocol contract; admission.hpp A1, A2; store.hpp S1, S2, S4): a
// device that lost an answer resends and gets `duplicate`, never a second application;
// a push that would leave a hole in a device's numbering is refused whole.
#include "e2e_support.hpp"

#include <boost/json.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <thread>

namespace data = boost::unit_test::data;
using namespace sotay;
using namespace sotay::e2e;

namespace {

// Waits until the log holds `count` changes of the device (the push is durable).
bool wait_for_logged(const server_process& server, const std::string& device, std::size_t count) {
    // 10 s: a push of a few changes commits in milliseconds; the bound only stops a hang.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (logged_seqs(server, device).size() >= count) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

// The device's log holds seqs 1..n, each exactly once.
void check_log_is_exactly(const server_process& server, const std::string& device,
                          std::uint64_t n) {
    auto seqs = logged_seqs(server, device);
    std::sort(seqs.begin(), seqs.end());
    std::vector<std::uint64_t> expected(n);
    for (std::uint64_t i = 0; i < n; ++i) {
        expected[i] = i + 1;
    }
    BOOST_TEST(seqs == expected, boost::test_tools::per_element());
}

// Reconnects, resends `outbox` whole and checks A1: every seq at or below the durable
// last_seq answers duplicate; if `strict`, every later one answers applied.
void resend_after_reconnect(test_device& device, const server_process& server,
                            sync::wire_format format, const std::vector<sync::change_msg>& outbox,
                            bool strict) {
    client::sync_client c;
    const auto welcome = device.connect(c, server.port(), format);
    const auto result = push(c, outbox);
    BOOST_TEST(result.last_seq == outbox.back().seq);
    BOOST_TEST_REQUIRE(result.results.size() == outbox.size());
    for (std::size_t i = 0; i < outbox.size(); ++i) {
        const auto& r = result.results[i];
        BOOST_TEST_CONTEXT("seq " << r.seq << ", durable last_seq " << welcome.last_seq) {
            BOOST_TEST(r.seq == outbox[i].seq);
            if (r.seq <= welcome.last_seq) {
                BOOST_TEST(r.status == sync::change_status::duplicate);
            } else if (strict) {
                BOOST_TEST(r.status == sync::change_status::applied);
            } else {
                // The lost push may still have been committing while hello read
                // last_seq; then it lands first and this resend is a duplicate.
                BOOST_TEST(r.status != sync::change_status::rejected);
            }
        }
    }
    c.close();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resend)

BOOST_DATA_TEST_CASE(connection_killed_mid_push_then_resend_answers_duplicate,
                     data::make(both_formats), format) {
    server_process server;
    test_device device(server.add_device("thôn Đồng Tâm"));
    const std::string record = new_record_id();
    std::vector<sync::change_msg> outbox;
    outbox.push_back(device.create(record, petition("Phản ánh tiếng ồn từ xưởng gỗ")));
    for (int i = 2; i <= 5; ++i) {
        outbox.push_back(device.edit(record, 0, {{"summary", "bản sửa lần " + std::to_string(i)}}));
    }

    // 1. The server commits the push, but the link dies before the answer is read.
    {
        client::sync_client c;
        BOOST_TEST(device.connect(c, server.port(), format).last_seq == 0u);
        sync::push_msg p{c.next_id(), outbox};
        c.send(p);
        BOOST_TEST_REQUIRE(wait_for_logged(server, device.id(), outbox.size()));
        c.abort();
    }
    {
        client::sync_client c;
        BOOST_TEST(device.connect(c, server.port(), format).last_seq == 5u);
        c.close();
    }
    // Meanwhile the officer made three more edits; the device resends everything it
    // holds: 1..5 are duplicates, 6..8 new.
    for (int i = 6; i <= 8; ++i) {
        outbox.push_back(device.edit(record, 0, {{"summary", "bản sửa lần " + std::to_string(i)}}));
    }
    resend_after_reconnect(device, server, format, outbox, true);

    // 2. The link dies right after sending, whatever the server had done by then.
    for (int i = 9; i <= 12; ++i) {
        outbox.push_back(device.edit(record, 0, {{"summary", "bản sửa lần " + std::to_string(i)}}));
    }
    {
        client::sync_client c;
        device.connect(c, server.port(), format);
        c.send(sync::push_msg{c.next_id(), {outbox.begin() + 8, outbox.end()}});
        c.abort();
    }
    resend_after_reconnect(device, server, format, outbox, false);

    // Each (device, seq) is in the log once, and the record counts each change once (M4).
    check_log_is_exactly(server, device.id(), 12);
    client::sync_client c;
    device.connect(c, server.port(), format);
    const auto r = find_record(pull_all(c), record);
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->version == 12u);
    BOOST_TEST(text_field(*r, "summary") == "bản sửa lần 12");
    c.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_DATA_TEST_CASE(resend_of_acknowledged_changes_answers_duplicate_with_the_same_result,
                     data::make(both_formats), format) {
    server_process server;
    const auto creds = server.add_devices("xã Hòa Bình", 2);
    test_device a(creds[0]);
    test_device b(creds[1]);
    const std::string record = new_record_id();

    client::sync_client ca;
    client::sync_client cb;
    a.connect(ca, server.port(), format);
    b.connect(cb, server.port(), format);
    push(ca, {a.create(record, petition("Đề nghị sửa cầu treo bản Mường"))});
    const std::uint64_t seen = find_record(pull_all(cb), record).value().version;
    push(ca, {a.edit(record, seen, {{"status", std::string("processing")}})});

    // B's push: an edit that meets A's concurrent one (a conflict in the answer), and a
    // change with a broken clock (rejected, kept for review, seq used up).
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // B's hlc is the later
    std::vector<sync::change_msg> outbox{
        b.edit(record, seen, {{"status", std::string("resolved")}})};
    auto broken = b.edit(record, seen, {{"summary", std::string("đồng hồ hỏng")}});
    broken.hlc = "yesterday";
    outbox.push_back(broken);

    const auto first = push(cb, outbox);
    BOOST_TEST_REQUIRE(first.results.size() == 2u);
    BOOST_TEST(first.results[0].status == sync::change_status::applied);
    BOOST_TEST(first.results[0].conflicts.size() == 1u);
    BOOST_TEST(first.results[1].status == sync::change_status::rejected);
    BOOST_TEST(first.results[1].error.has_value());
    BOOST_TEST(first.last_seq == 2u);
    const auto log_before = log_of(server, b.id());
    const auto record_before = find_record(pull_all(cb), record).value();

    // The same push again, on this connection and on a new one: the stored answers,
    // with applied turned into duplicate (S2); nothing applied twice.
    cb.close();
    for (int round = 0; round < 2; ++round) {
        BOOST_TEST_CONTEXT("resend " << round) {
            client::sync_client c;
            BOOST_TEST(b.connect(c, server.port(), format).last_seq == 2u);
            const auto again = push(c, outbox);
            BOOST_TEST(again.last_seq == 2u);
            BOOST_TEST_REQUIRE(again.results.size() == 2u);
            auto expected = first.results[0];
            expected.status = sync::change_status::duplicate;
            BOOST_TEST((again.results[0] == expected));
            BOOST_TEST((again.results[1] == first.results[1]));
            BOOST_TEST((find_record(pull_all(c), record).value() == record_before));
            c.close();
        }
    }
    BOOST_TEST(log_of(server, b.id()).size() == log_before.size());
    BOOST_TEST(server.admin_json({"review", "list", "--json"}).at("items").as_array().size() == 1u);
    ca.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_DATA_TEST_CASE(push_with_a_gap_is_refused_with_seq_gap_and_applies_nothing,
                     data::make(both_formats), format) {
    server_process server;
    test_device device(server.add_device("phường Quyết Thắng"));
    client::sync_client c;
    device.connect(c, server.port(), format);
    const std::string record = new_record_id();
    const auto created = push(c, {device.create(record, petition("Kiến nghị lắp đèn đường")),
                                  device.edit(record, 0, {{"status", std::string("processing")}})});
    BOOST_TEST(created.last_seq == 2u);

    // Seqs 3..6 are made, 3 and 4 get lost on the phone; 5 and 6 arrive alone.
    const auto seq3 = device.edit(record, 0, {{"summary", std::string("thiếu 3")}});
    const auto seq4 = device.edit(record, 0, {{"summary", std::string("thiếu 4")}});
    const auto seq5 = device.edit(record, 0, {{"status", std::string("resolved")}});
    const auto seq6 = device.edit(record, 0, {{"summary", std::string("sau khoảng trống")}});
    sync::push_msg gap{c.next_id(), {seq5, seq6}};
    const auto answer = c.request(gap);
    const auto* error = std::get_if<sync::error_msg>(&answer);
    BOOST_TEST_REQUIRE(error != nullptr);
    BOOST_TEST((error->id == std::optional<std::int64_t>(gap.id)));
    BOOST_TEST(sync::to_code(error->error.code) == "seq_gap");
    BOOST_TEST(error->error.message.find("3") != std::string::npos,
               "message names the expected seq: " << error->error.message);

    // Nothing of it was applied or logged, and the connection still works.
    BOOST_TEST(logged_seqs(server, device.id()) == (std::vector<std::uint64_t>{1, 2}),
               boost::test_tools::per_element());
    const auto before = find_record(pull_all(c), record).value();
    BOOST_TEST(before.version == 2u);
    BOOST_TEST(text_field(before, "status") == "processing");

    const auto filled = push(c, {seq3, seq4, seq5, seq6});
    BOOST_TEST(filled.last_seq == 6u);
    for (const auto& r : filled.results) {
        BOOST_TEST(r.status == sync::change_status::applied);
    }
    BOOST_TEST(find_record(pull_all(c), record).value().version == 6u);
    c.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
