// rate_limiter with explicit time points: no sleeping, no timing assumptions.
#include <boost/test/unit_test.hpp>
#include <sotay/access/rate_limit.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace sotay::access;
using namespace std::chrono_literals;
using tp = rate_limiter::clock::time_point;

namespace {

const tp t0 = tp{} + 1000h;

}  // namespace

BOOST_AUTO_TEST_SUITE(rate_limit)

BOOST_AUTO_TEST_CASE(a_key_is_blocked_at_the_fifth_failure_in_the_window) {
    rate_limiter lim(5, 15min);
    for (int i = 0; i < 4; ++i) {
        lim.record_failure("login:an", t0 + std::chrono::seconds(i));
        BOOST_TEST(lim.retry_after("login:an", t0 + 10s).count() == 0);
    }
    lim.record_failure("login:an", t0 + 4s);
    // Blocked until the first failure, at t0, leaves the window at t0 + 900 s.
    BOOST_TEST(lim.retry_after("login:an", t0 + 10s).count() == 890);
    BOOST_TEST(lim.retry_after("login:an", t0 + 899s).count() == 1);
    BOOST_TEST(lim.retry_after("login:an", t0 + 900s).count() == 0);
}

BOOST_AUTO_TEST_CASE(old_failures_leave_the_window) {
    rate_limiter lim(3, 60s);
    lim.record_failure("k", t0);
    lim.record_failure("k", t0 + 30s);
    lim.record_failure("k", t0 + 70s);  // the first has expired: two in the window
    BOOST_TEST(lim.retry_after("k", t0 + 70s).count() == 0);
    lim.record_failure("k", t0 + 80s);
    // Three in the window; the one at t0 + 30 s must expire first.
    BOOST_TEST(lim.retry_after("k", t0 + 80s).count() == 10);
}

BOOST_AUTO_TEST_CASE(the_wait_is_rounded_up_to_a_whole_second) {
    rate_limiter lim(1, 10s);
    lim.record_failure("k", t0);
    BOOST_TEST(lim.retry_after("k", t0 + 9500ms).count() == 1);
    BOOST_TEST(lim.retry_after("k", t0 + 8200ms).count() == 2);
}

BOOST_AUTO_TEST_CASE(keys_are_independent) {
    rate_limiter lim(2, 60s);
    lim.record_failure("login:an", t0);
    lim.record_failure("login:an", t0);
    lim.record_failure("ip:10.0.0.1", t0);
    BOOST_TEST(lim.retry_after("login:an", t0).count() > 0);
    BOOST_TEST(lim.retry_after("ip:10.0.0.1", t0).count() == 0);
    BOOST_TEST(lim.retry_after("login:binh", t0).count() == 0);
}

BOOST_AUTO_TEST_CASE(reset_forgets_a_keys_failures) {
    rate_limiter lim(2, 60s);
    lim.record_failure("login:an", t0);
    lim.record_failure("login:an", t0);
    lim.reset("login:an");
    BOOST_TEST(lim.retry_after("login:an", t0).count() == 0);
    lim.record_failure("login:an", t0);
    BOOST_TEST(lim.retry_after("login:an", t0).count() == 0);  // one, not three
}

BOOST_AUTO_TEST_CASE(keys_whose_failures_expired_are_dropped) {
    rate_limiter lim(5, 60s);
    // One failure each for 5,000 usernames: an attacker trying names.
    for (int i = 0; i < 5000; ++i) lim.record_failure("login:u" + std::to_string(i), t0);
    BOOST_TEST(lim.tracked_keys() == 5000u);
    // Later calls sweep the expired keys away (every 1024 calls at most).
    for (int i = 0; i < 1024; ++i) lim.retry_after("login:someone", t0 + 120s);
    BOOST_TEST(lim.tracked_keys() == 0u);
    // A key asked about after its failures expired is dropped at once.
    lim.record_failure("k", t0 + 120s);
    BOOST_TEST(lim.tracked_keys() == 1u);
    BOOST_TEST(lim.retry_after("k", t0 + 180s).count() == 0);
    BOOST_TEST(lim.tracked_keys() == 0u);
}

BOOST_AUTO_TEST_CASE(failures_from_many_threads_are_all_counted) {
    rate_limiter lim(1000, 60s);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 249; ++i) lim.record_failure("k", t0);
        });
    }
    for (auto& th : threads) th.join();
    BOOST_TEST(lim.retry_after("k", t0).count() == 0);  // 996 of 1000
    for (int i = 0; i < 4; ++i) lim.record_failure("k", t0);
    BOOST_TEST(lim.retry_after("k", t0).count() == 60);
}

BOOST_AUTO_TEST_CASE(a_limit_of_zero_failures_or_no_window_is_refused) {
    BOOST_CHECK_THROW(rate_limiter(0, 60s), std::invalid_argument);
    BOOST_CHECK_THROW(rate_limiter(5, 0s), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
