// GET /api/v1/reports/indicators and /api/v1/reports: the programme's figures
// (docs/reports.md) over the caller's subtree, as JSON or a CSV download (permission
// view_reports: officers, reviewers and auditors; admins manage and never see figures
// made of records).
//
// Scope (H2): a report's root must lie in the caller's subtree; any other unit, known or
// not, is answered 404 like a unit that does not exist. The figures of a root are those
// of its whole subtree, so a root inside the caller's subtree never shows anything
// outside it.
//
// The figures come from store::make_report, the same call sotay-admin report makes, so
// the two cannot disagree. It refreshes the store's facts first (store.hpp F2): right
// after a large import the first report can take seconds.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <sotay/reports/evaluate.hpp>
#include <sotay/reports/indicators.hpp>
#include <sotay/reports/render.hpp>
#include <sotay/schema/schema.hpp>
#include <sotay/store/report_query.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "handlers.hpp"
#include "query.hpp"
#include "response.hpp"

namespace sotay::server::api {

namespace json = boost::json;

namespace {

using sync::errc;

// Freshness: a device that has not synced for this many days makes a figure stale. A week
// is the rhythm of a commune's work; ten years is more than any device lives.
constexpr std::uint64_t default_stale_days = 7;
constexpr std::uint64_t max_stale_days = 3650;

// Longer than any org unit code or indicator id: echoed back cut to this.
constexpr std::size_t max_echo = 64;

std::string echo(std::string_view text) {
    return std::string(text.substr(0, max_echo));
}

response no_definitions() {
    return error_response(errc::internal, "the server was started without indicator definitions");
}

json::object label_json(const schema::label& l) {
    return {{"vi", l.vi}, {"en", l.en}};
}

// As render.hpp names a line's unit.
std::string_view unit_name(const reports::definitions& defs, const reports::line_def& l) {
    if (l.ratio) return "percent";
    return defs.measures.at(l.measure).result_unit == reports::unit::money ? "money" : "count";
}

// "a, b, c": the ids a person may ask for.
std::string known_ids(const reports::definitions& defs) {
    std::string out;
    for (const auto& ind : defs.indicators) {
        if (!out.empty()) out += ", ";
        out += ind.id;
    }
    return out;
}

// The period: year=YYYY, or from and to (both days YYYY-MM-DD, inclusive), never both.
std::optional<response> read_period(const api_call& call, reports::period& p) {
    const auto year = query_value(call, "year");
    const auto from = query_value(call, "from");
    const auto to = query_value(call, "to");
    if (year && (from || to)) {
        return error_response(errc::validation, "give either year or from and to, not both",
                              "year");
    }
    if (year) {
        const auto n = parse_count(*year);
        const auto whole =
            n && *n <= 9999 ? reports::year_period(static_cast<int>(*n)) : std::nullopt;
        if (!whole) {
            return error_response(errc::validation,
                                  "year must be a year written YYYY, such as 2022 (1 to 9999)",
                                  "year");
        }
        p = *whole;
        return std::nullopt;
    }
    if (!from && !to) {
        return error_response(errc::validation,
                              "give the period: year=YYYY, or from=YYYY-MM-DD and to=YYYY-MM-DD",
                              "year");
    }
    if (!from || !to) {
        const char* missing = from ? "to" : "from";
        return error_response(errc::validation,
                              std::string(missing) +
                                  " is missing: a period needs both from and to (YYYY-MM-DD), or "
                                  "year instead",
                              missing);
    }
    // Cut before the library echoes them: a prefix of a text longer than a date is still
    // not a date, so the answer is the same.
    auto checked = reports::make_period(echo(*from), echo(*to));
    if (!checked.value) {
        const char* field = schema::is_date(*from) ? "to" : "from";
        return error_response(errc::validation, std::move(checked.error.message), field);
    }
    p = std::move(*checked.value);
    return std::nullopt;
}

// ?indicator=a&indicator=b or ?indicator=a,b: the definitions with only those indicators,
// in the definitions' order (measures unchanged, so the store's values still index them).
// None named: all of them.
std::optional<response> read_indicators(const api_call& call, const reports::definitions& all,
                                        reports::definitions& chosen) {
    // api_call::query keeps only the first of a repeated name: read them all here.
    std::set<std::string, std::less<>> wanted;
    const auto url = boost::urls::parse_origin_form(call.req.target());
    if (url) {
        for (const auto& param : url->params()) {
            if (param.key != "indicator") continue;
            std::string_view rest = param.value;
            while (!rest.empty()) {
                const auto comma = rest.find(',');
                const std::string_view id = rest.substr(0, comma);
                if (!id.empty()) wanted.emplace(id);
                rest =
                    comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            }
        }
    }
    chosen = all;
    if (wanted.empty()) return std::nullopt;
    for (const auto& id : wanted) {
        if (all.find_indicator(id) == nullptr) {
            return error_response(
                errc::validation,
                "there is no indicator \"" + echo(id) + "\"; the indicators are: " + known_ids(all),
                "indicator");
        }
    }
    std::erase_if(chosen.indicators,
                  [&](const reports::indicator_def& ind) { return !wanted.contains(ind.id); });
    return std::nullopt;
}

std::optional<response> read_stale_days(const api_call& call, int& days) {
    days = static_cast<int>(default_stale_days);
    const auto text = query_value(call, "stale_days");
    if (!text) return std::nullopt;
    const auto n = parse_count(*text);
    if (!n || *n == 0 || *n > max_stale_days) {
        return error_response(
            errc::validation,
            "stale_days must be a whole number of days from 1 to " + std::to_string(max_stale_days),
            "stale_days");
    }
    days = static_cast<int>(*n);
    return std::nullopt;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Org unit codes are letters, digits, '.', '_' and '-' (access::valid_org_code) and dates
// digits and '-', so the name needs no quoting; anything else is replaced all the same,
// since it goes into a header.
std::string download_name(const std::string& root, const reports::period& p) {
    std::string name = "sotay-report-" + root + "-" + p.from + "-" + p.to + ".csv";
    for (char& c : name) {
        const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!plain) c = '_';
    }
    return name;
}

}  // namespace

response report_indicators(api_call& call) {
    const auto& defs = call.ctx.settings.indicators;
    if (!defs) return no_definitions();
    json::array indicators;
    for (const auto& ind : defs->indicators) {
        json::array lines;
        for (const auto& l : ind.lines) {
            lines.push_back(json::object{
                {"id", l.id}, {"label", label_json(l.name)}, {"unit", unit_name(*defs, l)}});
        }
        indicators.push_back(json::object{
            {"id", ind.id}, {"label", label_json(ind.name)}, {"lines", std::move(lines)}});
    }
    return make_json(http::status::ok, json::object{{"version", defs->version},
                                                    {"indicators", std::move(indicators)}});
}

response report(api_call& call) {
    const auto& defs = call.ctx.settings.indicators;
    if (!defs) return no_definitions();

    // Parameters first, each refused with its name; the root last, so that a malformed
    // request says what is malformed rather than that the unit is unknown.
    const std::string format = query_value(call, "format").value_or("json");
    if (format != "json" && format != "csv") {
        return error_response(errc::validation, "format must be json or csv", "format");
    }
    reports::period p;
    if (auto bad = read_period(call, p)) return std::move(*bad);
    reports::definitions chosen;
    if (auto bad = read_indicators(call, *defs, chosen)) return std::move(*bad);
    int stale_days = 0;
    if (auto bad = read_stale_days(call, stale_days)) return std::move(*bad);

    const std::string root = query_value(call, "root").value_or(call.user->org_unit);
    if (!call.scope.contains(root)) {
        return error_response(
            errc::not_found, "there is no org unit \"" + echo(root) + "\" in your part of the tree",
            "root");
    }

    // One snapshot for the figures and the names: the tree they were rolled up over.
    const store::org_snapshot tree = call.ctx.db.org_tree();
    auto made = store::make_report(call.ctx.db, *defs, *tree.tree, {root, p, stale_days, now_ms()});
    if (!made) return error_response(made.error());

    if (format == "csv") {
        response res{http::status::ok, 11};
        res.body() = reports::to_csv(chosen, *tree.tree, made->rollup);
        res.set(http::field::content_type, "text/csv; charset=utf-8");
        res.set(http::field::content_disposition,
                "attachment; filename=\"" + download_name(root, p) + "\"");
        res.set(http::field::cache_control, "no-store");
        res.prepare_payload();
        return res;
    }
    json::object out = reports::to_json(chosen, *tree.tree, made->rollup, p, &made->fresh);
    out["as_of"] = made->as_of;
    out["stale_days"] = stale_days;
    return make_json(http::status::ok, out);
}

}  // namespace sotay::server::api
