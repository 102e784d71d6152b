// A phone whose date is ten years behind, against the real server: the edits it made
// offline are read on the server's clock (clock rule C3, applied by the server because
// the SDK's hello and stamps use the same clock), and after that sync the device stamps
// correct times itself (the SDK's clock correction). The SDK is driven in-process here,
// the way the CLI drives it, because only the SDK lets a test set a wrong system clock.
#include "cli_support.hpp"

#include <sotay/sdk/device.hpp>
#include <sotay/sync/hlc.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>

using namespace sotay;
using namespace sotay::e2e;

namespace {

constexpr std::int64_t ten_years_ms = 10LL * 365 * 86'400'000;
// One minute: far above the time this test takes, far below the ten years it checks.
constexpr std::int64_t close_ms = 60'000;

std::int64_t wall_of(const boost::json::object& entry, const char* member) {
    const auto h = sync::parse_hlc(std::string(entry.at(member).as_string()));
    BOOST_TEST_REQUIRE(h.has_value());
    return static_cast<std::int64_t>(h->wall_ms);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_clock)

BOOST_AUTO_TEST_CASE(a_phone_ten_years_behind_is_read_on_the_server_clock_then_corrected) {
    server_process server;
    const auto creds = server.add_device("bản Khuổi Pục");
    cli_device home;  // only its temp directory
    sdk::options o;
    o.system_clock = [] { return now_ms() - ten_years_ms; };
    sdk::device phone(home.db_path(), o);
    phone.configure({"ws://127.0.0.1:" + std::to_string(server.port()) + "/sync",
                     creds.device_id, creds.token, sync::wire_format::binary});

    const auto id = phone.create("petition", default_org_unit, petition("Đơn viết tay"));
    const auto report = phone.sync();
    BOOST_TEST(std::llabs(report.clock_correction_ms - ten_years_ms) < close_ms);

    phone.edit(id, {{"status", std::string("processing")}});
    phone.sync();

    const auto log = log_by_seq(server, creds.device_id);
    BOOST_TEST_REQUIRE(log.by_seq.size() == 2u);
    const auto& offline = log.by_seq.at(1);
    const auto& after = log.by_seq.at(2);
    // Made on the wrong clock, kept as made in history, merged on the server's clock.
    BOOST_TEST(std::llabs(wall_of(offline, "device_hlc") - (now_ms() - ten_years_ms)) <
               close_ms);
    BOOST_TEST(std::llabs(wall_of(offline, "effective_hlc") - now_ms()) < close_ms);
    // Made after the correction: the device's own stamp is right, and trusted as is.
    BOOST_TEST(std::llabs(wall_of(after, "device_hlc") - now_ms()) < close_ms);
    BOOST_TEST(after.at("device_hlc").as_string() == after.at("effective_hlc").as_string());
    // The server measured the offset at the second hello as ordinary drift.
    const auto devices = server.admin_json({"device", "list", "--json"}).as_array();
    BOOST_TEST_REQUIRE(devices.size() == 1u);
    const auto offset = devices[0].as_object().at("clock_offset_ms").to_number<std::int64_t>();
    BOOST_TEST(std::llabs(offset) < close_ms);
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
