// The record schema: which record types exist, their fields, and the rules a change
// must follow (docs/schema.md describes the file format).
//
// This library is pure: no network and no database. The server's store, the device SDK
// and the fuzzers all call the same validator, so a phone refuses exactly what the
// server would refuse.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sotay/sync/error.hpp>
#include <sotay/sync/value.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sotay::schema {

// A name for people, in both languages the programme works in.
struct label {
    std::string vi;
    std::string en;
    bool operator==(const label&) const = default;
};

enum class field_type { string, text, integer, money, date, boolean, enumeration, ref, org_unit };

// "string", "text", ...; the spelling of the schema file.
std::string_view type_name(field_type t);

struct field_def {
    std::string id;
    field_type type = field_type::string;
    label name;
    bool required = false;  // must be set (non-null) when the record is created
    // Bounds: integer and money compare numbers; dates compare "YYYY-MM-DD" texts.
    std::optional<std::int64_t> min, max;
    std::optional<std::string> min_date, max_date;
    std::optional<std::size_t> max_length;  // in Unicode code points
    std::optional<std::string> pattern;     // ECMAScript, must match the whole value
    std::shared_ptr<const std::regex> compiled;
    std::map<std::string, label, std::less<>> values;  // enum values and their labels
    std::string to;                                    // ref: the type referred to
};

struct type_def {
    std::string id;
    label name;
    std::vector<std::string> natural_key;
    std::map<std::string, field_def, std::less<>> fields;
};

struct schema {
    int version = 0;
    std::map<std::string, type_def, std::less<>> types;
    std::string text;  // the JSON document, compact (serialised): what devices receive

    const type_def* find(std::string_view type) const;
};

// A schema file that cannot be used. what() names the file, the type and the field:
// "schema/default.json: type petition, field kind: enum needs at least one value".
struct load_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Parses and checks a schema document; `source` names it in error messages.
// Throws load_error.
schema parse_schema(std::string_view json_text, std::string_view source);
// Reads and parses a file. Throws load_error (also when the file cannot be read).
schema load_schema_file(const std::string& path);

// A data file installed next to the running program (the build copies default.json and
// indicators.json beside the executables): <directory of the executable>/<name>, found
// through /proc/self/exe, else through argv0 made absolute. The file need not exist.
std::string file_next_to_program(std::string_view name, const char* argv0);

// One broken rule. `code` is one of: unknown_type, unknown_field, wrong_type,
// out_of_range, bad_enum, too_long, pattern, required, bad_date, bad_reference,
// bad_utf8, bad_org_unit.
struct violation {
    std::string field;  // "" when it concerns the whole change (unknown type)
    std::string code;
    std::string message_vi;
    std::string message_en;
    bool operator==(const violation&) const = default;
};

// What a change asks for, in the engine's terms.
struct change_view {
    std::string_view type;
    std::string_view org_unit;
    const sync::field_map* set = nullptr;  // may be null for a delete
    bool del = false;
};

// Checks one change. `is_create` is true when the record does not exist yet at the
// validating side: then every required field must be set. An empty result means valid.
// References are checked for syntax only (a lowercase UUID), never for existence:
// offline devices create a member and its commitment in either order.
std::vector<violation> validate(const schema& s, const change_view& c, bool is_create);
// Only the create rule of validate(): the required fields this change does not set.
// validate(s, c, true) == validate(s, c, false) followed by missing_required(s, c).
// The server checks values on its I/O threads and this on the writer thread, where it
// is known whether the record exists.
std::vector<violation> missing_required(const schema& s, const change_view& c);

// "<vi> / <en>", the message the wire carries for a violation.
std::string wire_message(const violation& v);
// The wire error for a violation: unknown_type or validation, the message, the field.
sync::error_info to_error(const violation& v);

// Text rules shared with the store and the SDK.
bool is_valid_utf8(std::string_view s);
std::size_t code_points(std::string_view valid_utf8);
// NFC form of valid UTF-8 text (unchanged when already NFC; ASCII never changes).
std::string to_nfc(std::string_view valid_utf8);
// NFC-normalises every string value of a field map in place (invalid UTF-8 is left as
// it is: validate() refuses it).
void normalize(sync::field_map& fields);
// A real calendar date "YYYY-MM-DD", years 0001-9999.
bool is_date(std::string_view s);

// Duplicates (issue 6): the natural key of a record, normalised so that two officers'
// entries of the same real thing compare equal byte for byte. Each component of the
// type's natural_key is the field's value, or the record's org unit for the component
// "org_unit"; strings are trimmed of surrounding white space, case-folded (Unicode full
// folding, so "NGUYỄN" and "nguyễn" meet) and NFC-normalised, whatever form the phone
// typed them in. The result is a compact JSON array led by the type id, usable as an
// index key. nullopt when the type has no natural key or a component is unset, null or
// blank:
// an incomplete key says nothing about sameness.
std::optional<std::string> natural_key(const type_def& t, std::string_view org_unit,
                                       const sync::field_map& fields);
// A string as it enters a natural key (trimmed, case-folded, NFC). Invalid UTF-8 is
// returned unchanged.
std::string key_text(std::string_view s);

// Evolution: the changes from `older` to `newer` that older devices or stored data
// cannot follow (a removed type, field or enum value; a changed field type; a tightened
// bound or length; a new pattern or a field that became required). Empty = compatible.
std::vector<std::string> incompatible_changes(const schema& older, const schema& newer);

}  // namespace sotay::schema
