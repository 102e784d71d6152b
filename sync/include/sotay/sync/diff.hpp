// What one change did to a record, register by register: the before/after of the history.
//
// Pure and deterministic, like the merge: the same two states always give the same list
// in the same order, so a history entry that stores it is the same bytes every time.
#pragma once

#include <sotay/sync/record.hpp>
#include <sotay/sync/value.hpp>

#include <string>
#include <vector>

namespace sotay::sync {

// One register whose value differs. `name` is "org_unit" (org_unit_field), "_deleted"
// (deleted_field) or a field name; a register that does not exist, or a cleared field,
// is null (std::monostate) on that side.
struct field_diff {
    std::string name;
    value before;
    value after;
    bool operator==(const field_diff&) const = default;
};

// Every register whose VALUE differs between `before` and `after`, in this order:
// org_unit, _deleted, then the fields by name (byte order, as record_state keeps them).
// Writers, clocks and versions are not compared: a write of the same value is no
// difference. A record that did not exist before is diffed from an empty record_state,
// so its creation lists each field it was created with (org_unit among them).
//
// Values compare as the merge compares them (std::variant ==): the integer 2 and the
// number 2.0 differ, and so do null and false on the tombstone (never deleted, and
// restored after a delete, are different histories).
std::vector<field_diff> diff(const record_state& before, const record_state& after);

}  // namespace sotay::sync
