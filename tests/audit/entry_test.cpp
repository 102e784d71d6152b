// The canonical body of a history entry (entry.hpp): one spelling, read back strictly.
#include <sotay/audit/entry.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <limits>

using namespace sotay::audit;
namespace json = boost::json;

namespace {

history_entry sample() {
    history_entry e;
    e.seq = 42;
    e.at_ms = 1718000000000;
    e.kind = "change";
    e.username = "tp.officer";
    e.device_id = "aaaaaaaa-0000-7000-8000-000000000000";
    e.record = "0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b";
    e.type = "petition";
    e.org_unit = "LS.TP.P1";
    e.detail["status"] = "applied";
    e.detail["seq"] = 7;
    e.detail["fields"] =
        json::array{json::object{{"name", "status"}, {"before", nullptr}, {"after", "Đã nhận"}}};
    return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(entry_body_format)

BOOST_AUTO_TEST_CASE(the_body_has_the_documented_members_in_order_and_sorted_detail) {
    BOOST_TEST(entry_body(sample()) ==
               R"({"seq":42,"at_ms":1718000000000,"kind":"change","username":"tp.officer",)"
               R"("device_id":"aaaaaaaa-0000-7000-8000-000000000000",)"
               R"("record":"0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b","type":"petition",)"
               R"("org_unit":"LS.TP.P1","detail":{"fields":[{"after":"Đã nhận","before":null,)"
               R"("name":"status"}],"seq":7,"status":"applied"}})");
}

BOOST_AUTO_TEST_CASE(the_same_entry_built_in_another_order_gives_the_same_bytes) {
    history_entry a = sample();
    history_entry b = sample();
    b.detail = json::object{};
    b.detail["fields"] =
        json::array{json::object{{"after", "Đã nhận"}, {"name", "status"}, {"before", nullptr}}};
    b.detail["status"] = "applied";
    b.detail["seq"] = 7;
    BOOST_TEST((a == b));                        // JSON objects compare regardless of order...
    BOOST_TEST(entry_body(a) == entry_body(b));  // ...and so do their bodies
}

BOOST_AUTO_TEST_CASE(empty_members_are_still_written) {
    history_entry e;
    e.seq = 1;
    e.kind = "login";
    BOOST_TEST(entry_body(e) ==
               R"({"seq":1,"at_ms":0,"kind":"login","username":"",)"
               R"("device_id":"","record":"","type":"","org_unit":"","detail":{}})");
}

BOOST_AUTO_TEST_CASE(a_body_reads_back_as_the_entry_it_was_made_from) {
    const history_entry e = sample();
    const auto back = parse_entry(entry_body(e));
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST((*back == e));
    BOOST_TEST(back->org_unit == "LS.TP.P1");
    BOOST_TEST(back->seq == 42u);
    BOOST_TEST(entry_body(*back) == entry_body(e));
}

BOOST_AUTO_TEST_CASE(text_that_is_not_utf8_becomes_the_replacement_character) {
    history_entry e = sample();
    e.username = "bad\xFF";
    e.detail["value"] = "\xC3";           // a lead byte without its continuation
    e.detail["overlong\xC0\xAF"] = true;  // an overlong '/', in a member name
    e.detail["surrogate"] = "\xED\xA0\x80";
    const std::string body = entry_body(e);
    BOOST_TEST(body.find("\"username\":\"bad\xEF\xBF\xBD\"") != std::string::npos);
    BOOST_TEST(body.find("\"value\":\"\xEF\xBF\xBD\"") != std::string::npos);
    BOOST_TEST(body.find("\"overlong\xEF\xBF\xBD\xEF\xBF\xBD\":true") != std::string::npos);
    BOOST_TEST(body.find("\"surrogate\":\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"") !=
               std::string::npos);
    // Still a body: valid JSON in its one spelling.
    BOOST_TEST(parse_entry(body).has_value());
}

BOOST_AUTO_TEST_CASE(numbers_json_cannot_hold_become_null_and_others_keep_their_kind) {
    history_entry e = sample();
    e.detail = json::object{};
    e.detail["inf"] = std::numeric_limits<double>::infinity();
    e.detail["nan"] = std::numeric_limits<double>::quiet_NaN();
    e.detail["half"] = 0.5;
    e.detail["two"] = 2.0;
    e.detail["big"] = std::numeric_limits<std::uint64_t>::max();
    e.detail["neg"] = -3;
    const std::string body = entry_body(e);
    BOOST_TEST(body.find(R"("detail":{"big":18446744073709551615,"half":5E-1,"inf":null,)"
                         R"("nan":null,"neg":-3,"two":2E0})") != std::string::npos,
               body);
    BOOST_TEST(parse_entry(body).has_value());
}

BOOST_AUTO_TEST_CASE(parse_refuses_every_other_spelling_of_the_same_entry) {
    const std::string body = entry_body(sample());
    auto refused = [](const std::string& text) {
        const auto r = parse_entry(text);
        if (r.has_value()) return false;
        BOOST_TEST((r.error().code == sotay::sync::errc::bad_message));
        BOOST_TEST(!r.error().message.empty());
        return true;
    };
    BOOST_TEST(refused(body + "\n"));
    BOOST_TEST(refused(" " + body));
    std::string spaced = body;
    spaced.replace(spaced.find(R"("kind":)"), 7, R"("kind": )");
    BOOST_TEST(refused(spaced));
    // Members out of order: at_ms before seq.
    BOOST_TEST(refused(R"({"at_ms":0,"seq":1,"kind":"","username":"","device_id":"",)"
                       R"("record":"","type":"","org_unit":"","detail":{}})"));
    // Detail unsorted.
    BOOST_TEST(refused(R"({"seq":1,"at_ms":0,"kind":"","username":"","device_id":"",)"
                       R"("record":"","type":"","org_unit":"","detail":{"b":1,"a":2}})"));
    // A number spelled otherwise.
    BOOST_TEST(refused(R"({"seq":1,"at_ms":0,"kind":"","username":"","device_id":"",)"
                       R"("record":"","type":"","org_unit":"","detail":{"a":1.0}})"));
    // An escape that was not needed.
    BOOST_TEST(refused(R"({"seq":1,"at_ms":0,"kind":"\u0061","username":"","device_id":"",)"
                       R"("record":"","type":"","org_unit":"","detail":{}})"));
}

BOOST_AUTO_TEST_CASE(parse_refuses_missing_extra_and_mistyped_members) {
    auto refused = [](std::string_view text) { return !parse_entry(text).has_value(); };
    BOOST_TEST(refused(""));
    BOOST_TEST(refused("[]"));
    BOOST_TEST(refused("{"));
    BOOST_TEST(refused(R"({"seq":1,"at_ms":0,"kind":"","username":"","device_id":"",)"
                       R"("record":"","type":"","org_unit":""})"));
    BOOST_TEST(refused(R"({"seq":1,"at_ms":0,"kind":"","username":"","device_id":"",)"
                       R"("record":"","type":"","org_unit":"","detail":{},"x":1})"));
    BOOST_TEST(refused(R"({"seq":-1,"at_ms":0,"kind":"","username":"","device_id":"",)"
                       R"("record":"","type":"","org_unit":"","detail":{}})"));
    BOOST_TEST(refused(R"({"seq":1,"at_ms":"0","kind":"","username":"","device_id":"",)"
                       R"("record":"","type":"","org_unit":"","detail":{}})"));
    BOOST_TEST(refused(R"({"seq":1,"at_ms":0,"kind":3,"username":"","device_id":"",)"
                       R"("record":"","type":"","org_unit":"","detail":{}})"));
    BOOST_TEST(refused(R"({"seq":1,"at_ms":0,"kind":"","username":"","device_id":"",)"
                       R"("record":"","type":"","org_unit":"","detail":[]})"));
    // Not UTF-8 inside a string: not JSON at all.
    BOOST_TEST(
        refused("{\"seq\":1,\"at_ms\":0,\"kind\":\"\xFF\",\"username\":\"\","
                "\"device_id\":\"\",\"record\":\"\",\"type\":\"\",\"org_unit\":\"\","
                "\"detail\":{}}"));
}

BOOST_AUTO_TEST_CASE(entry_seq_reads_the_leading_number_only) {
    BOOST_TEST((entry_seq(entry_body(sample())) == std::optional<std::uint64_t>(42)));
    BOOST_TEST((entry_seq(R"({"seq":0,)") == std::optional<std::uint64_t>(0)));
    BOOST_TEST((entry_seq(R"({"seq":18446744073709551615,"x")") ==
                std::optional<std::uint64_t>(std::numeric_limits<std::uint64_t>::max())));
    BOOST_TEST(!entry_seq(R"({"seq":18446744073709551616,)").has_value());
    BOOST_TEST(!entry_seq(R"({"seq":042,)").has_value());
    BOOST_TEST(!entry_seq(R"({"seq":42})").has_value());
    BOOST_TEST(!entry_seq(R"({"seq":42)").has_value());
    BOOST_TEST(!entry_seq(R"({"seq":,)").has_value());
    BOOST_TEST(!entry_seq(R"({ "seq":42,)").has_value());
    BOOST_TEST(!entry_seq("").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
