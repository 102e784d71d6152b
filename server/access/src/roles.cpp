// The permissions table. docs/security.md shows the same table; tests/access/roles_test.cpp
// reads the document and fails when the two differ, so change both together.
#include <array>
#include <sotay/access/roles.hpp>

namespace sotay::access {
namespace {

constexpr std::array<std::string_view, role_count> role_names = {"officer", "reviewer", "admin",
                                                                 "auditor"};

constexpr std::array<std::string_view, permission_count> permission_names = {
    "read_records",   "write_records", "view_org",        "manage_org", "manage_users",
    "manage_devices", "view_devices",  "view_quarantine", "review",     "read_history",
    "view_reports",
};

// One row per permission (enum order), one column per role: officer, reviewer, admin,
// auditor. Admins manage but never read records, nor the figures made of them; auditors
// read everything and write nothing, so no single role can both change records and hide it.
constexpr bool Y = true;
constexpr bool N = false;
constexpr std::array<std::array<bool, role_count>, permission_count> table = {{
    //  officer reviewer admin auditor
    {Y, Y, N, Y},  // read_records
    {Y, Y, N, N},  // write_records
    {Y, Y, Y, Y},  // view_org
    {N, N, Y, N},  // manage_org
    {N, N, Y, N},  // manage_users
    {N, N, Y, N},  // manage_devices
    {N, Y, Y, Y},  // view_devices
    {N, Y, Y, Y},  // view_quarantine
    {N, Y, N, N},  // review
    {N, N, Y, Y},  // read_history
    {Y, Y, N, Y},  // view_reports
}};

template <typename E>
bool in_range(E e, int count) {
    const int i = static_cast<int>(e);
    return i >= 0 && i < count;
}

bool same_ascii_case_insensitive(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != b[i]) return false;
    }
    return true;
}

}  // namespace

bool allowed(role r, permission p) {
    // A value from outside the enum (a corrupt database row) is allowed nothing.
    if (!in_range(r, role_count) || !in_range(p, permission_count)) return false;
    return table[static_cast<std::size_t>(p)][static_cast<std::size_t>(r)];
}

std::string_view role_name(role r) {
    return in_range(r, role_count) ? role_names[static_cast<std::size_t>(r)] : "unknown";
}

std::optional<role> parse_role(std::string_view name) {
    // Case-insensitive: people type roles on the command line ("Admin").
    for (std::size_t i = 0; i < role_names.size(); ++i) {
        if (same_ascii_case_insensitive(name, role_names[i])) return static_cast<role>(i);
    }
    return std::nullopt;
}

std::string_view permission_name(permission p) {
    return in_range(p, permission_count) ? permission_names[static_cast<std::size_t>(p)]
                                         : "unknown";
}

}  // namespace sotay::access
