// Natural keys (schema.hpp natural_key, key_text): the same real thing typed on two
// phones, in different Unicode forms, cases and spacing, gets the same key; anything
// that differs in substance does not.
#include <sotay/schema/schema.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

using namespace sotay;

namespace {

const schema::schema& real_schema() {
    static const schema::schema s =
        schema::load_schema_file(std::string(SOTAY_SOURCE_DIR) + "/schema/default.json");
    return s;
}

const schema::type_def& type(std::string_view id) {
    const auto* t = real_schema().find(id);
    BOOST_TEST_REQUIRE(t != nullptr);
    return *t;
}

// The key, or "<none>": Boost.Test prints strings, not optionals.
std::string shown(const std::optional<std::string>& k) {
    return k.value_or("<none>");
}

std::string petition_key(std::string petitioner, std::string kind = "complaint",
                         std::string org = "LS.TP.P1") {
    return shown(schema::natural_key(type("petition"), org,
                               {{"petitioner_id", std::move(petitioner)},
                                {"received_on", std::string("2022-03-04")},
                                {"kind", std::move(kind)},
                                {"summary", std::string("ignored: not in the key")}}));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(natural_keys)

BOOST_AUTO_TEST_CASE(nfc_nfd_case_and_surrounding_spaces_give_one_key) {
    // "Nguyễn" precomposed (NFC) and decomposed (NFD: e + combining circumflex + tilde).
    const std::string nfc = "Nguy\xE1\xBB\x85n V\xC4\x83n A";
    const std::string nfd = "Nguye\xCC\x82\xCC\x83n Va\xCC\x86n A";
    BOOST_TEST_REQUIRE(nfc != nfd);
    BOOST_TEST(schema::key_text(nfc) == schema::key_text(nfd));
    BOOST_TEST(schema::key_text("  NGUY\xE1\xBB\x84N V\xC4\x82N A\t") == schema::key_text(nfc));
    BOOST_TEST(petition_key(nfc) == petition_key("  " + nfd + " "));
    BOOST_TEST(petition_key(nfc) != "<none>");
}

BOOST_AUTO_TEST_CASE(different_values_give_different_keys) {
    BOOST_TEST(petition_key("Nguyễn Văn A") != petition_key("Nguyễn Văn B"));
    // Diacritics are substance in Vietnamese: "Văn" and "Vân" are different names.
    BOOST_TEST(petition_key("Nguyễn Văn A") != petition_key("Nguyễn Vân A"));
    BOOST_TEST(petition_key("x", "complaint") != petition_key("x", "denunciation"));
    // Inner spaces are kept: only the surrounding ones go.
    BOOST_TEST(schema::key_text("a  b") != schema::key_text("a b"));
}

BOOST_AUTO_TEST_CASE(the_org_unit_counts_only_where_the_key_names_it) {
    // A petition's key has no org unit: the same petition entered by two communes is one.
    BOOST_TEST(petition_key("x", "complaint", "LS.TP.P1") == petition_key("x", "complaint", "LS.TP.P2"));
    // A cell meeting's key is (org unit, date).
    const sync::field_map meeting{{"held_on", std::string("2022-02-03")},
                                  {"topic", std::string("Học tập và làm theo Bác")}};
    const auto a = schema::natural_key(type("study_session"), "LS.TP.P1.C1", meeting);
    const auto b = schema::natural_key(type("study_session"), "LS.TP.P1.C2", meeting);
    BOOST_TEST_REQUIRE(a.has_value());
    BOOST_TEST(shown(a) != shown(b));
    BOOST_TEST(shown(a) == shown(schema::natural_key(type("study_session"), "LS.TP.P1.C1", meeting)));
}

BOOST_AUTO_TEST_CASE(an_incomplete_key_is_no_key) {
    BOOST_TEST(petition_key("") == "<none>");
    BOOST_TEST(petition_key("   ") == "<none>");
    BOOST_TEST(!schema::natural_key(type("petition"), "LS.TP.P1",
                                    {{"petitioner_id", std::string("x")},
                                     {"kind", std::string("complaint")}})
                    .has_value());
    BOOST_TEST(!schema::natural_key(type("petition"), "LS.TP.P1",
                                    {{"petitioner_id", std::string("x")},
                                     {"received_on", sync::value{}},
                                     {"kind", std::string("complaint")}})
                    .has_value());
}

BOOST_AUTO_TEST_CASE(keys_of_different_types_never_meet_and_numbers_keep_their_value) {
    const sync::field_map c{{"member", std::string("0190b0c4-3c1e-7a51-8f00-0123456789ab")},
                            {"year", std::int64_t{2022}}};
    const auto k2022 = schema::natural_key(type("commitment"), "LS", c);
    BOOST_TEST_REQUIRE(k2022.has_value());
    BOOST_TEST(k2022->starts_with("[\"commitment\""));
    sync::field_map c2023 = c;
    c2023["year"] = std::int64_t{2023};
    BOOST_TEST(*k2022 != shown(schema::natural_key(type("commitment"), "LS", c2023)));
    // Every type of the real schema has a key.
    for (const auto& [id, t] : real_schema().types) {
        BOOST_TEST_CONTEXT("type " << id) { BOOST_TEST(!t.natural_key.empty()); }
    }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_returned_as_it_is) {
    const std::string bad = "\xC3\x28";
    BOOST_TEST(schema::key_text(bad) == bad);
}

BOOST_AUTO_TEST_SUITE_END()
