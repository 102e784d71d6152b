// A rolled-up report as data for the HTTP API (JSON) and the CSV download, every figure
// exact: counts and đồng as integers, ratios as numerator and denominator plus the plain
// percent ("94.3"). Formatting for people (Vietnamese style) is the caller's, from the
// same numbers (format.hpp). Shapes: docs/reports.md, "Output".
#pragma once

#include <boost/json/object.hpp>
#include <sotay/access/org_tree.hpp>
#include <sotay/reports/evaluate.hpp>
#include <sotay/reports/indicators.hpp>
#include <sotay/reports/rollup.hpp>
#include <string>

namespace sotay::reports {

// {"root", "period": {"from", "to"}, "freshness"?, "indicators": [{"id", "label", "lines":
// [{"id", "label", "unit", "total": figure, "breakdown": [{"org_unit", "name", "direct",
// ...figure}]}]}]}; figure = {"value"} or {"numerator", "denominator", "percent"}.
// `fresh` may be null (then no "freshness" member).
boost::json::object to_json(const definitions& defs, const access::org_tree& tree, const rollup& r,
                            const period& p, const freshness* fresh);

// RFC 4180, CRLF line ends, header
// indicator,line,part,org_unit,org_name,value,numerator,denominator,percent
// part = total | child | direct; one row per indicator line and part, total first.
std::string to_csv(const definitions& defs, const access::org_tree& tree, const rollup& r);

}  // namespace sotay::reports
