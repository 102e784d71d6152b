// The pull cursor codec (server/src/cursor.hpp): its three layouts, their canonical
// spelling, and the refusal of anything the server did not issue.
#include "cursor.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace sotay::server;

namespace {

pull_cursor normal(std::uint64_t after, std::uint64_t tree, std::string root) {
    return {pull_cursor::layout::normal, after, tree, std::move(root), {}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cursor)

BOOST_AUTO_TEST_CASE(a_normal_cursor_names_position_tree_and_root_in_hex) {
    // "LS.TP" in hex: the dots of org codes never meet the cursor's own.
    BOOST_TEST(format_cursor(normal(42, 3, "LS.TP")) == "c2.42.3.4c532e5450");
    const auto back = parse_cursor("c2.42.3.4c532e5450");
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST((*back == normal(42, 3, "LS.TP")));
}

BOOST_AUTO_TEST_CASE(an_evicting_cursor_carries_the_last_evicted_record_or_a_dash) {
    pull_cursor c{pull_cursor::layout::evicting, 7, 2, "X1", {}};
    BOOST_TEST(format_cursor(c) == "c2x.7.2.5831.-");
    c.last_evicted = "0190b0c4-3c1e-7a51-8f00-0123456789ab";
    const std::string text = format_cursor(c);
    BOOST_TEST(text == "c2x.7.2.5831.0190b0c4-3c1e-7a51-8f00-0123456789ab");
    const auto back = parse_cursor(text);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST((*back == c));
    const auto none = parse_cursor("c2x.7.2.5831.-");
    BOOST_TEST_REQUIRE(none.has_value());
    BOOST_TEST(none->last_evicted.empty());
}

BOOST_AUTO_TEST_CASE(a_legacy_cursor_is_read_as_a_position_without_a_scope) {
    const auto c = parse_cursor("c1.1234");
    BOOST_TEST_REQUIRE(c.has_value());
    BOOST_TEST((c->kind == pull_cursor::layout::legacy));
    BOOST_TEST(c->after == 1234u);
    BOOST_TEST(c->root.empty());
    // Issue 2's parser took leading zeros; a device may still hold such a cursor.
    BOOST_TEST(parse_cursor("c1.007").value().after == 7u);
}

BOOST_AUTO_TEST_CASE(the_extremes_of_each_number_round_trip) {
    const auto max = std::numeric_limits<std::uint64_t>::max();
    for (const auto& c : {normal(0, 0, ""), normal(max, max, "a"), normal(1, max, "LS.TP.P1")}) {
        const std::string text = format_cursor(c);
        const auto back = parse_cursor(text);
        BOOST_TEST_REQUIRE(back.has_value(), text);
        BOOST_TEST((*back == c), text);
        BOOST_TEST(format_cursor(*back) == text);
    }
}

BOOST_AUTO_TEST_CASE(every_malformed_cursor_is_refused) {
    const std::vector<std::string> bad = {
        "",
        "c2",
        "c2.",
        "c2.1",
        "c2.1.2",      // no root field at all
        "c3.1.2.41",   // unknown layout
        "C2.1.2.41",   // prefixes are lower case
        "c2.-1.2.41",  // sign
        "c2.+1.2.41",
        "c2.01.2.41",  // leading zero: not canonical
        "c2.1.02.41",
        "c2.18446744073709551616.1.41",     // 2^64
        "c2.1.2.4",                         // odd number of hex digits
        "c2.1.2.4G",                        // not hex
        "c2.1.2.4C",                        // upper-case hex is not what the server writes
        "c2.1.2." + std::string(130, 'a'),  // a root longer than any org code
        "c2x.1.2.41",                       // evicting without the record field
        "c2x.1.2.41.",                      // empty record field
        "c2x.1.2.41.a b",                   // a space in the record id
        "c2x.1.2.41." + std::string(129, 'a'),
        "c1.",
        "c1.x",
        "c1.1.2",
        "c1.-5",
    };
    for (const auto& text : bad) {
        BOOST_TEST(!parse_cursor(text).has_value(), "accepted: " << text);
    }
}

BOOST_AUTO_TEST_CASE(a_sealed_cursor_opens_only_with_its_key_and_device) {
    const std::string key(32, 'k');
    const std::string text = format_cursor(normal(42, 3, "LS.TP"));
    const std::string sealed = seal_cursor(text, key, "device-a");
    BOOST_TEST(sealed.starts_with(text + "."));
    BOOST_TEST(open_cursor(sealed, key, "device-a").value_or("") == text);
    BOOST_TEST(!open_cursor(sealed, key, "device-b").has_value());
    BOOST_TEST(!open_cursor(sealed, std::string(32, 'x'), "device-a").has_value());
    BOOST_TEST(!open_cursor(text, key, "device-a").has_value());  // unsealed
    // Any one character changed, in the text or the MAC, is refused.
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        std::string bad = sealed;
        bad[i] = bad[i] == '0' ? '1' : '0';
        BOOST_TEST(!open_cursor(bad, key, "device-a").has_value(), "accepted: " << bad);
    }
    // Legacy cursors name no scope and pass as they are.
    BOOST_TEST(open_cursor("c1.17", key, "device-a").value_or("") == "c1.17");
}

BOOST_AUTO_TEST_SUITE_END()
