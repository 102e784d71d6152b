// Roll-up: the figures of an org subtree and their breakdown by the root's direct children,
// from per-unit measure values (the evaluator's, or later the store's SQL), plus how fresh
// those figures are.
//
// Rules (docs/reports.md, "Roll-up"):
//   R1. A child's line is its whole subtree: the sum of the values of every unit in it.
//   R2. Records kept at the root itself form a separate "directly at <root>" line, shown
//       only when one of its values is non-zero.
//   R3. The total is the sum of all lines, so for count and sum measures the parts add up
//       to the total exactly. count_distinct takes the union of keys: a key present in
//       two lines counts once in the total.
//   R4. A ratio is computed from the summed numerator and denominator of its line, never
//       as an average of the children's percentages. No percent when the denominator is 0.
//   R5. Values of units outside the root's subtree, or unknown to the tree, are ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <sotay/access/org_tree.hpp>
#include <sotay/reports/evaluate.hpp>
#include <sotay/reports/indicators.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sotay::reports {

struct breakdown_line {
    std::string org_unit;  // a child's code, or the root's code for the direct line
    bool direct = false;   // true: records kept at the root itself (R2)
    std::vector<measure_value> values;
};

struct rollup {
    std::string root;
    std::vector<measure_value> total;   // R3
    std::vector<breakdown_line> lines;  // children in code order, then the direct line
};

// R1-R5. An unknown root gives an empty breakdown and zero totals.
rollup roll_up(const definitions& defs, const access::org_tree& tree, std::string_view root,
               const unit_values& values);

// One indicator line's figure computed from a set of measure values (R4).
struct line_figure {
    std::int64_t value = 0;                       // measure lines
    std::int64_t numerator = 0, denominator = 0;  // ratio lines
    bool ratio = false;
    unit value_unit = unit::count;
};
line_figure figure_of(const definitions& defs, const line_def& line,
                      const std::vector<measure_value>& values);

// Freshness: how up to date a subtree's figures are, from each device's last sync.
struct device_sync {
    std::string device;
    std::string org_unit;                      // the unit of the device's user
    std::optional<std::int64_t> last_sync_ms;  // Unix ms; nullopt = never synced
};
struct freshness {
    std::size_t devices = 0;                     // devices in the subtree
    std::optional<std::int64_t> oldest_sync_ms;  // over devices that have synced
    std::size_t never_synced = 0;
    // Devices whose last sync is more than stale_after_days before now, never-synced ones
    // included.
    std::size_t stale = 0;
};
freshness freshness_of(const access::org_tree& tree, std::string_view root,
                       std::span<const device_sync> devices, std::int64_t now_ms,
                       int stale_after_days);

}  // namespace sotay::reports
