// Tokens, hashes, enrollment codes and passwords.
#include <boost/test/unit_test.hpp>
#include <set>
#include <sotay/access/secrets.hpp>
#include <string>

using namespace sotay::access;

namespace {

struct crypto_ready {
    crypto_ready() { init_crypto(); }
};

std::string hex(const std::string& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 0xF];
    }
    return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(secrets, crypto_ready)

BOOST_AUTO_TEST_CASE(init_crypto_may_be_called_again) {
    init_crypto();
    init_crypto();
}

BOOST_AUTO_TEST_CASE(tokens_are_64_lowercase_hex_characters_and_unique) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string t = random_token();
        BOOST_TEST_REQUIRE(t.size() == 64u);
        BOOST_TEST_REQUIRE(t.find_first_not_of("0123456789abcdef") == std::string::npos, t);
        seen.insert(t);
    }
    BOOST_TEST(seen.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(token_hash_is_blake2b_256) {
    // RFC 7693 BLAKE2b with a 32-byte digest, no key (Python: hashlib.blake2b(digest_size=32)).
    BOOST_TEST(hex(token_hash("")) ==
               "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    BOOST_TEST(hex(token_hash("abc")) ==
               "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    const std::string t = random_token();
    BOOST_TEST(token_hash(t).size() == 32u);
    BOOST_TEST(token_hash(t) == token_hash(t));
    BOOST_TEST(token_hash(t) != token_hash(random_token()));
}

BOOST_AUTO_TEST_CASE(enrollment_codes_are_two_groups_of_five_crockford_symbols) {
    const std::string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    std::set<std::string> seen;
    std::set<char> symbols;
    for (int i = 0; i < 1000; ++i) {
        const std::string c = random_enrollment_code();
        BOOST_TEST_REQUIRE(c.size() == 11u);
        BOOST_TEST_REQUIRE(c[5] == '-');
        const std::string bare = c.substr(0, 5) + c.substr(6);
        BOOST_TEST_REQUIRE(bare.find_first_not_of(alphabet) == std::string::npos, c);
        BOOST_TEST_REQUIRE((normalize_enrollment_code(c) == bare));
        symbols.insert(bare.begin(), bare.end());
        seen.insert(c);
    }
    BOOST_TEST(seen.size() == 1000u);
    // 10,000 draws from 32 symbols: every symbol shows up (missing one: p < 1e-130).
    BOOST_TEST(symbols.size() == 32u);
}

BOOST_AUTO_TEST_CASE(typed_codes_are_normalised_as_crockford_reads_them) {
    BOOST_TEST((normalize_enrollment_code("ABCDE-FGHJK") == std::string("ABCDEFGHJK")));
    BOOST_TEST((normalize_enrollment_code("abcde-fghjk") == std::string("ABCDEFGHJK")));
    BOOST_TEST((normalize_enrollment_code(" ab cd e-fg-hj k ") == std::string("ABCDEFGHJK")));
    BOOST_TEST((normalize_enrollment_code("ABCDEFGHJK") == std::string("ABCDEFGHJK")));
    // O is read as zero, I and L as one, in either case.
    BOOST_TEST((normalize_enrollment_code("OoOoO-IiLlI") == std::string("0000011111")));
    BOOST_TEST((normalize_enrollment_code("xyz12-34mnp") == std::string("XYZ1234MNP")));
}

BOOST_AUTO_TEST_CASE(codes_of_the_wrong_length_or_symbols_are_refused) {
    BOOST_TEST(!normalize_enrollment_code(""));
    BOOST_TEST(!normalize_enrollment_code("-----"));
    BOOST_TEST(!normalize_enrollment_code("ABCDE-FGHJ"));    // 9 symbols
    BOOST_TEST(!normalize_enrollment_code("ABCDE-FGHJKM"));  // 11
    BOOST_TEST(!normalize_enrollment_code("ABCDE-FGHJU"));   // U is not in the alphabet
    BOOST_TEST(!normalize_enrollment_code("ABCDE_FGHJK"));   // only dashes and spaces drop
    BOOST_TEST(!normalize_enrollment_code("ABCDE\tFGHJK"));
    BOOST_TEST(!normalize_enrollment_code("ÀBCDE-FGHJK"));
    BOOST_TEST(!normalize_enrollment_code(std::string(1000, 'A')));
    BOOST_TEST(!normalize_enrollment_code(std::string(100, ' ') + "ABCDEFGHJK"));
}

BOOST_AUTO_TEST_CASE(a_password_hash_is_argon2id_and_verifies_only_the_right_password) {
    const std::string pw = "mật khẩu đủ dài";
    const std::string h = hash_password(pw);
    BOOST_TEST(h.starts_with("$argon2id$"), h);
    BOOST_TEST(verify_password(h, pw));
    BOOST_TEST(!verify_password(h, "mật khẩu đủ dàI"));
    BOOST_TEST(!verify_password(h, ""));
    // A random salt: the same password hashes differently each time, both verify.
    const std::string h2 = hash_password(pw);
    BOOST_TEST(h2 != h);
    BOOST_TEST(verify_password(h2, pw));
}

BOOST_AUTO_TEST_CASE(a_stored_hash_that_is_not_one_verifies_nothing) {
    BOOST_TEST(!verify_password("", "anything at all"));
    BOOST_TEST(!verify_password("not a hash", "not a hash"));
    BOOST_TEST(!verify_password(std::string(1000, '$'), "x"));
}

BOOST_AUTO_TEST_CASE(password_policy_is_10_to_256_bytes_of_utf8) {
    BOOST_TEST(password_problem("123456789").has_value());  // 9 bytes
    BOOST_TEST(password_problem("123456789")->find("too short") != std::string::npos);
    BOOST_TEST(!password_problem("1234567890"));
    BOOST_TEST(!password_problem("mật khẩu"));  // 8 letters, 12 bytes
    BOOST_TEST(!password_problem(std::string(256, 'x')));
    BOOST_TEST(password_problem(std::string(257, 'x'))->find("too long") != std::string::npos);
    BOOST_TEST(password_problem("1234567890\xFF")->find("UTF-8") != std::string::npos);
    BOOST_TEST(password_problem("").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
