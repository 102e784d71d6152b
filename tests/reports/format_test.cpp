// Formatting: the figures as the domain text and the provincial reviews write them.
#include <boost/test/unit_test.hpp>
#include <sotay/reports/format.hpp>

using namespace sotay::reports;

BOOST_AUTO_TEST_SUITE(formatting)

BOOST_AUTO_TEST_CASE(counts_group_thousands_with_dots) {
    BOOST_TEST(format_count(4662, style::vietnamese) == "4.662");
    BOOST_TEST(format_count(4209, style::vietnamese) == "4.209");
    BOOST_TEST(format_count(158, style::vietnamese) == "158");
    BOOST_TEST(format_count(0, style::vietnamese) == "0");
    BOOST_TEST(format_count(1'000'000, style::vietnamese) == "1.000.000");
    BOOST_TEST(format_count(-1000, style::vietnamese) == "-1.000");
    BOOST_TEST(format_count(INT64_MIN, style::vietnamese) == "-9.223.372.036.854.775.808");
    BOOST_TEST(format_count(4662, style::plain) == "4662");
}

BOOST_AUTO_TEST_CASE(percents_round_half_away_from_zero_at_one_decimal) {
    BOOST_TEST(*format_percent(149, 158, style::vietnamese) == "94,3%");  // 94,30...
    BOOST_TEST(*format_percent(149, 158, style::plain) == "94.3");
    BOOST_TEST(*format_percent(197, 200, style::vietnamese) == "98,5%");  // exactly 98,5
    BOOST_TEST(*format_percent(1, 3, style::vietnamese) == "33,3%");
    BOOST_TEST(*format_percent(2, 3, style::vietnamese) == "66,7%");
    BOOST_TEST(*format_percent(377, 400, style::vietnamese) == "94,3%");  // 94,25 -> up
    BOOST_TEST(*format_percent(-377, 400, style::plain) == "-94.3");      // away from zero
    BOOST_TEST(*format_percent(22, 25, style::vietnamese) == "88%");      // ",0" dropped
    BOOST_TEST(*format_percent(22, 25, style::plain) == "88.0");
    BOOST_TEST(*format_percent(0, 5, style::vietnamese) == "0%");
    BOOST_TEST(*format_percent(5, 5, style::vietnamese) == "100%");
    BOOST_TEST(!format_percent(1, 0, style::vietnamese).has_value());
}

BOOST_AUTO_TEST_CASE(money_in_trieu_and_ty_or_exact) {
    BOOST_TEST(format_money(719'690'000, style::vietnamese) == "719,69 triệu đồng");
    BOOST_TEST(format_money(6'000'000'000, style::vietnamese) == "6 tỷ đồng");
    BOOST_TEST(format_money(6'000'000'000, style::vietnamese, true) == "6.000.000.000 đồng");
    BOOST_TEST(format_money(6'000'000'000, style::plain) == "6000000000");
    BOOST_TEST(format_money(6'250'000'000, style::vietnamese) == "6,25 tỷ đồng");
    BOOST_TEST(format_money(6'205'000'000, style::vietnamese) == "6,21 tỷ đồng");  // 6,205 up
    BOOST_TEST(format_money(1'250'500'000'000, style::vietnamese) == "1.250,5 tỷ đồng");
    BOOST_TEST(format_money(950'000, style::vietnamese) == "950.000 đồng");
    BOOST_TEST(format_money(1'000'000, style::vietnamese) == "1 triệu đồng");
    BOOST_TEST(format_money(1'500'000, style::vietnamese) == "1,5 triệu đồng");
    // 999.995.000 rounds to 1.000 triệu, which is written as 1 tỷ.
    BOOST_TEST(format_money(999'995'000, style::vietnamese) == "1 tỷ đồng");
    BOOST_TEST(format_money(999'994'999, style::vietnamese) == "999,99 triệu đồng");
    BOOST_TEST(format_money(0, style::vietnamese) == "0 đồng");
    BOOST_TEST(format_money(-719'690'000, style::vietnamese) == "-719,69 triệu đồng");
}

BOOST_AUTO_TEST_SUITE_END()
