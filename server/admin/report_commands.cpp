// report: the programme's figures for an org subtree and a period, broken down by the
// root's children (issue 8, docs/reports.md). The figures come from store::make_report,
// as the HTTP API's do, so the terminal and the browser cannot disagree.
//
// Four renderings of the same numbers:
//   (default)  for people: Vietnamese labels and numbers (4.662; 94,3%; 719,69 triệu
//              đồng), dates dd/mm/yyyy, columns aligned by what a terminal shows;
//              --lang en switches the labels only.
//   --plain    the same layout with plain numbers (4662; 94.3; 719690000) and ISO dates,
//              for grep and diff: stable whatever the locale.
//   --csv      exactly the CSV download (reports::to_csv).
//   --json     reports::to_json plus "as_of", as GET /api/v1/reports answers.
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sotay/reports/format.hpp>
#include <sotay/reports/render.hpp>
#include <sotay/schema/schema.hpp>
#include <sotay/store/report_query.hpp>

#include "commands.hpp"
#include "output.hpp"

namespace sotay::admin {

namespace json = boost::json;

namespace {

enum class rendering { people, plain, csv, json };

// 4 MiB: the shipped schema and definitions are tens of KiB; anything far larger is the
// wrong file, refused before it is read into memory.
constexpr std::uintmax_t max_definition_file_bytes = 4u << 20;

// A file named by an option, else an environment variable, else installed next to the
// program; `what` says which in errors.
struct data_file {
    const char* option;
    const char* env;
    const char* file_name;
    const char* what;
};
constexpr data_file schema_file{"schema", "SOTAY_SCHEMA", "default.json", "record schema"};
constexpr data_file indicators_file{"indicators", "SOTAY_INDICATORS", "indicators.json",
                                    "indicator definitions"};

std::string path_of(const invocation& in, const data_file& f) {
    if (auto given = in.optional(f.option)) return *given;
    const char* env = std::getenv(f.env);
    if (env != nullptr && *env != '\0') return env;
    return schema::file_next_to_program(f.file_name, in.argv0());
}

// not_found when the file is missing, too_large past the bound; the loader reads it then.
void check_readable(const std::string& path, const data_file& f) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        fail(sync::errc::not_found, "cannot read the " + std::string(f.what) + " " + path + ": " +
                                        ec.message() + "; give --" + f.option + " PATH or set " +
                                        f.env);
    }
    if (size > max_definition_file_bytes) {
        fail(sync::errc::too_large, path + " is " + std::to_string(size) + " bytes; the " + f.what +
                                        " file is at most 4 MiB");
    }
}

reports::definitions load_definitions(const invocation& in) {
    const auto schema_path = path_of(in, schema_file);
    const auto defs_path = path_of(in, indicators_file);
    check_readable(schema_path, schema_file);
    check_readable(defs_path, indicators_file);
    try {
        const auto s = schema::load_schema_file(schema_path);
        return reports::load_definitions_file(defs_path, s);
    } catch (const schema::load_error& e) {
        fail(sync::errc::validation, e.what());
    } catch (const reports::load_error& e) {
        fail(sync::errc::validation, e.what());
    }
}

// --year Y, or --from and --to (both inclusive); usage_error otherwise.
reports::period period_of(const invocation& in) {
    const auto from = in.optional("from");
    const auto to = in.optional("to");
    if (in.optional("year")) {
        if (from || to) throw usage_error("give --year or --from and --to, not both");
        const auto year = static_cast<int>(in.integer("year", 0, 1930, 2100));
        return *reports::year_period(year);
    }
    if (!from && !to) {
        throw usage_error("report needs a period: --year YYYY, or --from DATE --to DATE");
    }
    if (!from || !to) {
        throw usage_error(
            "report needs both ends of the period: --from DATE --to DATE (both inclusive)");
    }
    auto p = reports::make_period(*from, *to);
    if (!p.value) throw usage_error(p.error.message);
    return *p.value;
}

rendering rendering_of(const invocation& in) {
    const int chosen = static_cast<int>(in.flag("plain")) + static_cast<int>(in.flag("csv")) +
                       static_cast<int>(in.json());
    if (chosen > 1) throw usage_error("choose one of --plain, --csv and --json");
    if (in.flag("plain")) return rendering::plain;
    if (in.flag("csv")) return rendering::csv;
    if (in.json()) return rendering::json;
    return rendering::people;
}

// --lang: true for English labels. CSV and JSON carry both languages, so it is refused
// there rather than silently ignored.
bool english(const invocation& in, rendering r) {
    const auto lang = in.optional("lang");
    if (!lang) return false;
    if (*lang != "vi" && *lang != "en") {
        throw usage_error("--lang must be vi or en, not \"" + *lang + "\"");
    }
    if (r == rendering::csv || r == rendering::json) {
        throw usage_error(
            "--lang chooses the labels of the text output; --csv and --json "
            "carry both languages");
    }
    return *lang == "en";
}

// The definitions to show: all, or the indicators --indicator names (in file order).
// Measures are kept whole, so the roll-up's values still index them.
reports::definitions shown_indicators(const invocation& in, const reports::definitions& defs) {
    const auto wanted = in.many("indicator");
    if (wanted.empty()) return defs;
    for (const auto& id : wanted) {
        if (defs.find_indicator(id) != nullptr) continue;
        std::string known;
        for (const auto& ind : defs.indicators) known += (known.empty() ? "" : ", ") + ind.id;
        throw usage_error("no indicator \"" + id + "\"; the indicators are: " + known);
    }
    reports::definitions shown = defs;
    std::erase_if(shown.indicators, [&](const reports::indicator_def& ind) {
        return std::find(wanted.begin(), wanted.end(), ind.id) == wanted.end();
    });
    return shown;
}

// The report's root: --org, else the tree's only root.
std::string root_of(const invocation& in, const access::org_tree& tree) {
    if (const auto code = in.optional("org")) {
        if (tree.find(*code) == nullptr) {
            fail(sync::errc::not_found,
                 "no org unit \"" + *code +
                     "\" in the org tree; `sotay-admin org list` shows the codes");
        }
        return *code;
    }
    const auto roots = tree.roots();
    if (roots.empty()) {
        fail(sync::errc::not_found,
             "the org tree is empty; load one with `sotay-admin org import FILE`");
    }
    if (roots.size() > 1) {
        std::string list;
        for (const auto& r : roots) list += (list.empty() ? "" : ", ") + r;
        throw usage_error("the org tree has " + std::to_string(roots.size()) + " roots (" + list +
                          "); choose one with --org CODE");
    }
    return roots.front();
}

// Brings the facts table up to date before the report reads it (store.hpp F2). The first
// report after new definitions, or after many new records, computes the facts of every
// record: on a province that takes a while, so it says how far it is, on a terminal after
// every chunk and in a log at most every few seconds once it has taken that long.
void refresh_facts(store::store& db, const reports::definitions& defs) {
    using clock = std::chrono::steady_clock;
    constexpr auto quiet_for = std::chrono::seconds(2);
    const bool terminal = ::isatty(STDERR_FILENO) == 1;
    auto next_line = clock::now() + quiet_for;
    bool spoke = false;
    const auto progress = [&](std::uint64_t done, std::uint64_t total) {
        const auto now = clock::now();
        if (!terminal && now < next_line) return;
        next_line = now + quiet_for;
        std::cerr << (terminal ? "\r" : "") << "sotay-admin: computing report facts: " << done
                  << " of " << total << " records" << (terminal ? "" : "\n") << std::flush;
        spoke = true;
    };
    auto r = db.refresh_report_facts(defs, progress);
    if (spoke && terminal) std::cerr << "\n";
    if (!r) fail(r.error());
}

// Text in the chosen language.
struct words {
    const char* report;
    const char* period;
    const char* as_of;
    const char* direct_at;
};
constexpr words vietnamese{"Báo cáo số liệu", "Kỳ báo cáo", "Số liệu tính đến", "trực tiếp tại"};
constexpr words english_words{"Report", "Period", "Data as of", "directly at"};

// "2024-03-05" as 05/03/2024 for people; plain keeps ISO.
std::string day_text(const std::string& iso, reports::style s) {
    if (s == reports::style::plain || iso.size() != 10) return iso;
    return iso.substr(8, 2) + "/" + iso.substr(5, 2) + "/" + iso.substr(0, 4);
}

// The local calendar day of a time, as day_text writes it.
std::string sync_day(std::int64_t ms, reports::style s) {
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm local{};
    if (::localtime_r(&t, &local) == nullptr) return std::to_string(ms) + " ms";
    char text[16];
    const auto n = std::strftime(text, sizeof text, "%Y-%m-%d", &local);
    return day_text(std::string(text, n), s);
}

std::string freshness_text(const reports::freshness& f, int stale_days, bool en, reports::style s) {
    const auto n = [&](std::size_t v) {
        return reports::format_count(static_cast<std::int64_t>(v), s);
    };
    if (f.devices == 0) {
        return en ? "no devices in this subtree" : "không có thiết bị nào trong phạm vi này";
    }
    if (!f.oldest_sync_ms) {
        return en ? "none of the " + n(f.devices) + " devices has synced yet"
                  : "chưa thiết bị nào trong " + n(f.devices) + " thiết bị đồng bộ";
    }
    std::string text = sync_day(*f.oldest_sync_ms, s);
    if (en) {
        text += " (the oldest last sync of " + n(f.devices) +
                (f.devices == 1 ? " device); " : " devices); ") + n(f.stale) +
                (f.stale == 1 ? " device" : " devices") + " not synced for over " +
                std::to_string(stale_days) + (stale_days == 1 ? " day" : " days");
        if (f.never_synced > 0) text += ", " + n(f.never_synced) + " of them never";
    } else {
        text += " (lần đồng bộ cũ nhất của " + n(f.devices) + " thiết bị); " + n(f.stale) +
                " thiết bị chưa đồng bộ quá " + std::to_string(stale_days) + " ngày";
        if (f.never_synced > 0) text += ", trong đó " + n(f.never_synced) + " chưa đồng bộ lần nào";
    }
    return text;
}

// One line's figure: the number, and for a ratio its parts ("149/158").
struct figure_cells {
    std::string figure, parts;
};

figure_cells figure_text(const reports::line_figure& f, reports::style s) {
    if (f.ratio) {
        const auto pct = reports::format_percent(f.numerator, f.denominator, s);
        return {pct.value_or("-"), reports::format_count(f.numerator, s) + "/" +
                                       reports::format_count(f.denominator, s)};
    }
    if (f.value_unit == reports::unit::money) return {reports::format_money(f.value, s), ""};
    return {reports::format_count(f.value, s), ""};
}

// The indicators as rows of (label, figure, parts): an indicator's label alone, each line
// indented by two with its total, each breakdown row by four.
struct row {
    std::string label;
    figure_cells cells;
};

void print_rows(const std::vector<row>& rows) {
    std::size_t label_w = 0, figure_w = 0;
    for (const auto& r : rows) {
        label_w = std::max(label_w, display_width(r.label));
        figure_w = std::max(figure_w, display_width(r.cells.figure));
    }
    for (const auto& r : rows) {
        std::string text = r.label;
        if (!r.cells.figure.empty()) {
            // Figures right-aligned in one column, so that digits line up.
            text.append(
                label_w - display_width(r.label) + 2 + figure_w - display_width(r.cells.figure),
                ' ');
            text += r.cells.figure;
            if (!r.cells.parts.empty()) text += "  " + r.cells.parts;
        }
        std::cout << text << "\n";
    }
}

void print_text(const reports::definitions& defs, const access::org_tree& tree,
                const store::report_result& report, const reports::period& p, int stale_days,
                bool en, reports::style s) {
    const words& w = en ? english_words : vietnamese;
    const auto name_of = [&](const std::string& code) {
        const auto* u = tree.find(code);
        return u != nullptr ? u->name : code;
    };
    const auto& r = report.rollup;
    std::cout << w.report << ": " << name_of(r.root) << " (" << r.root << ")\n"
              << w.period << ": " << day_text(p.from, s) << " – " << day_text(p.to, s) << "\n"
              << w.as_of << ": " << freshness_text(report.fresh, stale_days, en, s) << "\n";

    std::vector<row> rows;
    for (const auto& ind : defs.indicators) {
        rows.push_back({"", {}});  // a blank line before each indicator
        rows.push_back({en ? ind.name.en : ind.name.vi, {}});
        for (const auto& l : ind.lines) {
            rows.push_back({"  " + (en ? l.name.en : l.name.vi),
                            figure_text(reports::figure_of(defs, l, r.total), s)});
            for (const auto& b : r.lines) {
                const auto label = b.direct ? std::string(w.direct_at) + " " + name_of(b.org_unit)
                                            : name_of(b.org_unit);
                rows.push_back(
                    {"    " + label, figure_text(reports::figure_of(defs, l, b.values), s)});
            }
        }
    }
    print_rows(rows);
}

}  // namespace

int report_show(const invocation& in) {
    // Usage first: a mistake on the command line is reported before any file is read.
    const auto period = period_of(in);
    const auto how = rendering_of(in);
    const bool en = english(in, how);
    const auto stale_days = static_cast<int>(in.integer("stale-days", 7, 1, 3650));

    const auto defs = load_definitions(in);
    const auto shown = shown_indicators(in, defs);
    const auto snapshot = in.db().org_tree();
    const auto& tree = *snapshot.tree;
    const auto root = root_of(in, tree);

    refresh_facts(in.db(), defs);
    store::report_request req;
    req.root = root;
    req.period = period;
    req.stale_after_days = stale_days;
    req.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
    auto report = store::make_report(in.db(), defs, tree, req);
    if (!report) fail(report.error());

    switch (how) {
        case rendering::csv:
            std::cout << reports::to_csv(shown, tree, report->rollup);
            break;
        case rendering::json: {
            auto out = reports::to_json(shown, tree, report->rollup, period, &report->fresh);
            out["as_of"] = report->as_of;
            print_json(out);
            break;
        }
        case rendering::plain:
            print_text(shown, tree, *report, period, stale_days, en, reports::style::plain);
            break;
        case rendering::people:
            print_text(shown, tree, *report, period, stale_days, en, reports::style::vietnamese);
            break;
    }
    return 0;
}

}  // namespace sotay::admin
