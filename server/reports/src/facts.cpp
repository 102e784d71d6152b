// Facts (facts.hpp): the evaluator's rules, split into what depends on the record alone
// (stored) and what depends on the report's period (the window).
#include <cstdio>
#include <sotay/reports/facts.hpp>
#include <stdexcept>

#include "record_rules.hpp"

namespace sotay::reports {

void facts_of(const definitions& defs, const record_view& r, std::vector<fact>& out) {
    for (std::size_t i = 0; i < defs.measures.size(); ++i) {
        const auto& m = defs.measures[i];
        if (!detail::passes(m, r)) continue;
        const auto at = detail::time_position(m, *r.fields);
        if (!at) continue;
        const auto* v = detail::aggregated_value(m, *r.fields);
        if (v == nullptr) continue;
        fact f{i, *at, 1, {}};
        if (m.agg == aggregate::sum) f.value = std::get<std::int64_t>(*v);
        if (m.agg == aggregate::count_distinct) f.key = detail::distinct_key(*v);
        out.push_back(std::move(f));
    }
}

window window_of(const measure_def& m, const period& p) {
    switch (m.period) {
        case period_kind::none:
            return {0, 0};
        case period_kind::date:
            return {detail::date_number(p.from), detail::date_number(p.to)};
        case period_kind::year:
            break;
    }
    return {p.from_year(), p.to_year()};
}

namespace {

std::vector<measure_value>& row_of(unit_values& into, const definitions& defs,
                                   std::string_view org_unit) {
    auto it = into.find(org_unit);
    if (it == into.end())
        it = into.emplace(std::string(org_unit), std::vector<measure_value>(defs.measures.size()))
                 .first;
    return it->second;
}

}  // namespace

void add_total(unit_values& into, const definitions& defs, std::string_view org_unit,
               std::size_t measure, std::int64_t value) {
    auto& mv = row_of(into, defs, org_unit).at(measure);
    if (__builtin_add_overflow(mv.value, value, &mv.value))
        throw std::overflow_error("reports: a sum left the 64-bit range");
}

void add_key(unit_values& into, const definitions& defs, std::string_view org_unit,
             std::size_t measure, std::string key) {
    auto& mv = row_of(into, defs, org_unit).at(measure);
    mv.keys.insert(std::move(key));
    mv.value = static_cast<std::int64_t>(mv.keys.size());
}

std::string fingerprint(const definitions& defs) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx-r%d",
                  static_cast<unsigned long long>(defs.content_hash), facts_rule_version);
    return buf;
}

}  // namespace sotay::reports
