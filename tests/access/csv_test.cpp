// parse_org_csv: RFC 4180 quoting, header, BOM, line endings, limits, and a line number
// and column named for every bad row.
#include <boost/test/unit_test.hpp>
#include <sotay/access/org_tree.hpp>
#include <string>

using namespace sotay::access;

namespace {

constexpr const char* header = "code,name,parent_code,level_name\n";

// "line: message" per error, for readable assertions.
std::string errors_of(const csv_result& r) {
    std::string out;
    for (const auto& e : r.errors) out += std::to_string(e.line) + ": " + e.message + "\n";
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(csv)

BOOST_AUTO_TEST_CASE(rows_carry_their_columns_and_line_numbers) {
    const auto r = parse_org_csv(std::string(header) +
                                 "LS,Lạng Sơn,,Tỉnh\n"
                                 "LS.TP,Thành phố Lạng Sơn,LS,Huyện\n");
    BOOST_TEST(r.errors.empty(), errors_of(r));
    BOOST_REQUIRE_EQUAL(r.rows.size(), 2u);
    BOOST_TEST(r.rows[0].line == 2u);
    BOOST_TEST((r.rows[0].unit == org_unit{"LS", "Lạng Sơn", "", "Tỉnh"}));
    BOOST_TEST(r.rows[1].line == 3u);
    BOOST_TEST((r.rows[1].unit == org_unit{"LS.TP", "Thành phố Lạng Sơn", "LS", "Huyện"}));
}

BOOST_AUTO_TEST_CASE(header_columns_may_come_in_any_order_and_any_case) {
    const auto r = parse_org_csv("Level_Name,NAME,Parent_Code,Code\nXã,Phường 1,LS.TP,LS.TP.P1\n");
    BOOST_TEST(r.errors.empty(), errors_of(r));
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST((r.rows[0].unit == org_unit{"LS.TP.P1", "Phường 1", "LS.TP", "Xã"}));
}

BOOST_AUTO_TEST_CASE(a_utf8_bom_is_skipped_and_crlf_lines_are_read) {
    const auto r = parse_org_csv(
        "\xEF\xBB\xBF"
        "code,name,parent_code,level_name\r\nLS,Lạng Sơn,,Tỉnh\r\nLS.TP,TP,LS,Huyện\r\n");
    BOOST_TEST(r.errors.empty(), errors_of(r));
    BOOST_REQUIRE_EQUAL(r.rows.size(), 2u);
    BOOST_TEST(r.rows[0].unit.code == "LS");      // not "\xEF\xBB\xBF" "code" mistaken
    BOOST_TEST(r.rows[1].unit.level == "Huyện");  // no trailing \r
    BOOST_TEST(r.rows[1].line == 3u);
}

BOOST_AUTO_TEST_CASE(quoted_fields_hold_commas_quotes_and_line_breaks) {
    const auto r = parse_org_csv(std::string(header) +
                                 "A,\"Tổ 1, khu \"\"Bắc\"\"\",,Tổ\n"
                                 "B,\"two\nlines\",A,Tổ\n"
                                 "C,after,A,Tổ\n");
    BOOST_TEST(r.errors.empty(), errors_of(r));
    BOOST_REQUIRE_EQUAL(r.rows.size(), 3u);
    BOOST_TEST(r.rows[0].unit.name == "Tổ 1, khu \"Bắc\"");
    BOOST_TEST(r.rows[1].unit.name == "two\nlines");
    BOOST_TEST(r.rows[1].line == 3u);
    // The quoted line break moved the next row to line 5 of the file.
    BOOST_TEST(r.rows[2].line == 5u);
}

BOOST_AUTO_TEST_CASE(spaces_around_fields_are_trimmed) {
    const auto r = parse_org_csv(std::string(header) + "  LS , Lạng Sơn ,  , \"Tỉnh\"  \n");
    BOOST_TEST(r.errors.empty(), errors_of(r));
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST((r.rows[0].unit == org_unit{"LS", "Lạng Sơn", "", "Tỉnh"}));
}

BOOST_AUTO_TEST_CASE(blank_lines_and_rows_of_empty_cells_are_skipped) {
    const auto r = parse_org_csv(std::string("\n") + header + "\nLS,Lạng Sơn,,Tỉnh\n,,,\n\n");
    BOOST_TEST(r.errors.empty(), errors_of(r));
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST(r.rows[0].line == 4u);
}

BOOST_AUTO_TEST_CASE(a_last_line_without_a_line_break_is_read) {
    const auto r = parse_org_csv(std::string(header) + "LS,Lạng Sơn,,Tỉnh");
    BOOST_TEST(r.errors.empty(), errors_of(r));
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST(r.rows[0].unit.level == "Tỉnh");
}

BOOST_AUTO_TEST_CASE(name_and_level_are_nfc_normalised) {
    // "Lạng" with a + combining dot below (U+0323): how some phones type it.
    const auto r = parse_org_csv(std::string(header) + "LS,La\xCC\xA3ng Sơn,,Ti\xCC\x89nh\n");
    BOOST_TEST(r.errors.empty(), errors_of(r));
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST(r.rows[0].unit.name == "Lạng Sơn");
    BOOST_TEST(r.rows[0].unit.level == "Tỉnh");
}

BOOST_AUTO_TEST_CASE(a_row_with_the_wrong_number_of_columns_is_reported_and_others_kept) {
    const auto r = parse_org_csv(std::string(header) +
                                 "LS,Lạng Sơn,,Tỉnh\n"
                                 "LS.TP,Thành phố, Lạng Sơn,LS,Huyện\n"
                                 "LS.CL,Chi Lăng,LS\n"
                                 "LS.VL,Văn Lãng,LS,Huyện\n");
    BOOST_REQUIRE_EQUAL(r.errors.size(), 2u);
    BOOST_TEST(r.errors[0].line == 3u);
    BOOST_TEST(r.errors[0].message.find("the row has 5 columns; the header has 4") == 0u,
               r.errors[0].message);
    BOOST_TEST(r.errors[0].message.find("double quotes") != std::string::npos);
    BOOST_TEST(r.errors[1].line == 4u);
    BOOST_REQUIRE_EQUAL(r.rows.size(), 2u);
    BOOST_TEST(r.rows[0].unit.code == "LS");
    BOOST_TEST(r.rows[1].unit.code == "LS.VL");
}

BOOST_AUTO_TEST_CASE(bad_utf8_is_reported_naming_the_column) {
    // "Lạng Sơn" in Windows-1258 is not UTF-8.
    const auto r = parse_org_csv(std::string(header) +
                                 "LS,L\xE1ng S\xF5n,,Tỉnh\n"
                                 "LS.TP,TP,LS,Huyện\n");
    BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
    BOOST_TEST(r.errors[0].line == 2u);
    BOOST_TEST(r.errors[0].code == "LS");
    BOOST_TEST(r.errors[0].message.find("name is not valid UTF-8") == 0u, r.errors[0].message);
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST(r.rows[0].unit.code == "LS.TP");
}

BOOST_AUTO_TEST_CASE(an_unclosed_quote_is_reported_at_the_line_it_opens) {
    const auto r = parse_org_csv(std::string(header) + "LS,Lạng Sơn,,Tỉnh\nLS.TP,\"TP,LS,Huyện\n");
    BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
    BOOST_TEST(r.errors[0].line == 3u);
    BOOST_TEST(r.errors[0].message.find("never closed") != std::string::npos);
    BOOST_TEST(r.rows.size() == 1u);
}

BOOST_AUTO_TEST_CASE(text_after_a_closing_quote_is_reported_and_reading_goes_on) {
    const auto r = parse_org_csv(std::string(header) +
                                 "LS,\"Lạng\" Sơn,,Tỉnh\n"
                                 "LS.TP,TP,LS,Huyện\n");
    BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
    BOOST_TEST(r.errors[0].line == 2u);
    BOOST_TEST(r.errors[0].message.find("closing double quote") != std::string::npos);
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST(r.rows[0].line == 3u);
}

BOOST_AUTO_TEST_CASE(an_empty_file_has_no_header) {
    for (const std::string text : {"", "\xEF\xBB\xBF", "\n\r\n"}) {
        const auto r = parse_org_csv(text);
        BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
        BOOST_TEST(r.errors[0].line == 0u);
        BOOST_TEST(r.errors[0].message.find("code,name,parent_code,level_name") !=
                   std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(a_wrong_header_names_each_problem_and_returns_no_rows) {
    const auto r = parse_org_csv("code,name,code,unit_type\nLS,Lạng Sơn,LS,Tỉnh\n");
    BOOST_TEST(r.rows.empty());
    const std::string all = errors_of(r);
    BOOST_TEST(all.find("column code appears twice") != std::string::npos, all);
    BOOST_TEST(all.find("column \"unit_type\" in the header is not one of") != std::string::npos,
               all);
    BOOST_TEST(all.find("no column parent_code, level_name;") != std::string::npos, all);
    BOOST_TEST(r.errors.size() == 3u, all);
    for (const auto& e : r.errors) BOOST_TEST(e.line == 1u);
}

BOOST_AUTO_TEST_CASE(a_file_starting_with_data_is_told_to_start_with_the_header) {
    const auto r = parse_org_csv("LS,Lạng Sơn,,Tỉnh\n");
    BOOST_TEST(r.rows.empty());
    BOOST_TEST(!r.errors.empty());
    BOOST_TEST(errors_of(r).find("level_name") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_semicolon_separated_file_is_told_to_use_commas) {
    const auto r = parse_org_csv("code;name;parent_code;level_name\nLS;Lạng Sơn;;Tỉnh\n");
    BOOST_TEST(r.rows.empty());
    BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
    BOOST_TEST(r.errors[0].line == 1u);
    BOOST_TEST(r.errors[0].message.find("separated by semicolons or tabs") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_file_over_16_mib_is_refused_whole) {
    std::string text = header;
    text.resize(16u * 1024 * 1024 + 1, '\n');
    const auto r = parse_org_csv(text);
    BOOST_TEST(r.rows.empty());
    BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
    BOOST_TEST(r.errors[0].line == 0u);
    BOOST_TEST(r.errors[0].message.find("16 MiB") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(more_than_200000_rows_are_refused_and_200000_accepted) {
    std::string text = header;
    for (int i = 0; i < 200'000; ++i) text += "c" + std::to_string(i) + ",n,,l\n";
    const auto at_limit = parse_org_csv(text);
    BOOST_TEST(at_limit.errors.empty());
    BOOST_TEST(at_limit.rows.size() == 200'000u);

    text += "one-more,n,,l\n";
    const auto over = parse_org_csv(text);
    BOOST_TEST(over.rows.empty());
    BOOST_REQUIRE_EQUAL(over.errors.size(), 1u);
    BOOST_TEST(over.errors[0].line == 0u);
    BOOST_TEST(over.errors[0].message.find("200001 rows") != std::string::npos,
               over.errors[0].message);
}

BOOST_AUTO_TEST_SUITE_END()
