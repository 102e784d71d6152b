// The `sotay` process is killed (SIGKILL) in the middle of a sync, once while pushing and
// once while pulling; the next sync completes with nothing lost and nothing doubled
// (device.hpp D1, D4).
#include "cli_support.hpp"

#include <sotay/sdk/device.hpp>

#include <boost/test/unit_test.hpp>

#include <thread>

namespace json = boost::json;
using namespace sotay;
using namespace sotay::e2e;

namespace {

// 3,000 changes: three pushes of the server's 1,000 and six pulled pages of 500, so
// that there is a "middle" to kill in, in each phase.
constexpr int record_count = 3000;
// A slow link (every server message held this long), so the kill lands mid-sync on any
// machine: a push answer or a page arrives at most every 150 ms.
constexpr auto slow_link = std::chrono::milliseconds(150);
// Bound on waiting for the state that triggers the kill.
constexpr auto kill_deadline = std::chrono::seconds(60);

// Polls `ready` every 2 ms until it holds or the program ends; then SIGKILL. Returns
// whether `ready` was seen before the program finished on its own.
template <typename Ready>
bool kill_when(background_program& program, Ready ready) {
    const auto deadline = std::chrono::steady_clock::now() + kill_deadline;
    while (std::chrono::steady_clock::now() < deadline) {
        if (ready()) {
            program.kill9();
            return true;
        }
        if (program.poll()) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    program.kill9();
    return false;
}

std::vector<std::string> sync_args(const cli_device& d) { return {"--data", d.dir(), "sync"}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_kill)

BOOST_AUTO_TEST_CASE(a_cli_killed_mid_sync_loses_and_doubles_nothing_on_the_next_sync) {
    server_process server;
    const auto creds = server.add_devices("phường Chi Lăng", 3);
    tcp_proxy proxy(server.port());
    cli_device d;
    d.init(proxy.port(), creds[0]);
    {
        // 3,000 records through the SDK in one local transaction (3,000 CLI runs would
        // test process start-up, not sync).
        sdk::device replica(d.db_path());
        replica.batch([&] {
            for (int i = 0; i < record_count; ++i) {
                replica.create("petition", default_org_unit,
                               {{"kind", std::string("feedback")},
                                {"received_on", std::string("2022-03-04")},
                                {"status", std::string("received")},
                                {"summary", "Phản ánh số " + std::to_string(i + 1)}});
            }
        });
    }

    // 1. Kill while pushing: as soon as the first push's answer is stored.
    proxy.set_delay(slow_link);
    sdk::device watcher(d.db_path());
    std::size_t pending_at_kill = 0;
    {
        background_program sync(std::string(SOTAY_BIN_DIR) + "/sotay", sync_args(d), d.dir());
        const bool mid = kill_when(sync, [&] {
            pending_at_kill = watcher.status().pending;
            return pending_at_kill < static_cast<std::size_t>(record_count);
        });
        BOOST_TEST_REQUIRE(mid, "the sync ended before the kill; stderr:\n" << sync.stderr_text());
        BOOST_TEST(sync.kill9() == 128 + 9);
    }
    const auto after_kill = watcher.status();
    BOOST_TEST(after_kill.pending > 0u);  // killed before the last push was acknowledged
    BOOST_TEST(after_kill.pending < static_cast<std::size_t>(record_count));
    BOOST_TEST(after_kill.acked_seq + after_kill.pending ==
               static_cast<std::size_t>(record_count));
    const auto held = logged_seqs(server, d.id()).size();
    BOOST_TEST_MESSAGE("killed while pushing: " << after_kill.pending << " changes pending, "
                                                << held << " held by the server");
    BOOST_TEST(held >= record_count - after_kill.pending);  // maybe one more push landed

    // The next sync finishes the job.
    proxy.set_delay(std::chrono::milliseconds(0));
    const auto done = d.json({"sync"}).as_object();
    BOOST_TEST(done.at("applied").to_number<std::size_t>() + held ==
               static_cast<std::size_t>(record_count));
    BOOST_TEST(done.at("duplicate").to_number<std::size_t>() +
                   done.at("applied").to_number<std::size_t>() ==
               after_kill.pending);
    BOOST_TEST(d.status().at("pending").to_number<int>() == 0);

    // Each seq once on the server; the device shows exactly the server's records.
    const auto log = log_by_seq(server, d.id());
    BOOST_TEST(log.count == static_cast<std::size_t>(record_count));
    BOOST_TEST(log.by_seq.size() == static_cast<std::size_t>(record_count));
    BOOST_TEST(log.by_seq.begin()->first == 1u);
    BOOST_TEST(log.by_seq.rbegin()->first == static_cast<std::uint64_t>(record_count));
    const auto on_server = server_records(server, creds[2]);
    BOOST_TEST(on_server.size() == static_cast<std::size_t>(record_count));
    auto on_device = d.records();
    BOOST_TEST_REQUIRE(on_device.size() == on_server.size());
    std::size_t same = 0;
    for (const auto& [id, r] : on_server) {
        const auto it = on_device.find(id);
        if (it != on_device.end() &&
            json::serialize(comparable(it->second)) == json::serialize(r)) {
            ++same;
        }
    }
    BOOST_TEST(same == on_server.size());

    // 2. Kill while pulling: a second device receives the 3,000 records and is killed
    //    once some pages are stored.
    cli_device reader;
    reader.init(proxy.port(), creds[1], "json");
    proxy.set_delay(slow_link);
    sdk::device reader_view(reader.db_path());
    std::size_t pulled_at_kill = 0;
    {
        background_program sync(std::string(SOTAY_BIN_DIR) + "/sotay", sync_args(reader),
                                reader.dir());
        const bool mid = kill_when(sync, [&] {
            pulled_at_kill = reader_view.list().size();
            return pulled_at_kill > 0;
        });
        BOOST_TEST_REQUIRE(mid, "the sync ended before the kill; stderr:\n" << sync.stderr_text());
    }
    BOOST_TEST(pulled_at_kill < static_cast<std::size_t>(record_count));
    BOOST_TEST_MESSAGE("killed while pulling, " << pulled_at_kill << " records stored");
    proxy.set_delay(std::chrono::milliseconds(0));
    const auto resumed = reader.json({"sync"}).as_object();
    // Resumed from the saved cursor: a page and its cursor are stored in one transaction,
    // so no page stored before the kill is asked for again.
    BOOST_TEST(resumed.at("received").to_number<std::size_t>() <=
               static_cast<std::size_t>(record_count) - pulled_at_kill);
    const auto on_reader = reader.records();
    BOOST_TEST(on_reader.size() == on_server.size());
    std::size_t same_on_reader = 0;
    for (const auto& [id, r] : on_server) {
        const auto it = on_reader.find(id);
        if (it != on_reader.end() &&
            json::serialize(comparable(it->second)) == json::serialize(r)) {
            ++same_on_reader;
        }
    }
    BOOST_TEST(same_on_reader == on_server.size());
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
