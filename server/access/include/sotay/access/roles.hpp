// Who may do what: the four roles and the permissions table of docs/security.md, as code.
//
// Every check in the server and in sotay-admin asks allowed(role, permission); the table
// in docs/security.md is generated from the same table (tests/access/roles_test.cpp checks
// that the document and this file agree).
//
// Scope: every user has one org unit. Whatever a permission lets a user read or write is
// further limited to the subtree of that unit (an admin or auditor placed at the province
// root therefore sees the whole province).
#pragma once

#include <optional>
#include <string_view>

namespace sotay::access {

enum class role : int {
    officer = 0,   // cán bộ cơ sở: reads and writes records of their subtree
    reviewer = 1,  // district staff: as officer, plus conflicts, duplicates, quarantine
    admin = 2,     // org tree, users, devices; no record reads or writes
    auditor = 3,   // reads everything in their subtree including history; writes nothing
};

enum class permission : int {
    read_records = 0,     // pull / live over /sync, GET records
    write_records = 1,    // push over /sync
    view_org = 2,         // GET the org tree
    manage_org = 3,       // import the org tree
    manage_users = 4,     // add, disable, enable, move users, reset passwords
    manage_devices = 5,   // enrollment codes, revoke devices
    view_devices = 6,     // list devices with their state
    view_quarantine = 7,  // rejected changes
    review = 8,           // decide conflicts and duplicates (issue 6)
    read_history = 9,     // the audit history (issue 7)
    view_reports = 10,    // the programme's figures over the subtree (issue 8)
};
inline constexpr int permission_count = 11;
inline constexpr int role_count = 4;

bool allowed(role r, permission p);

std::string_view role_name(role r);  // "officer", ...
std::optional<role> parse_role(std::string_view name);
std::string_view permission_name(permission p);  // "read_records", ...

}  // namespace sotay::access
