// The merge rule table (docs/merge.md has it with examples):
//
//   incoming \ register | never written | written by same device | by another device,
//                       |               |                        | version <= base | version > base
//   --------------------+---------------+------------------------+-----------------+-----------------
//   set f = v           | write         | LWW                    | LWW             | LWW + conflict if values differ
//   delete              | write `true`  | LWW                    | LWW             | LWW + one `_deleted` conflict
//   (every change)      | org_unit register written by the same LWW rule as a field
//   set on a deleted    | the fields merge as above (nothing is lost; a restore shows them),
//   record              | the record stays deleted; a `_deleted` conflict if the delete was
//                       | concurrent (its version > base, another device)
//
// LWW = the greater writer (effective hlc, device_id) keeps its value (M2).
#include <sotay/sync/merge.hpp>

namespace sotay::sync {
namespace {

// M3: the register was written by another device after the version the author saw.
bool concurrent_with(const field_state& f, const change& c) {
    return !f.w.device_id.empty() && f.w.device_id != c.device_id && f.version > c.base;
}

}  // namespace

boost::system::result<apply_outcome, error_info> apply(record_state& r, const change& c) {
    for (const auto& [name, v] : c.set) {
        if (!name.empty() && name.front() == '_')
            return error_info{errc::validation,
                              "field names beginning with '_' are reserved (" + name + ")", name};
    }
    if (c.restore && c.del)
        return error_info{errc::validation, "a change cannot both delete and restore", "delete"};
    if (!c.merged_into.empty() && !c.del)
        return error_info{errc::validation, "merged_into comes only with a delete", "merged_into"};
    if (!r.id.empty() && r.type != c.type) {
        return error_info{errc::validation,
                          "record " + r.id + " is a " + r.type + ", not a " + c.type, "type"};
    }

    apply_outcome out;
    if (r.id.empty()) {
        r.id = c.record;
        r.type = c.type;
        out.created = true;
    }
    const writer me{c.clock, c.device_id};
    const std::uint64_t version = r.version + 1;  // M4

    // One register, one rule: LWW, plus a conflict entry when concurrent and different.
    auto write = [&](std::string_view name, field_state& f, const value& incoming) {
        const bool wins = f.w < me;
        if (concurrent_with(f, c) && f.v != incoming) {
            out.conflicts.push_back(conflict{std::string(name), wins, incoming, f.v, f.w, f.version});
        }
        if (wins) {
            f.v = incoming;
            f.w = me;
            f.version = version;
        }
    };

    write(org_unit_field, r.org_unit, value{c.org_unit});

    if (c.del) {
        // Delete versus a concurrent edit of any field: one conflict for the record.
        const field_state* edited = nullptr;
        for (const auto& [name, f] : r.fields) {
            if (concurrent_with(f, c) && (edited == nullptr || edited->w < f.w)) edited = &f;
        }
        const writer other = edited ? edited->w : writer{};
        const std::uint64_t other_version = edited ? edited->version : 0;
        const bool wins = r.deleted.w < me;
        if (edited != nullptr) {
            // The side met is the live, edited record.
            out.conflicts.push_back(conflict{std::string(deleted_field), wins, value{true},
                                             value{false}, other, other_version});
        }
        if (wins) r.deleted = field_state{value{true}, me, version};
        // The merge tombstone's pointer is a register like any field (M1 holds for it).
        if (!c.merged_into.empty())
            write(merged_into_field, r.fields[std::string(merged_into_field)], value{c.merged_into});
    } else if (c.restore) {
        // A reviewer's restore: the tombstone register is written with false by the same
        // rule, so it undoes exactly the deletes it is newer than.
        write(deleted_field, r.deleted, value{false});
        for (const auto& [name, v] : c.set) write(name, r.fields[name], v);
    } else {
        // An edit meeting a concurrent delete: the record stays deleted, the edit's
        // values are still merged so that a restore brings them back.
        if (r.is_deleted() && concurrent_with(r.deleted, c)) {
            out.conflicts.push_back(conflict{std::string(deleted_field), false, value{false},
                                             value{true}, r.deleted.w, r.deleted.version});
        }
        for (const auto& [name, v] : c.set) write(name, r.fields[name], v);
    }

    r.version = version;
    return out;
}

}  // namespace sotay::sync
