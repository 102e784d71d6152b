// A record's state with the clock of every field: what the merge reads and writes.
//
// A record is a last-writer-wins map. Every field, and the two record-level registers
// (the tombstone `deleted` and the `org_unit`), holds the value written by the greatest
// writer: writers are ordered by (effective hlc, device_id). See docs/merge.md.
#pragma once

#include <sotay/sync/hlc.hpp>
#include <sotay/sync/value.hpp>

#include <compare>
#include <cstdint>
#include <map>
#include <string>

namespace sotay::sync {

// Who wrote a register, in merge order. The empty writer (clock 0, device "") sorts
// before every real one.
struct writer {
    hlc clock;
    std::string device_id;
    friend auto operator<=>(const writer&, const writer&) = default;
    friend bool operator==(const writer&, const writer&) = default;
};

struct field_state {
    value v;
    writer w;
    // The record version at which this value was written. A change whose `base` is
    // below it did not see this write: that is what makes two edits concurrent.
    std::uint64_t version = 0;
    bool operator==(const field_state&) const = default;
};

struct record_state {
    std::string id;        // lowercase UUID
    std::string type;      // fixed at creation
    std::uint64_t version = 0;  // number of changes applied to this record
    field_state org_unit;  // v holds a string
    field_state deleted;   // v holds a bool (monostate until a delete is seen)
    std::map<std::string, field_state, std::less<>> fields;  // null v = cleared field

    bool is_deleted() const {
        const bool* d = std::get_if<bool>(&deleted.v);
        return d != nullptr && *d;
    }
    const std::string& org_unit_code() const;
    // What a client sees: the non-null fields.
    field_map visible_fields() const;
    bool operator==(const record_state&) const = default;
};

// Stored form: two texts, so that no value is written twice.
//   fields : encode_fields_json(visible_fields()), the values clients see (and the
//            catch-up sends without touching the clocks);
//   clocks : every register's writer and version, and no values but null markers:
//     {"t":type, "n":version, "d":[device ids, in order of first use],
//      "o":[org_unit, "<hlc>", device index, version],
//      "x":[deleted or null, "<hlc>", device index, version],
//      "f":{"name":["<hlc>", device index, version], "cleared":["<hlc>", i, v, null]}}
//   Devices are listed once per record and named by index: a writer's 36-character id
//   would otherwise be repeated for every field (the store keeps rows small enough to
//   stay in their B-tree page; docs/benchmarks.md).
std::string encode_clocks(const record_state& r);
// Rebuilds the state; false on any malformed or inconsistent input (a corrupt row).
bool decode_record(std::string_view fields_json, std::string_view clocks, const std::string& id,
                   record_state& out);

// The visible fields as a JSON object text, the form sent in `changes` and stored for
// fast catch-up.
std::string encode_fields_json(const field_map& fields);
// Inverse of encode_fields_json; false on malformed text or a non-scalar value.
bool decode_fields_json(std::string_view text, field_map& out);

}  // namespace sotay::sync
