// org_tree: building (T1), scope questions (T2) and merging an import (T3).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <sotay/access/org_tree.hpp>
#include <string>
#include <vector>

using namespace sotay::access;

namespace {

using codes = std::vector<std::string>;

// A small province:
//   LS
//   ├── LS.CL                (district)
//   │   └── LS.CL.X1
//   └── LS.TP                (district)
//       ├── LS.TP.P1
//       │   ├── LS.TP.P1.C1  (cell)
//       │   └── LS.TP.P1.C2
//       └── LS.TP.P2
std::vector<org_unit> province_units() {
    return {
        {"LS.TP.P1.C2", "Chi bộ 2", "LS.TP.P1", "Chi bộ"},
        {"LS", "Lạng Sơn", "", "Tỉnh"},
        {"LS.TP", "Thành phố Lạng Sơn", "LS", "Huyện"},
        {"LS.TP.P1", "Phường Chi Lăng", "LS.TP", "Xã"},
        {"LS.TP.P1.C1", "Chi bộ 1", "LS.TP.P1", "Chi bộ"},
        {"LS.TP.P2", "Phường Tam Thanh", "LS.TP", "Xã"},
        {"LS.CL", "Huyện Chi Lăng", "LS", "Huyện"},
        {"LS.CL.X1", "Xã Chi Lăng", "LS.CL", "Xã"},
    };
}

org_tree province() {
    auto t = org_tree::build(province_units());
    BOOST_REQUIRE(t);
    return *t;
}

org_row row(std::size_t line, std::string code, std::string name, std::string parent,
            std::string level) {
    return {{std::move(code), std::move(name), std::move(parent), std::move(level)}, line};
}

std::string errors_of(const std::vector<row_error>& errors) {
    std::string out;
    for (const auto& e : errors) out += std::to_string(e.line) + ": " + e.message + "\n";
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(build)

BOOST_AUTO_TEST_CASE(units_in_any_order_build_a_tree_sorted_by_code) {
    const org_tree t = province();
    BOOST_TEST(t.size() == 8u);
    BOOST_TEST(std::is_sorted(t.units().begin(), t.units().end(),
                              [](const auto& a, const auto& b) { return a.code < b.code; }));
    BOOST_REQUIRE(t.find("LS.TP.P1"));
    BOOST_TEST(t.find("LS.TP.P1")->name == "Phường Chi Lăng");
    BOOST_TEST(t.find("LS.XX") == nullptr);
}

BOOST_AUTO_TEST_CASE(an_empty_tree_builds_and_answers_nothing) {
    const auto t = org_tree::build({});
    BOOST_REQUIRE(t);
    BOOST_TEST(t->empty());
    BOOST_TEST(t->roots().empty());
    BOOST_TEST(!t->contains("LS", "LS"));
}

BOOST_AUTO_TEST_CASE(a_missing_parent_is_refused_naming_the_unit) {
    std::vector<row_error> errors;
    const auto t = org_tree::build({{"A", "a", "", "x"}, {"B", "b", "NOPE", "x"}}, &errors);
    BOOST_TEST(!t);
    BOOST_REQUIRE_EQUAL(errors.size(), 1u);
    BOOST_TEST(errors[0].line == 0u);
    BOOST_TEST(errors[0].code == "B");
    BOOST_TEST(errors[0].message.find("\"NOPE\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_repeated_code_is_refused_once) {
    std::vector<row_error> errors;
    const auto t =
        org_tree::build({{"A", "a", "", "x"}, {"A", "a2", "", "x"}, {"A", "a3", "", "x"}}, &errors);
    BOOST_TEST(!t);
    BOOST_REQUIRE_EQUAL(errors.size(), 1u);
    BOOST_TEST(errors[0].code == "A");
}

BOOST_AUTO_TEST_CASE(t1_a_cycle_is_refused_naming_every_unit_on_it) {
    std::vector<row_error> errors;
    const auto t = org_tree::build({{"R", "r", "", "x"},
                                    {"A", "a", "C", "x"},
                                    {"B", "b", "A", "x"},
                                    {"C", "c", "B", "x"},
                                    {"D", "d", "C", "x"}},  // hangs off the cycle
                                   &errors);
    BOOST_TEST(!t);
    codes named;
    for (const auto& e : errors) named.push_back(e.code);
    BOOST_TEST(named == (codes{"A", "B", "C"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ten_thousand_units_build_and_answer_scope_questions) {
    // 1 province, 10 districts, 1,000 communes, 9,000 cells: 10,011 units.
    std::vector<org_unit> units{{"P", "Tỉnh", "", "Tỉnh"}};
    for (int d = 0; d < 10; ++d) {
        const std::string dc = "P.D" + std::to_string(d);
        units.push_back({dc, "Huyện " + std::to_string(d), "P", "Huyện"});
        for (int x = 0; x < 100; ++x) {
            const std::string xc = dc + ".X" + std::to_string(x);
            units.push_back({xc, "Xã " + std::to_string(x), dc, "Xã"});
            for (int c = 0; c < 9; ++c) {
                units.push_back({xc + ".C" + std::to_string(c), "Chi bộ", xc, "Chi bộ"});
            }
        }
    }
    std::reverse(units.begin(), units.end());  // children before parents
    const auto t = org_tree::build(units);
    BOOST_REQUIRE(t);
    BOOST_TEST(t->size() == 10'011u);
    BOOST_TEST(t->subtree("P").size() == 10'011u);
    BOOST_TEST(t->subtree("P.D3").size() == 1'001u);
    BOOST_TEST(t->subtree("P.D3.X42").size() == 10u);
    std::size_t inside_d3 = 0;
    for (const auto& u : t->units()) {
        BOOST_TEST_REQUIRE(t->contains("P", u.code));
        if (t->contains("P.D3", u.code)) ++inside_d3;
    }
    BOOST_TEST(inside_d3 == 1'001u);
    BOOST_TEST(t->path("P.D3.X42.C7") == (codes{"P", "P.D3", "P.D3.X42", "P.D3.X42.C7"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_chain_ten_thousand_deep_needs_no_recursion) {
    std::vector<org_unit> units;
    for (int i = 0; i < 10'000; ++i) {
        units.push_back(
            {"u" + std::to_string(i), "n", i == 0 ? "" : "u" + std::to_string(i - 1), "l"});
    }
    const auto t = org_tree::build(units);
    BOOST_REQUIRE(t);
    BOOST_TEST(t->subtree("u0").size() == 10'000u);
    BOOST_TEST(t->contains("u0", "u9999"));
    BOOST_TEST(!t->contains("u9999", "u0"));
    BOOST_TEST(t->path("u9999").size() == 10'000u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(queries)

BOOST_AUTO_TEST_CASE(t2_contains_is_the_unit_itself_or_a_descendant) {
    const org_tree t = province();
    BOOST_TEST(t.contains("LS", "LS"));
    BOOST_TEST(t.contains("LS", "LS.TP.P1.C2"));
    BOOST_TEST(t.contains("LS.TP", "LS.TP.P2"));
    BOOST_TEST(t.contains("LS.TP.P1", "LS.TP.P1.C1"));
    BOOST_TEST(!t.contains("LS.TP", "LS.CL.X1"));     // another district
    BOOST_TEST(!t.contains("LS.TP.P1", "LS.TP.P2"));  // a sibling
    BOOST_TEST(!t.contains("LS.TP.P1", "LS.TP"));     // the parent
    BOOST_TEST(!t.contains("LS", "LS.XX"));           // not in the tree
    BOOST_TEST(!t.contains("LS.XX", "LS"));
    // Codes compare byte for byte: a prefix is not a parent.
    BOOST_TEST(!t.contains("LS.T", "LS.TP"));
}

BOOST_AUTO_TEST_CASE(subtree_is_root_first_then_depth_first_in_code_order) {
    const org_tree t = province();
    BOOST_TEST(t.subtree("LS") == (codes{"LS", "LS.CL", "LS.CL.X1", "LS.TP", "LS.TP.P1",
                                         "LS.TP.P1.C1", "LS.TP.P1.C2", "LS.TP.P2"}),
               boost::test_tools::per_element());
    BOOST_TEST(t.subtree("LS.TP.P2") == codes{"LS.TP.P2"}, boost::test_tools::per_element());
    BOOST_TEST(t.subtree("LS.XX").empty());
}

BOOST_AUTO_TEST_CASE(children_roots_and_path) {
    const org_tree t = province();
    BOOST_TEST(t.children("LS") == (codes{"LS.CL", "LS.TP"}), boost::test_tools::per_element());
    BOOST_TEST(t.children("LS.TP.P1") == (codes{"LS.TP.P1.C1", "LS.TP.P1.C2"}),
               boost::test_tools::per_element());
    BOOST_TEST(t.children("LS.TP.P2").empty());
    BOOST_TEST(t.children("LS.XX").empty());
    BOOST_TEST(t.roots() == codes{"LS"}, boost::test_tools::per_element());
    BOOST_TEST(t.path("LS.TP.P1.C2") == (codes{"LS", "LS.TP", "LS.TP.P1", "LS.TP.P1.C2"}),
               boost::test_tools::per_element());
    BOOST_TEST(t.path("LS") == codes{"LS"}, boost::test_tools::per_element());
    BOOST_TEST(t.path("LS.XX").empty());
}

BOOST_AUTO_TEST_CASE(valid_codes_are_1_to_64_of_letters_digits_dot_dash_underscore) {
    BOOST_TEST(valid_org_code("LS.TP.P1"));
    BOOST_TEST(valid_org_code("a-b_c.9"));
    BOOST_TEST(valid_org_code(std::string(64, 'x')));
    BOOST_TEST(!valid_org_code(std::string(65, 'x')));
    BOOST_TEST(!valid_org_code(""));
    BOOST_TEST(!valid_org_code("LS TP"));
    BOOST_TEST(!valid_org_code("LS/TP"));
    BOOST_TEST(!valid_org_code("Xã"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(merge)

BOOST_AUTO_TEST_CASE(an_import_into_an_empty_tree_adds_every_row_parents_in_any_order) {
    const org_tree empty;
    const auto r =
        empty.merge({row(2, "LS.TP", "TP", "LS", "Huyện"), row(3, "LS", "Lạng Sơn", "", "Tỉnh"),
                     row(4, "LS.TP.P1", "P1", "LS.TP", "Xã")});
    BOOST_TEST(r.errors.empty(), errors_of(r.errors));
    BOOST_REQUIRE(r.tree);
    BOOST_TEST(r.added == 3u);
    BOOST_TEST(r.updated == 0u);
    BOOST_TEST(r.unchanged == 0u);
    BOOST_TEST(r.tree->contains("LS", "LS.TP.P1"));
}

BOOST_AUTO_TEST_CASE(equal_rows_are_unchanged_and_changed_rows_updated) {
    const org_tree t = province();
    std::vector<org_row> rows;
    std::size_t line = 2;
    for (const auto& u : t.units()) rows.push_back({u, line++});
    rows[0].unit.name = "Lạng Sơn (mới)";  // LS, the first in code order
    rows.push_back(row(line, "LS.TP.P3", "Phường 3", "LS.TP", "Xã"));

    const auto r = t.merge(rows);
    BOOST_TEST(r.errors.empty(), errors_of(r.errors));
    BOOST_REQUIRE(r.tree);
    BOOST_TEST(r.added == 1u);
    BOOST_TEST(r.updated == 1u);
    BOOST_TEST(r.unchanged == 7u);
    BOOST_TEST(r.tree->find("LS")->name == "Lạng Sơn (mới)");
    BOOST_TEST(t.find("LS")->name == "Lạng Sơn");  // the original is untouched
}

BOOST_AUTO_TEST_CASE(a_row_equal_but_for_unicode_composition_is_unchanged) {
    const org_tree t = province();
    // "Lạng Sơn" with a + combining dot below: the same name, typed differently.
    const auto r = t.merge({row(2, "LS", "La\xCC\xA3ng Sơn", "", "Tỉnh")});
    BOOST_REQUIRE(r.tree);
    BOOST_TEST(r.unchanged == 1u);
    BOOST_TEST(r.updated == 0u);
}

BOOST_AUTO_TEST_CASE(t3_every_bad_row_is_reported_and_nothing_applied) {
    const org_tree t = province();
    const auto r = t.merge({
        row(2, "LS.TP.P3", "Phường 3", "LS.TP", "Xã"),  // fine on its own
        row(3, "LS TP", "bad code", "LS", "Xã"),
        row(4, "LS.TP.P4", "", "LS.TP", "Xã"),
        row(5, "LS.TP.P5", "P5", "LS.TP", ""),
        row(6, "LS.TP.P3", "again", "LS.TP", "Xã"),
        row(7, "LS.TP.P6", "P6", "LS.XX", "Xã"),
        row(8, "LS.TP.P7", "P7", "LS.TP.P7", "Xã"),
        row(9, "", "no code", "LS", "Xã"),
        row(10, "LS.TP.P8", std::string(201, 'n'), "LS.TP", "Xã"),
        row(11, "LS.TP.P9", "P9", "bad parent", "Xã"),
    });
    BOOST_TEST(!r.tree);
    BOOST_TEST(r.added == 0u);
    BOOST_TEST(r.updated == 0u);
    BOOST_TEST(r.unchanged == 0u);
    std::vector<std::size_t> lines;
    for (const auto& e : r.errors) lines.push_back(e.line);
    BOOST_TEST(lines == (std::vector<std::size_t>{3, 4, 5, 6, 7, 8, 9, 10, 11}),
               boost::test_tools::per_element());
    BOOST_REQUIRE_EQUAL(r.errors.size(), 9u);
    BOOST_TEST(r.errors[0].message.find("code \"LS TP\" is not a valid code") == 0u);
    BOOST_TEST(r.errors[1].message == "name is empty; give the unit's name");
    BOOST_TEST(r.errors[1].code == "LS.TP.P4");
    BOOST_TEST(r.errors[2].message.find("level_name is empty") == 0u);
    BOOST_TEST(r.errors[3].message ==
               "code \"LS.TP.P3\" is also on line 2; each unit may appear only once in a file");
    BOOST_TEST(r.errors[4].message ==
               "parent_code \"LS.XX\" is not an org unit in the file or the current tree");
    BOOST_TEST(r.errors[5].message.find("own parent") != std::string::npos);
    BOOST_TEST(r.errors[6].message == "code is empty; every row needs the unit's code");
    BOOST_TEST(r.errors[7].message == "name is 201 bytes long; the limit is 200 bytes");
    BOOST_TEST(r.errors[8].message.find("parent_code \"bad parent\" is not a valid code") == 0u);
}

BOOST_AUTO_TEST_CASE(a_row_may_have_several_problems_each_reported) {
    const org_tree empty;
    const auto r = empty.merge({row(2, "A", "", "NOPE", "")});
    BOOST_TEST(!r.tree);
    BOOST_TEST(r.errors.size() == 3u, errors_of(r.errors));
}

BOOST_AUTO_TEST_CASE(a_unit_moves_under_another_parent) {
    const org_tree t = province();
    const auto r = t.merge({row(2, "LS.TP.P1", "Phường Chi Lăng", "LS.CL", "Xã")});
    BOOST_TEST(r.errors.empty(), errors_of(r.errors));
    BOOST_REQUIRE(r.tree);
    BOOST_TEST(r.updated == 1u);
    BOOST_TEST(r.tree->contains("LS.CL", "LS.TP.P1.C1"));  // its cells move with it
    BOOST_TEST(!r.tree->contains("LS.TP", "LS.TP.P1"));
    BOOST_TEST(r.tree->children("LS.TP") == codes{"LS.TP.P2"}, boost::test_tools::per_element());
    BOOST_TEST(r.tree->children("LS.CL") == (codes{"LS.CL.X1", "LS.TP.P1"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(moving_a_unit_under_its_own_descendant_is_a_cycle_naming_the_row) {
    const org_tree t = province();
    const auto r = t.merge({row(2, "LS.TP.P2", "Phường Tam Thanh", "LS.TP", "Xã"),
                            row(3, "LS.TP", "Thành phố Lạng Sơn", "LS.TP.P1.C1", "Huyện")});
    BOOST_TEST(!r.tree);
    BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
    BOOST_TEST(r.errors[0].line == 3u);
    BOOST_TEST(r.errors[0].code == "LS.TP");
    BOOST_TEST(r.errors[0].message.find("cycle (LS.TP -> LS.TP.P1.C1 -> LS.TP.P1 -> LS.TP)") !=
                   std::string::npos,
               r.errors[0].message);
}

BOOST_AUTO_TEST_CASE(two_new_rows_naming_each_other_as_parent_are_both_reported) {
    const org_tree t = province();
    const auto r = t.merge(
        {row(2, "A", "a", "B", "x"), row(3, "B", "b", "A", "x"), row(4, "C", "c", "A", "x")});
    BOOST_TEST(!r.tree);
    std::vector<std::size_t> lines;
    for (const auto& e : r.errors) lines.push_back(e.line);
    BOOST_TEST(lines == (std::vector<std::size_t>{2, 3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(swapping_a_parent_and_child_in_one_file_is_valid) {
    // P1 becomes the district and TP a commune under it: no cycle in the result.
    const org_tree t = province();
    const auto r =
        t.merge({row(2, "LS.TP.P1", "P1", "LS", "Huyện"), row(3, "LS.TP", "TP", "LS.TP.P1", "Xã")});
    BOOST_TEST(r.errors.empty(), errors_of(r.errors));
    BOOST_REQUIRE(r.tree);
    BOOST_TEST(r.tree->path("LS.TP.P2") == (codes{"LS", "LS.TP.P1", "LS.TP", "LS.TP.P2"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(any_number_of_roots_is_allowed) {
    const org_tree t = province();
    const auto r = t.merge({row(2, "CB", "Cao Bằng", "", "Tỉnh"),
                            row(3, "LS.CL", "Huyện Chi Lăng", "", "Huyện")});  // made a root
    BOOST_TEST(r.errors.empty(), errors_of(r.errors));
    BOOST_REQUIRE(r.tree);
    BOOST_TEST(r.tree->roots() == (codes{"CB", "LS", "LS.CL"}), boost::test_tools::per_element());
    BOOST_TEST(!r.tree->contains("LS", "LS.CL.X1"));
}

BOOST_AUTO_TEST_CASE(a_parsed_file_merges_into_the_tree) {
    const auto csv = parse_org_csv(
        "code,name,parent_code,level_name\r\n"
        "LS,Lạng Sơn,,Tỉnh\r\n"
        "LS.TP,\"Thành phố Lạng Sơn\",LS,Huyện\r\n"
        "LS.TP.P1,\"Phường Chi Lăng, TP\",LS.TP,Xã\r\n");
    BOOST_REQUIRE(csv.errors.empty());
    const auto r = org_tree{}.merge(csv.rows);
    BOOST_REQUIRE(r.tree);
    BOOST_TEST(r.tree->find("LS.TP.P1")->name == "Phường Chi Lăng, TP");
    // Importing the same file again changes nothing.
    const auto again = r.tree->merge(csv.rows);
    BOOST_REQUIRE(again.tree);
    BOOST_TEST(again.unchanged == 3u);
    BOOST_TEST((*again.tree == *r.tree));
}

BOOST_AUTO_TEST_SUITE_END()
