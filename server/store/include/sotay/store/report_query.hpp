// A whole report out of a store: the figures of an org subtree over a period, rolled up
// by the root's children, with how fresh they are. The HTTP API (GET /api/v1/reports)
// and `sotay-admin report` both answer with this, so they cannot disagree.
#pragma once

#include <cstdint>
#include <sotay/access/org_tree.hpp>
#include <sotay/reports/evaluate.hpp>
#include <sotay/reports/indicators.hpp>
#include <sotay/reports/rollup.hpp>
#include <sotay/store/store.hpp>
#include <string>

namespace sotay::store {

struct report_request {
    std::string root;  // an org unit of `tree`
    reports::period period;
    int stale_after_days = 7;  // freshness: a device is stale after this many days
    std::int64_t now_ms = 0;   // "now" for freshness
};

struct report_result {
    reports::rollup rollup;     // reports::roll_up over store::report_values
    reports::freshness fresh;   // reports::freshness_of over store::device_syncs
    std::uint64_t as_of = 0;    // report_data::as_of
};

// not_found (field "root") when root is not in tree; internal from the store. Reads only
// the facts of root's subtree (scope_filter::of(tree.subtree(root))).
result<report_result> make_report(store& db, const reports::definitions& defs,
                                  const access::org_tree& tree, const report_request& req);

}  // namespace sotay::store
