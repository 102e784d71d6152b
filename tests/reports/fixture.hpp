// Shared by the reports tests: the real schema and indicator files, a small org tree and
// a way to write records in a line each.
#pragma once

#include <sotay/access/org_tree.hpp>
#include <sotay/reports/evaluate.hpp>
#include <sotay/reports/indicators.hpp>
#include <sotay/reports/rollup.hpp>
#include <sotay/schema/schema.hpp>
#include <sotay/sync/value.hpp>
#include <string>
#include <vector>

namespace sotay::reports::test {

inline const schema::schema& real_schema() {
    static const auto s = schema::load_schema_file(SOTAY_SOURCE_DIR "/schema/default.json");
    return s;
}

inline const definitions& real_definitions() {
    static const auto d =
        load_definitions_file(SOTAY_SOURCE_DIR "/schema/indicators.json", real_schema());
    return d;
}

inline sync::value str(const char* s) {
    return std::string(s);
}
inline sync::value num(std::int64_t n) {
    return n;
}

struct owned_record {
    std::string type, org_unit;
    sync::field_map fields;
    bool deleted = false;
};

inline std::vector<record_view> views(const std::vector<owned_record>& records) {
    std::vector<record_view> out;
    for (const auto& r : records) out.push_back({r.type, r.org_unit, &r.fields, r.deleted});
    return out;
}

// The figure of one line of one indicator from a set of measure values.
inline line_figure figure(const std::vector<measure_value>& values, const char* indicator,
                          const char* line) {
    const auto& d = real_definitions();
    const auto* ind = d.find_indicator(indicator);
    if (ind == nullptr) throw std::runtime_error(std::string("no indicator ") + indicator);
    for (const auto& l : ind->lines)
        if (l.id == line) return figure_of(d, l, values);
    throw std::runtime_error(std::string("no line ") + line + " in " + indicator);
}

}  // namespace sotay::reports::test
