// The per-record rules shared by the evaluator (evaluate.cpp) and the facts (facts.cpp),
// written once so that the two cannot drift apart (facts.hpp F1).
#pragma once

#include <cstdint>
#include <optional>
#include <sotay/reports/evaluate.hpp>
#include <sotay/reports/indicators.hpp>
#include <sotay/sync/value.hpp>
#include <string>
#include <string_view>

namespace sotay::reports::detail {

// A field's value, or null when it is unset or null.
const sync::value* field_value(const sync::field_map& f, std::string_view field);

// E1 and the filters of E2: live, of m's type, every filter holds. Not the period.
bool passes(const measure_def& m, const record_view& r);

// Where the record lies in time for m (facts.hpp `at`): 0 for a snapshot measure,
// YYYYMMDD for a date period, the year for a year period; nullopt when the period field
// is missing, null, of another type or (date) not a valid date.
std::optional<std::int64_t> time_position(const measure_def& m, const sync::field_map& f);

// "YYYY-MM-DD" as the integer YYYYMMDD; the caller has checked it is a date.
std::int64_t date_number(std::string_view date);

// The value m aggregates: for sum an integer, for count_distinct any value; null when the
// record adds nothing (E3). For count, a pointer to a static 1 (never null).
const sync::value* aggregated_value(const measure_def& m, const sync::field_map& f);

// A count_distinct key: strings as they are, integers in decimal, booleans as
// true/false.
std::string distinct_key(const sync::value& v);

}  // namespace sotay::reports::detail
