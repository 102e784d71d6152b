// Indicator definitions (issue 8): what the programme's published figures count, as data
// next to the record schema, in the manner of DHIS2 indicators. docs/reports.md describes
// the file format (schema/indicators.json) and every shipped indicator.
//
// A measure counts or sums the live records of one type that pass its filters and fall in
// the report's period. An indicator is a short list of lines, each a measure ("petitions
// received") or a ratio of two measures ("resolved / within authority", a percent).
//
// Invariants (tests/reports/indicators_test.cpp):
//   D1. A loaded definition set refers only to types, fields and enum values of the schema
//       it was checked against, and each filter value has its field's type.
//   D2. Every measure an indicator line names exists; ids are unique.
//   D3. A period field is a date field (date period) or an integer field (year period);
//       a sum is over an integer or money field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sotay/schema/schema.hpp>
#include <sotay/sync/value.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sotay::reports {

// One condition on a field. The fields filtered are boolean, enum or integer ones (D1);
// is_set may test any field.
struct filter {
    enum class op { eq, in, is_set };
    std::string field;
    op kind = op::eq;
    std::vector<sync::value> values;  // eq: one value; in: one or more; is_set: none
    bool set = true;                  // is_set: true = set and not null, false = unset or null
};

// How a record is placed in time. none: a snapshot (every live record counts, e.g. the
// active members today). date: the record's date field lies in [from, to]. year: the
// record's integer field lies in [year(from), year(to)] (a commitment's year).
enum class period_kind { none, date, year };

enum class aggregate { count, sum, count_distinct };

// What a measure's value is, for formatting: a number of things or an amount in đồng.
enum class unit { count, money };

struct measure_def {
    std::string id;
    schema::label name;
    std::string type;             // record type
    std::vector<filter> filters;  // all must hold
    period_kind period = period_kind::none;
    std::string period_field;
    aggregate agg = aggregate::count;
    std::string agg_field;           // sum and count_distinct
    unit result_unit = unit::count;  // money iff a sum over a money field
};

// One line of an indicator: a measure, or numerator / denominator shown as a percent.
struct line_def {
    std::string id;
    schema::label name;
    std::size_t measure = 0;  // index into definitions::measures (measure lines)
    bool ratio = false;
    std::size_t numerator = 0, denominator = 0;  // indices (ratio lines)
};

struct indicator_def {
    std::string id;
    schema::label name;
    std::vector<line_def> lines;  // at least one
};

struct definitions {
    int version = 0;
    // FNV-1a 64 of the document as parsed and re-serialised (so whitespace does not
    // matter): what facts.hpp's fingerprint() is made of.
    std::uint64_t content_hash = 0;
    std::vector<measure_def> measures;  // in file order; values are indexed the same way
    std::vector<indicator_def> indicators;

    // Index of a measure by id; npos when unknown.
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    std::size_t find_measure(std::string_view id) const;
    const indicator_def* find_indicator(std::string_view id) const;
};

// A definitions file that cannot be used. what() names the file, the indicator or measure
// and the member: "schema/indicators.json: measure petitions_resolved, filter status:
// value \"done\" is not a value of petition.status (received, processing, resolved)".
struct load_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Parses and checks a definitions document against a schema; `source` names it in
// errors. Throws load_error.
definitions parse_definitions(std::string_view json_text, std::string_view source,
                              const schema::schema& s);
// Reads and parses a file. Throws load_error (also when the file cannot be read).
definitions load_definitions_file(const std::string& path, const schema::schema& s);

}  // namespace sotay::reports
