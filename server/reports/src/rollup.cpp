// Roll-up over the org tree (rules R1-R5 in rollup.hpp).
#include <sotay/reports/rollup.hpp>

namespace sotay::reports {

namespace {

bool any_nonzero(const std::vector<measure_value>& v) {
    for (const auto& m : v)
        if (m.value != 0) return true;
    return false;
}

}  // namespace

rollup roll_up(const definitions& defs, const access::org_tree& tree, std::string_view root,
               const unit_values& values) {
    const std::size_t n = defs.measures.size();
    rollup out;
    out.root = std::string(root);
    out.total.assign(n, {});
    if (tree.find(root) == nullptr) return out;
    // R1: each child's subtree; walk the child's units and add what was counted there.
    for (const auto& child : tree.children(root)) {
        breakdown_line line{child, false, std::vector<measure_value>(n)};
        for (const auto& code : tree.subtree(child))
            if (const auto it = values.find(code); it != values.end())
                accumulate(line.values, it->second, defs);
        out.lines.push_back(std::move(line));
    }
    // R2: the root's own records.
    if (const auto it = values.find(root); it != values.end() && any_nonzero(it->second))
        out.lines.push_back({std::string(root), true, it->second});
    // R3: the total is the sum (or union) of the lines.
    for (const auto& line : out.lines) accumulate(out.total, line.values, defs);
    return out;
}

line_figure figure_of(const definitions& defs, const line_def& line,
                      const std::vector<measure_value>& values) {
    line_figure f;
    f.ratio = line.ratio;
    if (line.ratio) {  // R4: from the summed parts
        f.numerator = values.at(line.numerator).value;
        f.denominator = values.at(line.denominator).value;
    } else {
        f.value = values.at(line.measure).value;
        f.value_unit = defs.measures.at(line.measure).result_unit;
    }
    return f;
}

freshness freshness_of(const access::org_tree& tree, std::string_view root,
                       std::span<const device_sync> devices, std::int64_t now_ms,
                       int stale_after_days) {
    freshness f;
    const std::int64_t cutoff = now_ms - std::int64_t{stale_after_days} * 86'400'000;
    for (const auto& d : devices) {
        if (!tree.contains(root, d.org_unit)) continue;
        ++f.devices;
        if (!d.last_sync_ms) {
            ++f.never_synced;
            ++f.stale;
            continue;
        }
        if (!f.oldest_sync_ms || *d.last_sync_ms < *f.oldest_sync_ms)
            f.oldest_sync_ms = d.last_sync_ms;
        if (*d.last_sync_ms < cutoff) ++f.stale;
    }
    return f;
}

}  // namespace sotay::reports
