// HLC rules, the clock rule (clock_rule.hpp C1-C5), admission (admission.hpp A1-A3), ids.
#include <sotay/sync/admission.hpp>
#include <sotay/sync/clock_rule.hpp>
#include <sotay/sync/hlc.hpp>
#include <sotay/sync/ids.hpp>

#include <boost/test/unit_test.hpp>

using namespace sotay::sync;

namespace {
constexpr std::uint64_t now = 1'795'000'000'000ULL;        // Nov 2026
constexpr std::int64_t four_years = 4LL * 365 * 86'400'000;
constexpr std::int64_t eleven_years = 11LL * 365 * 86'400'000;
}  // namespace

BOOST_AUTO_TEST_SUITE(clocks)

BOOST_AUTO_TEST_CASE(hlc_text_form_parses_and_refuses_junk) {
    BOOST_TEST((parse_hlc("1700000000000:3") == hlc{1700000000000ULL, 3}));
    BOOST_TEST(format_hlc({1700000000000ULL, 3}) == "1700000000000:3");
    for (const char* bad : {"", ":", "1:", ":1", "-1:0", "+1:0", "1:2:3", "a:0", "1 :0",
                            "99999999999999999999:0", "1:65536", "281474976710656:0"})
        BOOST_TEST(!parse_hlc(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(tick_follows_physical_time_and_counts_when_it_stands_still) {
    hlc_clock c;
    BOOST_TEST((*c.tick(100) == hlc{100, 0}));
    BOOST_TEST((*c.tick(100) == hlc{100, 1}));
    BOOST_TEST((*c.tick(90) == hlc{100, 2}));  // the wall clock went back: still monotonic
    BOOST_TEST((*c.tick(200) == hlc{200, 0}));
}

BOOST_AUTO_TEST_CASE(receive_takes_the_greatest_time_and_orders_after_both) {
    hlc_clock c(hlc{100, 5});
    BOOST_TEST((*c.receive(hlc{100, 9}, 50) == hlc{100, 10}));
    BOOST_TEST((*c.receive(hlc{300, 2}, 50) == hlc{300, 3}));
    BOOST_TEST((*c.receive(hlc{10, 0}, 400) == hlc{400, 0}));
}

BOOST_AUTO_TEST_CASE(the_counter_is_bounded_and_refuses_to_overflow) {
    hlc_clock c(hlc{100, hlc_clock::max_counter});
    BOOST_TEST(!c.tick(100).has_value());
    BOOST_TEST((c.last() == hlc{100, hlc_clock::max_counter}));
    BOOST_TEST(!c.receive(hlc{100, hlc_clock::max_counter}, 0).has_value());
}

BOOST_AUTO_TEST_CASE(a_sane_clock_is_trusted_as_is) {  // C2
    const hlc h{now - 1000, 4};
    BOOST_TEST((effective_clock(h, 2000, now, {}) == h));
    BOOST_TEST((effective_clock(h, -2000, now, {}) == h));
}

BOOST_AUTO_TEST_CASE(a_phone_set_to_2030_is_read_on_the_server_clock) {  // C3
    // The edit was made 10 s ago in real time; the phone thought it was 2030.
    const hlc device{now + four_years - 10'000, 0};
    const hlc eff = effective_clock(device, -four_years, now, {});
    BOOST_TEST(eff.wall_ms == now - 10'000);
    // So an edit made 1 s ago on a correct phone beats it.
    BOOST_TEST((eff < hlc{now - 1000, 0}));
}

BOOST_AUTO_TEST_CASE(a_phone_set_to_2015_is_read_on_the_server_clock) {  // C3
    const hlc device{now - eleven_years - 5000, 0};
    const hlc eff = effective_clock(device, eleven_years, now, {});
    BOOST_TEST(eff.wall_ms == now - 5000);
    // So it beats an edit made a minute earlier in real time instead of always losing.
    BOOST_TEST((eff > hlc{now - 60'000, 0}));
}

BOOST_AUTO_TEST_CASE(nothing_comes_from_the_future) {  // C4
    // The offset looked sane at hello, but the clock jumped afterwards.
    const hlc eff = effective_clock(hlc{now + four_years, 0}, 0, now, {});
    BOOST_TEST(eff.wall_ms == now);
}

BOOST_AUTO_TEST_CASE(a_device_effective_clocks_strictly_increase) {  // C5
    const hlc prev{now, 7};
    BOOST_TEST((effective_clock(hlc{now - 5000, 0}, 0, now, prev) == hlc{now, 8}));
    BOOST_TEST((effective_clock(hlc{now, 7}, 0, now, prev) == hlc{now, 8}));
    BOOST_TEST((effective_clock(hlc{now, hlc_clock::max_counter}, 0, now,
                                hlc{now, hlc_clock::max_counter}) == hlc{now + 1, 0}));
}

BOOST_AUTO_TEST_CASE(admission_tells_resends_from_new_changes) {  // A1
    const std::uint64_t seqs[] = {40, 41, 42, 43};
    auto plan = admit(41, seqs);
    BOOST_REQUIRE(std::holds_alternative<admission_plan>(plan));
    BOOST_TEST(std::get<admission_plan>(plan).first_new == 2u);
    const std::uint64_t all_old[] = {1, 2};
    BOOST_TEST(std::get<admission_plan>(admit(5, all_old)).first_new == 2u);
}

BOOST_AUTO_TEST_CASE(admission_refuses_a_gap_naming_the_expected_seq) {  // A2
    const std::uint64_t seqs[] = {44, 45};
    auto plan = admit(41, seqs);
    BOOST_REQUIRE(std::holds_alternative<admission_refusal>(plan));
    const auto& no = std::get<admission_refusal>(plan);
    BOOST_TEST(no.gap);
    BOOST_TEST(no.expected == 42u);
    BOOST_TEST(no.message.find("42") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(admission_refuses_seqs_that_are_not_consecutive) {  // A3
    const std::uint64_t seqs[] = {42, 44};
    auto plan = admit(41, seqs);
    BOOST_REQUIRE(std::holds_alternative<admission_refusal>(plan));
    BOOST_TEST(!std::get<admission_refusal>(plan).gap);
    const std::uint64_t zero[] = {0};
    BOOST_TEST(std::holds_alternative<admission_refusal>(admit(0, zero)));
}

BOOST_AUTO_TEST_CASE(uuids_parse_lowercase_only_and_v7_is_time_ordered) {
    BOOST_TEST(is_uuid("0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b"));
    BOOST_TEST(!is_uuid("0190F5A2-7C41-7D3E-8A5B-1C2D3E4F5A6B"));
    BOOST_TEST(!is_uuid("0190f5a27c417d3e8a5b1c2d3e4f5a6b"));
    BOOST_TEST(!is_uuid("0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6"));
    const std::array<std::uint8_t, 10> r{9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    const auto a = format_uuid(make_uuid_v7(1000, r));
    const auto b = format_uuid(make_uuid_v7(1001, r));
    BOOST_TEST(a < b);
    BOOST_TEST(a[14] == '7');  // version nibble
    BOOST_TEST((parse_uuid(a).has_value() && format_uuid(*parse_uuid(a)) == a));
}

BOOST_AUTO_TEST_SUITE_END()
