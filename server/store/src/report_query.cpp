// A whole report out of any store (report_query.hpp): the store's per-unit figures of
// the root's subtree, rolled up by the pure library, with the freshness of the devices
// that feed them. Nothing here knows SQL.
#include <sotay/store/report_query.hpp>

#include <stdexcept>

namespace sotay::store {

result<report_result> make_report(store& db, const reports::definitions& defs,
                                  const access::org_tree& tree, const report_request& req) {
    if (tree.find(req.root) == nullptr)
        return sync::error_info{sync::errc::not_found,
                                "there is no org unit " + req.root +
                                    " in the org tree; pick a code from the tree (sotay-admin "
                                    "org list)",
                                std::string("root")};
    // Only the subtree's facts are read (R5 would ignore the rest anyway).
    const auto scope = scope_filter::of(tree.subtree(req.root));
    auto data = db.report_values(defs, req.period, scope);
    if (!data) return data.error();
    report_result out;
    try {
        out.rollup = reports::roll_up(defs, tree, req.root, data->values);
    } catch (const std::overflow_error&) {
        // Each unit's sums fit (report_values checked); their total over the subtree not.
        return sync::error_info{sync::errc::internal,
                                "a figure of " + req.root +
                                    " leaves the 64-bit range when its units are added up; "
                                    "look for wrong amounts in its records",
                                std::nullopt};
    }
    const auto devices = db.device_syncs(scope);
    out.fresh = reports::freshness_of(tree, req.root, devices, req.now_ms, req.stale_after_days);
    out.as_of = data->as_of;
    return out;
}

}  // namespace sotay::store
