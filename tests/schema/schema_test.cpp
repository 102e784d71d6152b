// The schema loader, the validator (each rule with a passing and a failing case), NFC and
// the evolution check.
#include <algorithm>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <sotay/schema/schema.hpp>
#include <string>

using namespace sotay;
using schema::validate;

namespace {

const schema::schema& default_schema() {
    static const schema::schema s =
        schema::load_schema_file(std::string(SOTAY_SOURCE_DIR) + "/schema/default.json");
    return s;
}

// A valid new petition; tests change one thing at a time.
sync::field_map petition() {
    return {{"received_on", std::string("2024-03-05")},
            {"kind", std::string("complaint")},
            {"status", std::string("received")},
            {"summary", std::string("Đường liên thôn bị sạt lở")}};
}

std::vector<schema::violation> check(const std::string& type, const sync::field_map& set,
                                     bool is_create = true, const std::string& org = "LS.TP.P1") {
    return validate(default_schema(), {type, org, &set, false}, is_create);
}

// The codes found, for readable assertions.
std::string codes(const std::vector<schema::violation>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ",") + x.field + ":" + x.code;
    return out;
}

std::string load_error_of(const std::string& text) {
    try {
        schema::parse_schema(text, "test.json");
    } catch (const schema::load_error& e) {
        return e.what();
    }
    return "";
}

// A one-type schema around one field definition.
std::string one_field(const std::string& field_json) {
    return R"({"version":1,"types":{"petition":{"label":{"vi":"Đơn","en":"Petition"},)"
           R"("fields":{"kind":)" +
           field_json + "}}}}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(loader)

BOOST_AUTO_TEST_CASE(default_schema_has_the_nine_domain_types_with_their_fields) {
    const auto& s = default_schema();
    BOOST_TEST(s.version == 1);
    const std::map<std::string, std::vector<std::string>> want = {
        {"member", {"full_name", "id_number", "joined_on", "status"}},
        {"commitment", {"member", "year", "content", "status", "assessment"}},
        {"study_session", {"held_on", "topic", "attendance", "has_study_content"}},
        {"pressing_issue", {"description", "identified_on", "owner", "status", "resolved_on"}},
        {"model_work", {"name", "registered_on", "status", "value_vnd", "completed_on"}},
        {"citizen_contact",
         {"held_on", "kind", "leader", "people_count", "issues_raised", "issues_resolved"}},
        {"petition",
         {"received_on", "kind", "within_authority", "status", "resolved_on", "petitioner_id",
          "summary"}},
        {"inspection", {"kind", "target_kind", "target_name", "held_on", "result", "disciplined"}},
        {"exemplar", {"honoree_kind", "name", "field", "achievement", "honoured_on", "award"}}};
    BOOST_TEST(s.types.size() == want.size());
    for (const auto& [type, fields] : want) {
        const auto* t = s.find(type);
        BOOST_TEST_REQUIRE(t != nullptr, type);
        BOOST_TEST(t->fields.size() == fields.size(), type);
        for (const auto& f : fields) BOOST_TEST(t->fields.count(f) == 1u, type << "." << f);
        BOOST_TEST(!t->name.vi.empty());
        BOOST_TEST(!t->natural_key.empty(), type);
    }
    const auto& p = *s.find("petition");
    BOOST_TEST((p.natural_key == std::vector<std::string>{"petitioner_id", "received_on", "kind"}));
    BOOST_TEST(p.fields.at("kind").values.at("complaint").vi == "khiếu nại");
    BOOST_TEST(s.find("commitment")->fields.at("member").to == "member");
}

BOOST_AUTO_TEST_CASE(enum_without_values_is_refused_naming_file_type_and_field) {
    BOOST_TEST(
        load_error_of(one_field(R"({"type":"enum","label":{"vi":"a","en":"b"},"values":{}})")) ==
        "test.json: type petition, field kind: enum needs at least one value");
}

BOOST_AUTO_TEST_CASE(a_well_formed_one_field_schema_loads) {
    BOOST_TEST(
        load_error_of(one_field(
            R"({"type":"enum","label":{"vi":"a","en":"b"},"values":{"x":{"vi":"x","en":"x"}}})")) ==
        "");
}

BOOST_AUTO_TEST_CASE(broken_definitions_are_refused_with_the_reason) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"type":"colour","label":{"vi":"a","en":"b"}})", "unknown field type \"colour\""},
        {R"({"type":"string","label":{"vi":"a"}})", "label needs a non-empty \"en\" text"},
        {R"({"type":"string","label":{"vi":"a","en":"b"},"requred":true})",
         "unknown key \"requred\""},
        {R"({"type":"integer","label":{"vi":"a","en":"b"},"min":5,"max":1})", "min is above max"},
        {R"({"type":"date","label":{"vi":"a","en":"b"},"min":"2023-02-30"})", "must be a date"},
        {R"({"type":"string","label":{"vi":"a","en":"b"},"pattern":"[0-9"})",
         "pattern does not compile"},
        {R"({"type":"ref","label":{"vi":"a","en":"b"}})", "ref needs \"to\""},
        {R"({"type":"ref","label":{"vi":"a","en":"b"},"to":"ghost"})",
         "ref to unknown type \"ghost\""},
        {R"({"type":"boolean","label":{"vi":"a","en":"b"},"max_length":3})",
         "max_length applies only"},
    };
    for (const auto& [field, reason] : cases) {
        const std::string e = load_error_of(one_field(field));
        BOOST_TEST(e.find("test.json: type petition, field kind: ") == 0u, e);
        BOOST_TEST(e.find(reason) != std::string::npos, e << " / wanted: " << reason);
    }
}

BOOST_AUTO_TEST_CASE(broken_documents_are_refused) {
    BOOST_TEST(load_error_of("{").find("test.json: not valid JSON") == 0u);
    BOOST_TEST(load_error_of(R"({"types":{}})") == "test.json: needs a \"version\"");
    BOOST_TEST(load_error_of(R"({"version":1,"types":{}})") ==
               "test.json: needs at least one type");
    BOOST_TEST(load_error_of(R"({"version":1,"types":{"Bad Type":{}}})").find("type Bad Type") !=
               std::string::npos);
    const auto nk = load_error_of(
        R"({"version":1,"types":{"x":{"label":{"vi":"a","en":"b"},"natural_key":["nope"],"fields":{}}}})");
    BOOST_TEST(nk == "test.json: type x: natural_key names \"nope\", which is not a field");
}

BOOST_AUTO_TEST_CASE(a_schema_too_large_for_devices_is_refused) {
    std::string many;
    for (int i = 0; i < 2000; ++i) {
        many += (i == 0 ? "" : ",") + std::string("\"v") + std::to_string(i) +
                "\":{\"vi\":\"giá trị dài dài\",\"en\":\"a long value\"}";
    }
    const auto e = load_error_of(
        one_field(R"({"type":"enum","label":{"vi":"a","en":"b"},"values":{)" + many + "}}"));
    BOOST_TEST(e.find("test.json: is ") == 0u, e);
    BOOST_TEST(e.find("bytes devices accept") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_named) {
    BOOST_CHECK_EXCEPTION(
        schema::load_schema_file("/nonexistent/s.json"), schema::load_error,
        [](const auto& e) { return std::string(e.what()).find("/nonexistent/s.json") == 0; });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(validator)

BOOST_AUTO_TEST_CASE(a_complete_petition_is_valid) {
    BOOST_TEST(codes(check("petition", petition())) == "");
}

BOOST_AUTO_TEST_CASE(unknown_type_is_refused) {
    const auto v = check("spaceship", {});
    BOOST_TEST(codes(v) == "type:unknown_type");
    BOOST_TEST(v[0].message_en.find("spaceship") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_field_is_refused) {
    auto p = petition();
    p["colour"] = std::string("red");
    BOOST_TEST(codes(check("petition", p)) == "colour:unknown_field");
}

BOOST_AUTO_TEST_CASE(missing_required_field_on_create_is_refused_with_both_languages) {
    auto p = petition();
    p.erase("received_on");
    const auto v = check("petition", p);
    BOOST_TEST(codes(v) == "received_on:required");
    BOOST_TEST(schema::wire_message(v[0]) ==
               "Thiếu ngày nhận đơn (received_on) / received_on is required when a petition is "
               "created");
}

BOOST_AUTO_TEST_CASE(an_edit_need_not_repeat_required_fields_but_cannot_clear_them) {
    BOOST_TEST(codes(check("petition", {{"status", std::string("resolved")}}, false)) == "");
    BOOST_TEST(codes(check("petition", {{"summary", std::monostate{}}}, false)) == "");
    BOOST_TEST(codes(check("petition", {{"status", std::monostate{}}}, false)) ==
               "status:required");
}

BOOST_AUTO_TEST_CASE(wrong_json_type_is_refused) {
    auto p = petition();
    p["within_authority"] = std::string("yes");
    BOOST_TEST(codes(check("petition", p)) == "within_authority:wrong_type");
    p["within_authority"] = true;
    BOOST_TEST(codes(check("petition", p)) == "");
    BOOST_TEST(codes(check("study_session", {{"held_on", std::string("2024-01-01")},
                                             {"attendance", 12.5}})) == "attendance:wrong_type");
}

BOOST_AUTO_TEST_CASE(bad_enum_value_is_refused) {
    auto p = petition();
    p["status"] = std::string("lost");
    const auto v = check("petition", p);
    BOOST_TEST(codes(v) == "status:bad_enum");
    BOOST_TEST(v[0].message_en.find("processing") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(year_out_of_range_is_refused) {
    sync::field_map c{{"member", std::string("0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b")},
                      {"year", std::int64_t{2024}},
                      {"status", std::string("registered")}};
    BOOST_TEST(codes(check("commitment", c)) == "");
    c["year"] = std::int64_t{3021};
    BOOST_TEST(codes(check("commitment", c)) == "year:out_of_range");
    c["year"] = std::int64_t{1929};
    BOOST_TEST(codes(check("commitment", c)) == "year:out_of_range");
}

BOOST_AUTO_TEST_CASE(negative_counts_and_money_are_refused) {
    sync::field_map s{{"held_on", std::string("2024-01-01")}, {"attendance", std::int64_t{0}}};
    BOOST_TEST(codes(check("study_session", s)) == "");
    s["attendance"] = std::int64_t{-1};
    BOOST_TEST(codes(check("study_session", s)) == "attendance:out_of_range");
    BOOST_TEST(codes(check("model_work", {{"value_vnd", std::int64_t{-5}}}, false)) ==
               "value_vnd:out_of_range");
}

BOOST_AUTO_TEST_CASE(bad_and_out_of_range_dates_are_refused) {
    auto p = petition();
    for (const char* good : {"2024-02-29", "1930-01-01", "2100-12-31"}) {
        p["received_on"] = std::string(good);
        BOOST_TEST(codes(check("petition", p)) == "", good);
    }
    for (const char* bad :
         {"2023-02-29", "2024-13-01", "2024-04-31", "24-01-01", "2024/01/01", ""}) {
        p["received_on"] = std::string(bad);
        BOOST_TEST(codes(check("petition", p)) == "received_on:bad_date", bad);
    }
    p["received_on"] = std::string("1929-12-31");
    BOOST_TEST(codes(check("petition", p)) == "received_on:out_of_range");
    p["received_on"] = std::string("3021-01-01");
    BOOST_TEST(codes(check("petition", p)) == "received_on:out_of_range");
}

BOOST_AUTO_TEST_CASE(max_length_counts_code_points_not_bytes) {
    auto p = petition();
    p["petitioner_id"] = std::string(64, 'x');
    BOOST_TEST(codes(check("petition", p)) == "");
    p["petitioner_id"] = std::string(65, 'x');
    BOOST_TEST(codes(check("petition", p)) == "petitioner_id:too_long");
    std::string viet;  // 64 two-byte letters: 128 bytes, 64 code points
    for (int i = 0; i < 64; ++i) viet += "ư";
    p["petitioner_id"] = viet;
    BOOST_TEST(codes(check("petition", p)) == "");
}

BOOST_AUTO_TEST_CASE(pattern_must_match_the_whole_value) {
    sync::field_map m{{"full_name", std::string("Nguyễn Văn A")},
                      {"id_number", std::string("001203004567")},
                      {"joined_on", std::string("2001-05-19")},
                      {"status", std::string("active")}};
    BOOST_TEST(codes(check("member", m)) == "");
    m["id_number"] = std::string("00120300456x");
    BOOST_TEST(codes(check("member", m)) == "id_number:pattern");
    m["id_number"] = std::string("1234567890");  // ten digits: neither 9 nor 12
    BOOST_TEST(codes(check("member", m)) == "id_number:pattern");
}

BOOST_AUTO_TEST_CASE(reference_must_be_a_lowercase_uuid_but_need_not_exist) {
    sync::field_map c{{"member", std::string("0190F5A2-7C41-7D3E-8A5B-1C2D3E4F5A6B")},
                      {"year", std::int64_t{2024}},
                      {"status", std::string("registered")}};
    BOOST_TEST(codes(check("commitment", c)) == "member:bad_reference");
    c["member"] = std::string("member-1");
    BOOST_TEST(codes(check("commitment", c)) == "member:bad_reference");
    c["member"] = std::string("0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b");  // no such member: fine
    BOOST_TEST(codes(check("commitment", c)) == "");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_text_is_refused) {
    auto p = petition();
    p["summary"] = std::string("ab\xC3");  // truncated sequence
    BOOST_TEST(codes(check("petition", p)) == "summary:bad_utf8");
    p["summary"] = std::string("\xED\xA0\x80");  // a surrogate
    BOOST_TEST(codes(check("petition", p)) == "summary:bad_utf8");
    p["summary"] = std::string("\xC0\xAF");  // overlong '/'
    BOOST_TEST(codes(check("petition", p)) == "summary:bad_utf8");
}

BOOST_AUTO_TEST_CASE(bad_org_unit_is_refused) {
    BOOST_TEST(codes(check("petition", petition(), true, "")) == "org_unit:bad_org_unit");
    BOOST_TEST(codes(check("petition", petition(), true, "LS TP")) == "org_unit:bad_org_unit");
}

BOOST_AUTO_TEST_CASE(a_delete_checks_only_the_type) {
    const sync::field_map none;
    BOOST_TEST(validate(default_schema(), {"petition", "LS.TP.P1", &none, true}, false).empty());
    BOOST_TEST(codes(validate(default_schema(), {"ghost", "LS.TP.P1", &none, true}, false)) ==
               "type:unknown_type");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(text)

BOOST_AUTO_TEST_CASE(nfd_nguyen_normalises_to_the_nfc_bytes) {
    const std::string nfc = "Nguy\xE1\xBB\x85n";       // "Nguyễn", precomposed ễ
    const std::string nfd = "Nguye\xCC\x82\xCC\x83n";  // e + circumflex + tilde
    BOOST_TEST(nfc != nfd);
    BOOST_TEST(schema::to_nfc(nfd) == nfc);
    BOOST_TEST(schema::to_nfc(nfc) == nfc);
    sync::field_map f{{"summary", nfd}, {"n", std::int64_t{1}}};
    schema::normalize(f);
    BOOST_TEST(std::get<std::string>(f["summary"]) == nfc);
}

BOOST_AUTO_TEST_CASE(utf8_checker_accepts_valid_and_refuses_invalid_text) {
    BOOST_TEST(schema::is_valid_utf8("Đơn thư 📄"));
    BOOST_TEST(!schema::is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    BOOST_TEST(!schema::is_valid_utf8("\x80"));
    BOOST_TEST(schema::code_points("Đơn") == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(evolution)

namespace {

// The default schema's document, to change and load again.
boost::json::object document() {
    return boost::json::parse(default_schema().text).as_object();
}

boost::json::object& field(boost::json::object& doc, const char* type, const char* name) {
    return doc["types"].as_object()[type].as_object()["fields"].as_object()[name].as_object();
}

schema::schema load(const boost::json::object& doc) {
    return schema::parse_schema(boost::json::serialize(doc), "v2");
}

}  // namespace

BOOST_AUTO_TEST_CASE(adding_a_type_a_field_or_an_enum_value_is_compatible) {
    auto doc = document();
    doc["version"] = 2;
    doc["types"].as_object()["petition"].as_object()["fields"].as_object()["channel"] =
        boost::json::parse(R"({"type":"string","label":{"vi":"kênh","en":"channel"}})");
    field(doc, "petition", "status")["values"].as_object()["forwarded"] =
        boost::json::parse(R"({"vi":"đã chuyển","en":"forwarded"})");
    doc["types"].as_object()["meeting"] =
        boost::json::parse(R"({"label":{"vi":"họp","en":"meeting"},"fields":{}})");
    field(doc, "commitment", "year")["max"] = 2200;  // loosening is compatible too
    const auto v2 = load(doc);
    BOOST_TEST(v2.find("petition")->fields.count("channel") == 1u);
    BOOST_TEST(schema::incompatible_changes(default_schema(), v2).empty());
}

BOOST_AUTO_TEST_CASE(removals_type_changes_and_tighter_bounds_are_incompatible) {
    auto doc = document();
    field(doc, "commitment", "year")["max"] = 2030;
    field(doc, "petition", "status")["values"].as_object().erase("resolved");
    field(doc, "study_session", "has_study_content")["type"] = "string";
    field(doc, "petition", "summary")["required"] = true;
    field(doc, "member", "full_name")["max_length"] = 20;
    doc["types"].as_object()["pressing_issue"].as_object()["fields"].as_object().erase("owner");
    const auto found = schema::incompatible_changes(default_schema(), load(doc));
    const auto has = [&](const std::string& s) {
        return std::any_of(found.begin(), found.end(),
                           [&](const std::string& f) { return f == s; });
    };
    BOOST_TEST(has("type commitment, field year: max was lowered"));
    BOOST_TEST(has("type petition, field status: enum value resolved was removed"));
    BOOST_TEST(
        has("type study_session, field has_study_content: type changed from boolean to "
            "string"));
    BOOST_TEST(has("type petition, field summary: became required"));
    BOOST_TEST(has("type member, field full_name: max_length was lowered"));
    BOOST_TEST(has("type pressing_issue, field owner: removed"));
    BOOST_TEST(found.size() == 6u);
    schema::schema fewer = default_schema();
    fewer.types.erase("exemplar");
    BOOST_TEST(schema::incompatible_changes(default_schema(), fewer) ==
               std::vector<std::string>{"type exemplar was removed"});
}

BOOST_AUTO_TEST_SUITE_END()
