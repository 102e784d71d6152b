// The permissions table in code and in docs/security.md must agree cell for cell: the
// document is what people read before giving someone a role.
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <set>
#include <sotay/access/roles.hpp>
#include <sstream>
#include <string>
#include <vector>

using namespace sotay::access;

namespace {

std::string read_security_doc() {
    std::ifstream in(std::string(SOTAY_SOURCE_DIR) + "/docs/security.md", std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot open docs/security.md");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The cells of a markdown table line "| a | b |", trimmed.
std::vector<std::string> cells_of(const std::string& line) {
    std::vector<std::string> out;
    std::size_t at = line.find('|');
    while (at != std::string::npos) {
        const std::size_t next = line.find('|', at + 1);
        if (next == std::string::npos) break;
        std::string cell = line.substr(at + 1, next - at - 1);
        const auto first = cell.find_first_not_of(' ');
        const auto last = cell.find_last_not_of(' ');
        out.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
        at = next;
    }
    return out;
}

// Every disagreement between the document's permissions table and allowed(), as
// sentences; empty when they agree. The table's rows are found by the permission names
// in backticks; its header must list the roles in enum order.
std::vector<std::string> table_mismatches(const std::string& doc) {
    std::vector<std::string> problems;
    std::set<std::string> seen;
    bool header_found = false;
    std::istringstream lines(doc);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.starts_with("|")) continue;
        const auto cells = cells_of(line);
        if (cells.size() >= 5 && cells[0] == "permission") {
            header_found = true;
            for (int r = 0; r < role_count; ++r) {
                if (cells[static_cast<std::size_t>(r) + 1] != role_name(static_cast<role>(r))) {
                    problems.push_back("header column " + std::to_string(r + 1) + " is " +
                                       cells[static_cast<std::size_t>(r) + 1]);
                }
            }
            continue;
        }
        if (cells.empty() || !cells[0].starts_with("`") || !cells[0].ends_with("`")) continue;
        const std::string name = cells[0].substr(1, cells[0].size() - 2);
        int p = 0;
        while (p < permission_count && permission_name(static_cast<permission>(p)) != name) ++p;
        if (p == permission_count) continue;  // a role or another table's row
        if (!seen.insert(name).second) problems.push_back(name + " appears twice");
        if (cells.size() < 5) {
            problems.push_back(name + " has fewer than four role cells");
            continue;
        }
        for (int r = 0; r < role_count; ++r) {
            const std::string& cell = cells[static_cast<std::size_t>(r) + 1];
            const bool code = allowed(static_cast<role>(r), static_cast<permission>(p));
            if (cell != "yes" && cell != "no") {
                problems.push_back(name + " / " + std::string(role_name(static_cast<role>(r))) +
                                   ": cell is \"" + cell + "\", not yes or no");
            } else if ((cell == "yes") != code) {
                problems.push_back(name + " / " + std::string(role_name(static_cast<role>(r))) +
                                   ": document says " + cell + ", code says " +
                                   (code ? "yes" : "no"));
            }
        }
    }
    if (!header_found) problems.push_back("no table header starting with | permission |");
    for (int p = 0; p < permission_count; ++p) {
        const std::string name(permission_name(static_cast<permission>(p)));
        if (!seen.contains(name)) problems.push_back(name + " is missing from the table");
    }
    return problems;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s + "\n";
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(roles)

BOOST_AUTO_TEST_CASE(docs_security_md_table_equals_allowed_for_every_cell) {
    const auto problems = table_mismatches(read_security_doc());
    BOOST_TEST(problems.empty(), joined(problems));
}

BOOST_AUTO_TEST_CASE(the_table_check_finds_a_flipped_cell_and_a_missing_row) {
    // The check itself can fail: flip the admin cell of manage_org, drop review.
    std::string doc = read_security_doc();
    const std::string row = "| `manage_org` | no | no | yes | no |";
    const auto at = doc.find(row);
    BOOST_REQUIRE(at != std::string::npos);
    doc.replace(at, row.size(), "| `manage_org` | no | no | no | no |");
    const auto review = doc.find("| `review` |");
    BOOST_REQUIRE(review != std::string::npos);
    doc.erase(review, doc.find('\n', review) - review);

    const auto problems = table_mismatches(doc);
    BOOST_REQUIRE_EQUAL(problems.size(), 2u);
    BOOST_TEST(problems[0] == "manage_org / admin: document says no, code says yes");
    BOOST_TEST(problems[1] == "review is missing from the table");
}

BOOST_AUTO_TEST_CASE(no_role_both_writes_records_and_manages_accounts) {
    for (int r = 0; r < role_count; ++r) {
        const auto ro = static_cast<role>(r);
        BOOST_TEST(
            !(allowed(ro, permission::write_records) && allowed(ro, permission::manage_users)),
            role_name(ro));
    }
    BOOST_TEST(!allowed(role::admin, permission::read_records));
    BOOST_TEST(!allowed(role::auditor, permission::write_records));
    BOOST_TEST(allowed(role::auditor, permission::read_history));
}

BOOST_AUTO_TEST_CASE(values_outside_the_enums_are_allowed_nothing) {
    BOOST_TEST(!allowed(static_cast<role>(4), permission::view_org));
    BOOST_TEST(!allowed(static_cast<role>(-1), permission::view_org));
    BOOST_TEST(!allowed(role::admin, static_cast<permission>(permission_count)));
    BOOST_TEST(role_name(static_cast<role>(9)) == "unknown");
    BOOST_TEST(permission_name(static_cast<permission>(-3)) == "unknown");
}

BOOST_AUTO_TEST_CASE(role_names_round_trip_and_parse_ignores_case) {
    for (int r = 0; r < role_count; ++r) {
        const auto ro = static_cast<role>(r);
        BOOST_TEST((parse_role(role_name(ro)) == ro));
    }
    BOOST_TEST(role_name(role::reviewer) == "reviewer");
    BOOST_TEST((parse_role("Admin") == role::admin));
    BOOST_TEST((parse_role("AUDITOR") == role::auditor));
    BOOST_TEST(!parse_role("root"));
    BOOST_TEST(!parse_role(""));
    BOOST_TEST(!parse_role("admin "));
}

BOOST_AUTO_TEST_CASE(permission_names_are_distinct) {
    std::set<std::string_view> names;
    for (int p = 0; p < permission_count; ++p) {
        names.insert(permission_name(static_cast<permission>(p)));
    }
    BOOST_TEST(names.size() == static_cast<std::size_t>(permission_count));
    BOOST_TEST(permission_name(permission::view_quarantine) == "view_quarantine");
}

BOOST_AUTO_TEST_SUITE_END()
