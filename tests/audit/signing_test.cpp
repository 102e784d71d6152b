// Signed heads (signing.hpp): the signed bytes, round trips, forgeries, and the key file.
#include <sotay/audit/signing.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace sotay::audit;
namespace fs = std::filesystem;

namespace {

// RFC 8032 section 7.1, TEST 1: the secret key (seed) and its public key.
constexpr std::string_view rfc_seed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view rfc_public =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

seed seed_of(std::string_view text) {
    const auto d = from_hex(text);
    BOOST_REQUIRE(d.has_value());
    return *d;
}

digest some_hash() {
    return link(genesis, 1, R"({"seq":1})");
}

std::string hex_bytes(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        out += digits[static_cast<unsigned char>(c) >> 4];
        out += digits[static_cast<unsigned char>(c) & 0xF];
    }
    return out;
}

// A fresh directory for key files, removed afterwards.
struct key_dir {
    fs::path dir;
    key_dir() {
        std::string templ = (fs::temp_directory_path() / "sotay-audit-key-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(templ.data()) != nullptr);
        dir = templ;
    }
    ~key_dir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const fs::path& p, std::string_view text, mode_t mode) {
    std::ofstream(p, std::ios::binary) << text;
    BOOST_REQUIRE(::chmod(p.c_str(), mode) == 0);
}

// The message of the key_file_error load_or_create throws, or "" when it does not.
std::string load_error(const fs::path& p) {
    try {
        signing_key::load_or_create(p);
    } catch (const key_file_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(signed_heads)

BOOST_AUTO_TEST_CASE(the_signed_message_is_the_documented_68_bytes) {
    const std::string m = head_message(0x0102030405060708ULL, some_hash(), -2);
    BOOST_TEST(m.size() == 68u);
    BOOST_TEST(hex_bytes(m) == hex_bytes("sotay.audit.head.v1\n") + "0102030405060708" +
                                   hex(some_hash()) + "fffffffffffffffe");
}

BOOST_AUTO_TEST_CASE(a_key_from_a_seed_is_ed25519_as_rfc_8032_defines_it) {
    const signing_key key(seed_of(rfc_seed));
    BOOST_TEST(hex(key.public_part()) == rfc_public);
    // The signature of a head, computed outside this code with Python's `cryptography`:
    //   k = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(rfc_seed))
    //   k.sign(b"sotay.audit.head.v1\n" + (42).to_bytes(8, "big") +
    //          bytes.fromhex("32a50645…c64677") + (1718000000000).to_bytes(8, "big")).hex()
    const signed_head h = key.sign(42, some_hash(), 1718000000000);
    BOOST_TEST(hex(some_hash()) ==
               "32a50645ff3d6333ac401e26c86e8510d795fda600a6de88ea0d091c75c64677");
    BOOST_TEST(
        hex_bytes(std::string_view(reinterpret_cast<const char*>(h.sig.data()), h.sig.size())) ==
        "53a53864cbaba347b1b9d59ab63f8d44045e659c124f7fab22c3d91115b7388c"
        "c7ce011746d5ae5ed83f289d8593a714c9ddef8cd60793f940be8a8bdfbd350e");
}

BOOST_AUTO_TEST_CASE(a_signed_head_checks_and_carries_what_was_signed) {
    const signing_key key(seed_of(rfc_seed));
    const signed_head h = key.sign(42, some_hash(), 1718000000000);
    BOOST_TEST(h.seq == 42u);
    BOOST_TEST(hex(h.hash) == hex(some_hash()));
    BOOST_TEST(h.at_ms == 1718000000000);
    BOOST_TEST(hex(h.key) == rfc_public);
    BOOST_TEST(check(h));
    BOOST_TEST(check(h, key.public_part()));
}

BOOST_AUTO_TEST_CASE(a_head_signed_by_another_key_is_not_the_servers) {
    const signing_key server(seed_of(rfc_seed));
    seed other_seed = seed_of(rfc_seed);
    other_seed[0] ^= 1;
    const signing_key other(other_seed);
    const signed_head forged = other.sign(42, some_hash(), 1718000000000);
    BOOST_TEST(check(forged));                         // valid under its own key...
    BOOST_TEST(!check(forged, server.public_part()));  // ...which is not the server's
    // Claiming the server's key over another key's signature fails outright.
    signed_head claimed = forged;
    claimed.key = server.public_part();
    BOOST_TEST(!check(claimed));
}

BOOST_AUTO_TEST_CASE(any_altered_field_breaks_the_signature) {
    const signing_key key(seed_of(rfc_seed));
    const signed_head h = key.sign(42, some_hash(), 1718000000000);
    signed_head a = h;
    a.seq = 43;
    BOOST_TEST(!check(a));
    a = h;
    a.hash[7] ^= 0x10;
    BOOST_TEST(!check(a));
    a = h;
    a.at_ms += 1;
    BOOST_TEST(!check(a));
    a = h;
    a.sig[63] ^= 0x01;
    BOOST_TEST(!check(a));
    a = h;
    a.key[0] ^= 0x01;
    BOOST_TEST(!check(a));
}

BOOST_AUTO_TEST_CASE(check_against_compares_the_history_s_hash_at_the_head) {
    const signing_key key(seed_of(rfc_seed));
    const signed_head h = key.sign(42, some_hash(), 1718000000000);
    BOOST_TEST((check_against(h, some_hash()) == head_verdict::matches));
    digest other = some_hash();
    other[0] ^= 1;
    BOOST_TEST((check_against(h, other) == head_verdict::differs));
    signed_head altered = h;
    altered.hash = other;  // a head edited to fit a rewritten history
    BOOST_TEST((check_against(altered, other) == head_verdict::bad_signature));
}

BOOST_AUTO_TEST_CASE(the_exported_form_round_trips) {
    const signing_key key(seed_of(rfc_seed));
    const signed_head h = key.sign(42, some_hash(), 1718000000000);
    const std::string text = boost::json::serialize(to_json(h));
    BOOST_TEST(text.find(R"({"format":"sotay.audit.head.v1","seq":42,"hash":"32a50645)") == 0u,
               text);
    BOOST_TEST(text.find(R"("public_key":"d75a9801)") != std::string::npos);
    const auto back = head_from_json(text);
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST((*back == h));
    BOOST_TEST(check(*back));
}

BOOST_AUTO_TEST_CASE(a_malformed_export_is_refused_naming_the_member) {
    const signing_key key(seed_of(rfc_seed));
    const boost::json::object good = to_json(key.sign(42, some_hash(), 1718000000000));
    auto field_of = [](const boost::json::object& o) -> std::string {
        const auto r = head_from_json(boost::json::serialize(o));
        if (r.has_value()) return "(accepted)";
        BOOST_TEST((r.error().code == sotay::sync::errc::bad_message));
        return r.error().field.value_or("");
    };
    boost::json::object o = good;
    o["format"] = "sotay.audit.head.v2";
    BOOST_TEST(field_of(o) == "format");
    o = good;
    o["seq"] = -1;
    BOOST_TEST(field_of(o) == "seq");
    o = good;
    o.erase("at_ms");
    BOOST_TEST(field_of(o) == "at_ms");
    o = good;
    o["hash"] = std::string(o["hash"].as_string()).substr(2);
    BOOST_TEST(field_of(o) == "hash");
    o = good;
    o["public_key"] = std::string(64, 'z');
    BOOST_TEST(field_of(o) == "public_key");
    o = good;
    o["signature"] = 5;
    BOOST_TEST(field_of(o) == "signature");
    o = good;
    o["comment"] = "kept by the inspection committee";
    BOOST_TEST(field_of(o) == "(accepted)");

    BOOST_TEST(!head_from_json("[]").has_value());
    BOOST_TEST(!head_from_json("not json").has_value());
    BOOST_TEST(!head_from_json(std::string(5000, ' ')).has_value());
}

BOOST_AUTO_TEST_CASE(a_missing_key_file_is_created_private_and_read_back_as_the_same_key) {
    key_dir d;
    const fs::path file = d.dir / "audit.key";
    const signing_key created = signing_key::load_or_create(file);
    struct stat st;
    BOOST_REQUIRE(::stat(file.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    const std::string text = read_all(file);
    BOOST_TEST(text.size() == 65u);
    BOOST_TEST(text.back() == '\n');
    BOOST_TEST(text.find_first_not_of("0123456789abcdef") == 64u);
    const signing_key again = signing_key::load_or_create(file);
    BOOST_TEST(hex(again.public_part()) == hex(created.public_part()));
    BOOST_TEST(hex(signing_key(seed_of(text.substr(0, 64))).public_part()) ==
               hex(created.public_part()));
    // A second file is a second key.
    BOOST_TEST(hex(signing_key::load_or_create(d.dir / "other.key").public_part()) !=
               hex(created.public_part()));
}

BOOST_AUTO_TEST_CASE(a_key_file_others_may_read_or_change_is_refused) {
    key_dir d;
    const fs::path file = d.dir / "audit.key";
    for (const mode_t mode : {0640, 0604, 0620, 0602, 0660, 0644}) {
        write_file(file, std::string(rfc_seed) + "\n", mode);
        const std::string why = load_error(file);
        BOOST_TEST(why.find("other users may read or change it") != std::string::npos, why);
        BOOST_TEST(why.find("chmod 600") != std::string::npos, why);
    }
    BOOST_REQUIRE(::chmod(file.c_str(), 0600) == 0);
    BOOST_TEST(hex(signing_key::load_or_create(file).public_part()) == rfc_public);
    BOOST_REQUIRE(::chmod(file.c_str(), 0400) == 0);  // read-only for its owner is fine
    BOOST_TEST(hex(signing_key::load_or_create(file).public_part()) == rfc_public);
}

BOOST_AUTO_TEST_CASE(a_key_file_that_is_not_a_key_is_refused) {
    key_dir d;
    const fs::path file = d.dir / "audit.key";
    for (const std::string& text : {std::string(""), std::string(rfc_seed).substr(0, 63) + "\n",
                                    std::string(rfc_seed) + "00\n", std::string(63, '0') + "g\n",
                                    std::string(rfc_seed) + "\n\n", std::string(10000, 'a')}) {
        write_file(file, text, 0600);
        const std::string why = load_error(file);
        BOOST_TEST(why.find("is not an audit key") != std::string::npos, why);
    }
    // An editor's CRLF, or no newline at all, is still the key.
    write_file(file, std::string(rfc_seed) + "\r\n", 0600);
    BOOST_TEST(hex(signing_key::load_or_create(file).public_part()) == rfc_public);
    write_file(file, rfc_seed, 0600);
    BOOST_TEST(hex(signing_key::load_or_create(file).public_part()) == rfc_public);
    // A directory in its place.
    fs::create_directory(d.dir / "dir.key");
    BOOST_REQUIRE(::chmod((d.dir / "dir.key").c_str(), 0700) == 0);
    BOOST_TEST(!load_error(d.dir / "dir.key").empty());
    // A directory that does not exist: the error names the file.
    const std::string why = load_error(d.dir / "missing" / "audit.key");
    BOOST_TEST(why.find("audit.key") != std::string::npos, why);
}

BOOST_AUTO_TEST_SUITE_END()
