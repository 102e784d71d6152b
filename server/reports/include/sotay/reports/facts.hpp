// Facts: what one record contributes to each measure, independent of any report period,
// so that a store can keep them in a narrow table, maintained as records change, and
// answer a report with a range scan instead of reading and parsing every record
// (docs/reports.md, "How the store computes figures"). This is the analytics-table idea
// of DHIS2, kept incremental.
//
// Invariant (tests/reports/facts_test.cpp, a property over seeded random records):
//   F1. For every definition set d, period p and records R,
//         evaluate(d, p, R) == gather(d, facts of R whose `at` lies in window_of(m, p))
//       where gather sums `value` per (org unit, measure) for count and sum measures and
//       collects `key` for count_distinct ones.
// So a store that keeps the facts of every live record under its current org unit, and
// aggregates them per measure over the window, computes exactly what the evaluator does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sotay/reports/evaluate.hpp>
#include <sotay/reports/indicators.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sotay::reports {

// Bump when facts_of changes what it produces: stored facts made by an older rule are
// then rebuilt (it is part of fingerprint()).
inline constexpr int facts_rule_version = 1;

struct fact {
    std::size_t measure = 0;  // index into definitions::measures
    // Where the record lies in time for this measure: 0 for a snapshot measure; the date
    // as the integer YYYYMMDD for a date period; the year for a year period.
    std::int64_t at = 0;
    std::int64_t value = 1;  // count and count_distinct: 1; sum: the field's value
    std::string key;         // count_distinct: the distinct key; else empty
};

// Appends to `out` one fact per measure `r` counts for whatever the period (its type,
// filters and aggregate field; a period field that is missing, null or not a valid date
// gives no fact). A deleted or merged record gives none (E1).
void facts_of(const definitions& defs, const record_view& r, std::vector<fact>& out);

// The `at` range, both ends inclusive, of the facts of measure m that fall in p.
struct window {
    std::int64_t lo = 0, hi = 0;
};
window window_of(const measure_def& m, const period& p);

// Adds one aggregated group to `into`: `value` (a count or sum) of measure `measure` at
// `org_unit`, or, for a count_distinct measure, one key (value ignored). Throws
// std::overflow_error if a sum leaves the int64 range.
void add_total(unit_values& into, const definitions& defs, std::string_view org_unit,
               std::size_t measure, std::int64_t value);
void add_key(unit_values& into, const definitions& defs, std::string_view org_unit,
             std::size_t measure, std::string key);

// Identifies a definition set and the facts rule: equal fingerprints, equal facts for
// every record. Hex of a hash of the definitions' text and facts_rule_version.
std::string fingerprint(const definitions& defs);

}  // namespace sotay::reports
