// The merge: applying one change to one record's state. Pure, deterministic.
//
// Invariants (docs/merge.md states them with the full rule table; tests cite them):
//   M1. Commutative and idempotent on values: the visible state of a record (fields,
//       deleted, org_unit, version) depends only on the SET of changes applied, not on
//       their order. (tests/sync/convergence_test.cpp)
//   M2. Per register, the greatest writer (effective hlc, device_id) wins; ties are
//       impossible between two changes because (device_id, seq) is unique and a device's
//       effective clocks strictly increase (clock_rule.hpp).
//   M3. A write is concurrent with the state it meets when the register was last written
//       by another device at a version above the change's base. A concurrent write of a
//       different value yields exactly one conflict entry per register, whatever the
//       outcome; the merge result is still M2's.
//   M4. version grows by exactly one per applied change, including one whose every
//       write lost.
#pragma once

#include <sotay/sync/error.hpp>
#include <sotay/sync/hlc.hpp>
#include <sotay/sync/record.hpp>
#include <sotay/sync/value.hpp>

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sotay::sync {

// A change as the engine sees it: syntax already checked, clock already made effective.
struct change {
    std::string record;
    std::string type;
    std::string org_unit;
    std::string device_id;
    std::uint64_t seq = 0;
    hlc clock;  // effective clock (clock_rule.hpp), not the device's raw one
    std::uint64_t base = 0;
    field_map set;
    bool del = false;
    // Review decisions only (never from a device's push; the codecs cannot carry them):
    //   restore      writes the `_deleted` register with false, undoing a delete; `set`
    //                may carry fields too.
    //   merged_into  with del: also writes the reserved field `_merged_into` with the id
    //                of the record that survives a duplicate merge (the tombstone points
    //                to it; clients see it among the fields).
    bool restore = false;
    std::string merged_into;
};

// Field names beginning with '_' are reserved for the engine's registers.
inline constexpr std::string_view deleted_field = "_deleted";
inline constexpr std::string_view org_unit_field = "org_unit";
inline constexpr std::string_view merged_into_field = "_merged_into";

struct conflict {
    std::string field;  // a field name, "org_unit", or "_deleted"
    bool won = false;   // did the incoming change's value win?
    value yours;        // value the incoming change carried
    value theirs;       // value the change met, written concurrently by `other`
    writer other;       // who wrote the value the change met
    std::uint64_t other_version = 0;  // the version at which that value was written
    // The value the register holds after the merge.
    const value& kept() const { return won ? yours : theirs; }
    bool operator==(const conflict&) const = default;
};

struct apply_outcome {
    bool created = false;  // the record did not exist before this change
    std::vector<conflict> conflicts;
};

// Applies c to r. `r.id` empty means the record does not exist yet (it is created).
// Fails, leaving r untouched, when c.type differs from the record's type, when `set`
// names a reserved field, or when restore and del are both set.
boost::system::result<apply_outcome, error_info> apply(record_state& r, const change& c);

}  // namespace sotay::sync
