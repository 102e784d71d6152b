// Phones with wrong dates (clock_rule.hpp C1-C5): a phone set to 2030 must not win every
// later conflict, and a phone set to 2015 must not lose every edit. Each phone stamps its
// changes with its own clock; the server reads them on its clock via the offset measured
// at hello, and keeps the phone's own hlc in the log.
#include "e2e_support.hpp"

#include <boost/json.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <thread>

namespace data = boost::unit_test::data;
using namespace sotay;
using namespace sotay::e2e;

namespace {

// 2030-06-01 and 2015-06-01, 00:00 UTC, in ms since the epoch.
constexpr std::int64_t june_2030_ms = 1906502400000;
constexpr std::int64_t june_2015_ms = 1433116800000;

const boost::json::object& log_entry(const std::vector<boost::json::object>& log,
                                     std::uint64_t seq) {
    for (const auto& o : log) {
        if (o.at("seq").to_number<std::uint64_t>() == seq) {
            return o;
        }
    }
    throw std::runtime_error("seq " + std::to_string(seq) + " is not in the log");
}

// The log keeps the phone's own hlc unchanged; the effective one is on the server's
// clock, near the real time of the edit.
void check_logged_clocks(const server_process& server, const test_device& device,
                         const sync::change_msg& change, std::int64_t real_edit_ms) {
    const auto log = log_of(server, device.id());
    const auto& entry = log_entry(log, change.seq);
    BOOST_TEST(entry.at("device_hlc").as_string() == change.hlc);
    const auto effective = sync::parse_hlc(entry.at("effective_hlc").as_string());
    BOOST_TEST_REQUIRE(effective.has_value());
    const auto drift = static_cast<std::int64_t>(effective->wall_ms) - real_edit_ms;
    // 5 minutes: the clock rule's trusted skew; the real error is a few milliseconds.
    BOOST_TEST(std::llabs(drift) < 5 * 60 * 1000,
               "effective clock is " << drift << " ms from the real time of the edit");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(clock_skew)

BOOST_DATA_TEST_CASE(wrong_phone_dates_neither_win_nor_lose_against_real_time_order,
                     data::make(both_formats), format) {
    server_process server;
    const auto creds = server.add_devices("điện thoại cán bộ", 3);
    test_device correct(creds[0]);
    test_device future(creds[1], june_2030_ms - now_ms());  // date set to 2030
    test_device past(creds[2], june_2015_ms - now_ms());    // date set to 2015
    const std::string r1 = new_record_id();
    const std::string r2 = new_record_id();

    // The correct phone creates two petitions; everyone syncs them (version 1).
    {
        client::sync_client c;
        correct.connect(c, server.port(), format);
        push(c, {correct.create(r1, petition("Đơn thứ nhất")),
                 correct.create(r2, petition("Đơn thứ hai"))});
        c.close();
        for (test_device* d : {&future, &past}) {
            client::sync_client dc;
            d->connect(dc, server.port(), format);
            BOOST_TEST(find_record(pull_all(dc), r1).value().version == 1u);
            dc.close();
        }
    }

    // Time t0, offline: the 2030 phone edits r1; the correct phone edits r2.
    const std::int64_t t0 = now_ms();
    const auto future_r1 = future.edit(r1, 1, {{"summary", std::string("sửa từ máy năm 2030")}});
    const auto correct_r2 = correct.edit(r2, 1, {{"summary", std::string("sửa sớm, giờ đúng")}});
    // 1.1 s of real time: far more than the hello round trip that bounds the error of
    // the measured offsets, so real-time order is unambiguous.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    // Time t1: the correct phone edits r1; the 2015 phone edits r2.
    const std::int64_t t1 = now_ms();
    const auto correct_r1 = correct.edit(r1, 1, {{"summary", std::string("sửa sau, giờ đúng")}});
    const auto past_r2 = past.edit(r2, 1, {{"summary", std::string("sửa từ máy năm 2015")}});

    // On their own clocks the 2030 edit looks latest and the 2015 edit earliest.
    BOOST_TEST((sync::parse_hlc(future_r1.hlc) > sync::parse_hlc(correct_r1.hlc)));
    BOOST_TEST((sync::parse_hlc(past_r2.hlc) < sync::parse_hlc(correct_r2.hlc)));

    // Push in the order that a "last push wins" server would get wrong for r1 and a
    // "raw clock wins" server would get wrong for both.
    for (auto [device, change] :
         {std::pair{&correct, std::vector{correct_r2, correct_r1}},
          std::pair{&future, std::vector{future_r1}}, std::pair{&past, std::vector{past_r2}}}) {
        client::sync_client c;
        device->connect(c, server.port(), format);
        for (const auto& r : push(c, change).results) {
            BOOST_TEST(r.status == sync::change_status::applied);
        }
        c.close();
    }

    client::sync_client c;
    correct.connect(c, server.port(), format);
    const auto records = pull_all(c);
    c.close();
    // The later real-time edit beats the 2030 phone's earlier one.
    BOOST_TEST(text_field(find_record(records, r1).value(), "summary") == "sửa sau, giờ đúng");
    // The 2015 phone's later edit is not lost behind the earlier correct one.
    BOOST_TEST(text_field(find_record(records, r2).value(), "summary") == "sửa từ máy năm 2015");

    check_logged_clocks(server, future, future_r1, t0);
    check_logged_clocks(server, past, past_r2, t1);
    check_logged_clocks(server, correct, correct_r1, t1);
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
