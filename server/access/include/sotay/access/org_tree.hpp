// The organisation tree: province -> districts -> communes -> cells, or whatever levels a
// province has. Levels are data (each unit names its own level), never code.
//
// Pure: no storage, no I/O. The store keeps the units; this class answers the questions
// every scope check asks ("is unit X inside the subtree of unit R?") from memory, and
// checks an import before anything is written.
//
// Invariants (tests/access/org_tree_test.cpp):
//   T1. A built tree is a forest without cycles: every parent named exists, and walking
//       up from any unit ends at a root.
//   T2. contains(root, code) is true iff `code` is `root` or one of its descendants;
//       false for a code that is not in the tree.
//   T3. merge() is all or nothing: either every row is valid against the merged result
//       and a new tree is returned, or no tree and every wrong row with its reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sotay::access {

struct org_unit {
    std::string code;    // [A-Za-z0-9._-]{1,64}, unique, what records carry in org_unit
    std::string name;    // a person's name for it, NFC UTF-8, 1..200 bytes
    std::string parent;  // code of the parent; empty for a root (the province)
    std::string level;   // level name: "Tỉnh", "Huyện", "Xã", "Chi bộ", ...

    bool operator==(const org_unit&) const = default;
};

// One data row of an import, with its 1-based line number in the file (for the report).
struct org_row {
    org_unit unit;
    std::size_t line = 0;
};

// Why a row is wrong. line 0 = the file as a whole (no header, not UTF-8, ...).
struct row_error {
    std::size_t line = 0;
    std::string code;     // the row's code, when it has one
    std::string message;  // a sentence a person can act on, naming the column

    bool operator==(const row_error&) const = default;
};

// Parses CSV (RFC 4180: commas, double-quoted fields, "" inside quotes, CRLF or LF) whose
// first line is the header `code,name,parent_code,level_name` (columns in any order,
// names case-insensitive, extra columns refused). A UTF-8 BOM is skipped. Rows with the
// wrong number of columns or bad UTF-8 are reported, the others returned. Spaces around
// fields are trimmed; name and level are NFC-normalised (phones and spreadsheets differ).
struct csv_result {
    std::vector<org_row> rows;
    std::vector<row_error> errors;
};
csv_result parse_org_csv(std::string_view text);

class org_tree {
public:
    org_tree() = default;

    // Builds a tree from units (any order). Returns nullopt and fills `errors` (line 0,
    // naming the code) if a parent is missing, a code repeats or there is a cycle.
    static std::optional<org_tree> build(std::vector<org_unit> units,
                                         std::vector<row_error>* errors = nullptr);

    // Checks rows against this tree and applies them on a copy: a row whose code exists
    // updates that unit (name, parent, level), a new code adds one. Every row is checked
    // (code syntax, name and level not empty, parent known in this tree or in the rows,
    // no code twice in the rows, no cycle after the move) and every failure reported with
    // its line, in line order. A row with an empty parent_code is a root; any number of
    // roots is allowed (one server may hold two provinces). Name and level are
    // NFC-normalised here too, so rows that did not come from parse_org_csv compare right.
    struct merge_result;  // below the class: it holds an org_tree, complete only there
    merge_result merge(const std::vector<org_row>& rows) const;

    // Lookups. Codes compare byte for byte.
    const org_unit* find(std::string_view code) const;
    bool contains(std::string_view root, std::string_view code) const;  // T2
    // `root` and all its descendants, root first, then depth-first in code order. Empty
    // when root is not in the tree.
    std::vector<std::string> subtree(std::string_view root) const;
    // Direct children of a unit, in code order (roots() for the top).
    std::vector<std::string> children(std::string_view code) const;
    std::vector<std::string> roots() const;
    // Codes from the root down to `code` inclusive; empty when unknown.
    std::vector<std::string> path(std::string_view code) const;

    const std::vector<org_unit>& units() const { return units_; }  // in code order
    std::size_t size() const { return units_.size(); }
    bool empty() const { return units_.empty(); }

    bool operator==(const org_tree& o) const { return units_ == o.units_; }

private:
    std::vector<org_unit> units_;                       // sorted by code
    std::unordered_map<std::string, std::size_t> index_;  // code -> position in units_
    std::vector<std::ptrdiff_t> parent_;                // position of the parent, -1 = root
    std::vector<std::vector<std::size_t>> children_;    // positions, in code order
};

struct org_tree::merge_result {
    std::optional<org_tree> tree;  // set iff errors is empty (T3)
    std::vector<row_error> errors;
    // Counted only when the merge succeeds; all zero otherwise.
    std::size_t added = 0;
    std::size_t updated = 0;    // rows that changed an existing unit
    std::size_t unchanged = 0;  // rows equal to the unit already there
};

// True for a code of [A-Za-z0-9._-], 1 to 64 bytes.
bool valid_org_code(std::string_view code);

}  // namespace sotay::access
