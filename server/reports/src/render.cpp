// JSON and CSV renderings of a roll-up (render.hpp).
#include <boost/json.hpp>
#include <sotay/reports/format.hpp>
#include <sotay/reports/render.hpp>

namespace sotay::reports {

namespace json = boost::json;

namespace {

json::object label_json(const schema::label& l) {
    return {{"vi", l.vi}, {"en", l.en}};
}

void add_figure(json::object& o, const line_figure& f) {
    if (!f.ratio) {
        o["value"] = f.value;
        return;
    }
    o["numerator"] = f.numerator;
    o["denominator"] = f.denominator;
    // A string: Boost.JSON would print the double 94.3 as 9.43E1, and the text is exact.
    const auto pct = format_percent(f.numerator, f.denominator, style::plain);
    o["percent"] = pct ? json::value(*pct) : json::value(nullptr);
}

std::string unit_name(const line_def& l, const definitions& d) {
    if (l.ratio) return "percent";
    return d.measures.at(l.measure).result_unit == unit::money ? "money" : "count";
}

std::string org_name(const access::org_tree& t, const std::string& code) {
    const auto* u = t.find(code);
    return u ? u->name : "";
}

// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string csv_figure(const line_figure& f) {
    if (!f.ratio) return std::to_string(f.value) + ",,,";
    return "," + std::to_string(f.numerator) + "," + std::to_string(f.denominator) + "," +
           format_percent(f.numerator, f.denominator, style::plain).value_or("");
}

}  // namespace

json::object to_json(const definitions& defs, const access::org_tree& tree, const rollup& r,
                     const period& p, const freshness* fresh) {
    json::object out;
    out["root"] = r.root;
    out["root_name"] = org_name(tree, r.root);
    out["period"] = {{"from", p.from}, {"to", p.to}};
    if (fresh != nullptr) {
        out["freshness"] = {
            {"devices", fresh->devices},
            {"oldest_sync_ms",
             fresh->oldest_sync_ms ? json::value(*fresh->oldest_sync_ms) : json::value(nullptr)},
            {"never_synced", fresh->never_synced},
            {"stale", fresh->stale}};
    }
    json::array inds;
    for (const auto& ind : defs.indicators) {
        json::array lines;
        for (const auto& l : ind.lines) {
            json::object lo{
                {"id", l.id}, {"label", label_json(l.name)}, {"unit", unit_name(l, defs)}};
            json::object total;
            add_figure(total, figure_of(defs, l, r.total));
            lo["total"] = std::move(total);
            json::array parts;
            for (const auto& b : r.lines) {
                json::object po{{"org_unit", b.org_unit},
                                {"name", org_name(tree, b.org_unit)},
                                {"direct", b.direct}};
                add_figure(po, figure_of(defs, l, b.values));
                parts.push_back(std::move(po));
            }
            lo["breakdown"] = std::move(parts);
            lines.push_back(std::move(lo));
        }
        inds.push_back(json::object{
            {"id", ind.id}, {"label", label_json(ind.name)}, {"lines", std::move(lines)}});
    }
    out["indicators"] = std::move(inds);
    return out;
}

std::string to_csv(const definitions& defs, const access::org_tree& tree, const rollup& r) {
    std::string out =
        "indicator,line,part,org_unit,org_name,value,numerator,denominator,percent\r\n";
    for (const auto& ind : defs.indicators) {
        for (const auto& l : ind.lines) {
            auto row = [&](const char* part, const std::string& code,
                           const std::vector<measure_value>& values) {
                out += csv_field(ind.id) + "," + csv_field(l.id) + "," + part + "," +
                       csv_field(code) + "," + csv_field(org_name(tree, code)) + "," +
                       csv_figure(figure_of(defs, l, values)) + "\r\n";
            };
            row("total", r.root, r.total);
            for (const auto& b : r.lines) row(b.direct ? "direct" : "child", b.org_unit, b.values);
        }
    }
    return out;
}

}  // namespace sotay::reports
