#include <sotay/sync/diff.hpp>
#include <sotay/sync/merge.hpp>

namespace sotay::sync {

std::vector<field_diff> diff(const record_state& before, const record_state& after) {
    std::vector<field_diff> out;
    auto compare = [&out](std::string_view name, const value& b, const value& a) {
        if (!(b == a)) out.push_back(field_diff{std::string(name), b, a});
    };
    compare(org_unit_field, before.org_unit.v, after.org_unit.v);
    compare(deleted_field, before.deleted.v, after.deleted.v);

    // One merge-like walk over both ordered maps: each name once, in byte order. An
    // absent field and a cleared one are both null.
    static const value null_value;
    auto b = before.fields.begin();
    auto a = after.fields.begin();
    while (b != before.fields.end() || a != after.fields.end()) {
        if (a == after.fields.end() || (b != before.fields.end() && b->first < a->first)) {
            compare(b->first, b->second.v, null_value);
            ++b;
        } else if (b == before.fields.end() || a->first < b->first) {
            compare(a->first, null_value, a->second.v);
            ++a;
        } else {
            compare(a->first, b->second.v, a->second.v);
            ++b;
            ++a;
        }
    }
    return out;
}

}  // namespace sotay::sync
