// The server is killed with SIGKILL while four devices push as fast as they can. After a
// restart on the same database nothing that was acknowledged is lost (store.hpp S1),
// every device resends from its durable last_seq (S4), and in the end the log holds every
// change exactly once (S2) and a fresh device pulls every record exactly once (S3).
#include "e2e_support.hpp"

#include <boost/json.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

namespace data = boost::unit_test::data;
using namespace sotay;
using namespace sotay::e2e;

// A named namespace, not an anonymous one: the test case template captures a pusher.
namespace crash_detail {

// 50 records per push, as a phone back from a day in the field sends them.
constexpr std::size_t batch_size = 50;
// A cap on batches per device, so a very fast machine does not make the checks slow:
// 300 x 50 = 15,000 changes per device is far more than one second of pushing needs.
constexpr std::size_t max_batches = 300;

// One device's pushing loop, run on its own thread until the server dies. Boost.Test
// assertions are not thread-safe: the thread only records, the main thread checks.
struct pusher {
    test_device device;
    std::vector<sync::change_msg> outbox;  // every change made, in seq order
    std::uint64_t highest_acked = 0;       // highest seq answered `applied`
    std::string failure;                   // anything other than the expected crash

    void run(std::uint16_t port, sync::wire_format format) {
        try {
            client::sync_client c;
            device.connect(c, port, format);
            for (std::size_t batch = 0; batch < max_batches; ++batch) {
                std::vector<sync::change_msg> changes;
                for (std::size_t i = 0; i < batch_size; ++i) {
                    changes.push_back(device.create(
                        new_record_id(), petition("Đơn số " + std::to_string(outbox.size() + 1))));
                    outbox.push_back(changes.back());
                }
                const auto result = push(c, changes);
                for (const auto& r : result.results) {
                    if (r.status != sync::change_status::applied) {
                        failure = "seq " + std::to_string(r.seq) + " answered " +
                                  std::string(sync::status_name(r.status));
                        return;
                    }
                    highest_acked = std::max(highest_acked, r.seq);
                }
            }
        } catch (const client::transport_error&) {
            // The server was killed: the expected end of this loop.
        } catch (const std::exception& e) {
            failure = e.what();
        }
    }
};

}  // namespace crash_detail

using namespace crash_detail;

BOOST_AUTO_TEST_SUITE(crash)

BOOST_DATA_TEST_CASE(killed_server_loses_no_acknowledged_change_and_resends_fill_every_hole,
                     data::make(both_formats), format) {
    server_process server;
    const auto creds = server.add_devices("cán bộ xã", 4);
    std::vector<pusher> pushers;
    for (const auto& c : creds) {
        pushers.push_back(pusher{test_device(c), {}, 0, {}});
    }

    // Push for about a second, then pull the plug.
    std::vector<std::thread> threads;
    const std::uint16_t port = server.port();
    for (auto& p : pushers) {
        threads.emplace_back([&p, port, format] { p.run(port, format); });
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    server.kill9();
    for (auto& t : threads) {
        t.join();
    }
    std::uint64_t acked = 0;
    for (const auto& p : pushers) {
        BOOST_TEST(p.failure.empty(), p.device.id() << ": " << p.failure);
        acked += p.highest_acked;
    }
    BOOST_TEST_REQUIRE(acked > 0u, "nothing was acknowledged before the kill");
    BOOST_TEST_MESSAGE(acked << " changes acknowledged before SIGKILL");

    // Restart on the same file; every device reconnects and resends after last_seq.
    server.restart();
    std::set<std::string> all_records;
    std::size_t all_changes = 0;
    for (auto& p : pushers) {
        BOOST_TEST_CONTEXT("device " << p.device.id()) {
            client::sync_client c;
            const auto welcome = p.device.connect(c, server.port(), format);
            // S1: nothing acknowledged is lost; and nothing appears that was never sent.
            BOOST_TEST(welcome.last_seq >= p.highest_acked);
            BOOST_TEST(welcome.last_seq <= p.outbox.size());
            for (std::size_t from = welcome.last_seq; from < p.outbox.size(); from += batch_size) {
                const auto to = std::min(from + batch_size, p.outbox.size());
                const auto result = push(c, {p.outbox.begin() + static_cast<std::ptrdiff_t>(from),
                                             p.outbox.begin() + static_cast<std::ptrdiff_t>(to)});
                for (const auto& r : result.results) {
                    BOOST_TEST(r.status == sync::change_status::applied);
                }
            }
            c.close();

            // The log holds seqs 1..n of this device, each exactly once.
            auto seqs = logged_seqs(server, p.device.id());
            std::sort(seqs.begin(), seqs.end());
            std::vector<std::uint64_t> expected(p.outbox.size());
            for (std::size_t i = 0; i < expected.size(); ++i) {
                expected[i] = i + 1;
            }
            BOOST_TEST((seqs == expected), "the log of " << p.outbox.size() << " changes has "
                                                         << seqs.size() << " entries or holes");
            for (const auto& ch : p.outbox) {
                all_records.insert(ch.record);
            }
            all_changes += p.outbox.size();
        }
    }
    BOOST_TEST(all_records.size() == all_changes);
    BOOST_TEST_MESSAGE(all_changes << " changes made, " << all_changes - acked
                                   << " of them unacknowledged at the kill");

    // A fresh device's full pull returns every record exactly once.
    test_device fresh(server.add_device("máy mới"));
    client::sync_client c;
    fresh.connect(c, server.port(), format);
    const auto records = pull_all(c);
    std::map<std::string, int> seen;
    for (const auto& r : records) {
        ++seen[r.record];
    }
    BOOST_TEST(records.size() == all_changes);
    BOOST_TEST(seen.size() == all_records.size());
    const bool each_once =
        std::all_of(seen.begin(), seen.end(), [](const auto& kv) { return kv.second == 1; });
    BOOST_TEST(each_once);
    const bool every_one = std::all_of(all_records.begin(), all_records.end(),
                                       [&](const std::string& id) { return seen.count(id) == 1; });
    BOOST_TEST(every_one);
    c.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
