// The chain's link format (chain.hpp), against hashes computed outside this code.
#include <sotay/audit/chain.hpp>

#include <boost/test/unit_test.hpp>

#include <cctype>

using namespace sotay::audit;

BOOST_AUTO_TEST_SUITE(link_format)

BOOST_AUTO_TEST_CASE(the_first_link_matches_sha256sum_over_the_documented_bytes) {
    // { printf 'sotay.audit.v1\n'; printf '\x00%.0s' $(seq 32);
    //   printf '\x00\x00\x00\x00\x00\x00\x00\x01'; printf '\x00\x00\x00\x00\x00\x00\x00\x09';
    //   printf '{"seq":1}'; } | sha256sum
    BOOST_TEST(hex(link(genesis, 1, R"({"seq":1})")) ==
               "32a50645ff3d6333ac401e26c86e8510d795fda600a6de88ea0d091c75c64677");
}

BOOST_AUTO_TEST_CASE(a_later_link_matches_the_recipe_in_the_header) {
    // The recipe of chain.hpp, with PREV the hash above, SEQ=72623859790382856
    // (0x0102030405060708: every byte of the number distinct, so byte order shows) and
    // body.json holding the 10 bytes `héllo "x"` (printf 'héllo "x"' > body.json):
    //   { printf 'sotay.audit.v1\n'; printf %s "$PREV" | xxd -r -p;
    //     printf %016x "$SEQ" | xxd -r -p; printf %016x "$(stat -c %s body.json)" | xxd -r -p;
    //     cat body.json; } | sha256sum
    // and the same from Python's hashlib.
    const auto prev = from_hex("32a50645ff3d6333ac401e26c86e8510d795fda600a6de88ea0d091c75c64677");
    BOOST_REQUIRE(prev.has_value());
    BOOST_TEST(hex(link(*prev, 0x0102030405060708ULL, "h\xC3\xA9llo \"x\"")) ==
               "7accd16978848f598330839716ecb72c81d2e73c621e333636a604faa078dbfa");
}

BOOST_AUTO_TEST_CASE(every_input_of_a_link_changes_it) {
    const digest base = link(genesis, 7, "body");
    digest other_prev = genesis;
    other_prev[31] = 1;
    BOOST_TEST(hex(link(other_prev, 7, "body")) != hex(base));
    BOOST_TEST(hex(link(genesis, 8, "body")) != hex(base));
    BOOST_TEST(hex(link(genesis, 7, "bodY")) != hex(base));
    BOOST_TEST(hex(link(genesis, 7, "body ")) != hex(base));
    BOOST_TEST(hex(link(genesis, 7, "body")) == hex(base));
}

BOOST_AUTO_TEST_CASE(genesis_is_32_zero_bytes) {
    BOOST_TEST(hex(genesis) == std::string(64, '0'));
}

BOOST_AUTO_TEST_CASE(hex_round_trips_and_from_hex_accepts_either_case) {
    const digest d = link(genesis, 1, "x");
    const std::string h = hex(d);
    BOOST_TEST(h.size() == 64u);
    BOOST_TEST(h.find_first_not_of("0123456789abcdef") == std::string::npos);
    BOOST_TEST((from_hex(h) == d));
    std::string upper = h;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    BOOST_TEST((from_hex(upper) == d));
}

BOOST_AUTO_TEST_CASE(from_hex_refuses_anything_but_64_hex_characters) {
    const std::string h = hex(link(genesis, 1, "x"));
    BOOST_TEST(!from_hex(h.substr(0, 63)).has_value());
    BOOST_TEST(!from_hex(h + "0").has_value());
    BOOST_TEST(!from_hex("").has_value());
    BOOST_TEST(!from_hex(std::string(63, '0') + "g").has_value());
    BOOST_TEST(!from_hex(" " + h.substr(1)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
