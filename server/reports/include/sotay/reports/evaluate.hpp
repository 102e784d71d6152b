// The reference evaluator: every measure of a definition set, per org unit, computed from
// records in memory. It is the executable specification the store's SQL aggregation must
// match (same inputs, same numbers); tests/reports pin it with hand-computed fixtures.
//
// Rules (docs/reports.md, "Counting"):
//   E1. Only live records count. The caller passes the current state of live records
//       (tombstones and merged duplicates left out, each record under its *current* org
//       unit, so a record moved between units counts where it is now); the evaluator also
//       skips, defensively, any record marked deleted or carrying `_merged_into`.
//   E2. A record counts for a measure iff its type is the measure's, every filter holds,
//       and it falls in the period (period_kind). A period field that is missing, null or
//       (date periods) not a valid date never falls in a period.
//   E3. count adds 1; sum adds the field's integer value (unset or null adds nothing);
//       count_distinct collects the field's value as a key (unset or null: not counted).
//       Keys are kept so that a roll-up can take the union (a member counted in two
//       units is still one member).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <sotay/reports/indicators.hpp>
#include <sotay/sync/error.hpp>
#include <sotay/sync/value.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sotay::reports {

// A report's period, both ends inclusive, "YYYY-MM-DD".
struct period {
    std::string from, to;
    int from_year() const;
    int to_year() const;
};

// Checks a period from user input: two real dates, from <= to. On failure, error.code is
// errc::bad_message and error.message a sentence naming the bad end.
struct period_result {
    std::optional<period> value;
    sync::error_info error;
};
period_result make_period(std::string_view from, std::string_view to);
// The calendar year Y as a period (Y-01-01 .. Y-12-31); nullopt outside 1..9999.
std::optional<period> year_period(int year);

// One record as the evaluator sees it. Views: the caller keeps the data alive.
struct record_view {
    std::string_view type;
    std::string_view org_unit;  // current unit
    const sync::field_map* fields = nullptr;
    bool deleted = false;
};

// The value of one measure at one place. For count_distinct, `keys` holds the distinct
// values and value == keys.size(); for count and sum, keys is empty.
struct measure_value {
    std::int64_t value = 0;
    std::set<std::string> keys;
    bool operator==(const measure_value&) const = default;
};

// Per org unit: one value per measure, indexed like definitions::measures. Units with no
// counted record are absent.
using unit_values = std::map<std::string, std::vector<measure_value>, std::less<>>;

// E1-E3. Throws std::overflow_error if a sum leaves the int64 range.
unit_values evaluate(const definitions& defs, const period& p,
                     std::span<const record_view> records);

// Whether one record counts for one measure (E1, E2); exposed for tests and the store.
bool counts(const measure_def& m, const period& p, const record_view& r);

// Adds `from` into `into` (sums values, unions keys); both sized like the measures.
// Throws std::overflow_error if a sum leaves the int64 range.
void accumulate(std::vector<measure_value>& into, const std::vector<measure_value>& from,
                const definitions& defs);

}  // namespace sotay::reports
