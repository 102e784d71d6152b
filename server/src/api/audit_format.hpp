// The audit history's outside shapes, shared by the HTTP API (audit_routes.cpp) and
// sotay-admin (admin/audit_commands.cpp) so that both print the same entry, timeline
// line, JSONL and CSV (docs/audit.md). Header-only: sotay-admin links the store, not the
// server library.
//
// Entry (JSON): {"seq","hash","at_ms","kind","username","device_id","record","type",
//   "org_unit","detail"}: the stored body's members (audit/entry.hpp) plus its chain hash.
// Timeline entry: an Entry plus "device_hlc" and "device_time_ms" (when the device made
//   the change, by its clock; null for entries not from a device) and "fields"
//   ({register: {"before","after"}}, {} when the entry changed no field).
// JSONL export: one line per entry, {"seq":N,"hash":"<hex>","body":"<the stored body>"}:
//   the body as a JSON string, so that the exact hashed bytes come back out of any JSON
//   parser and each line can be re-hashed by hand (docs/audit.md).
// CSV export (RFC 4180, CRLF line ends, a header row): one row per field an entry
//   changed, one row with empty field/before/after for an entry that changed none.
//   before/after: text values as they are, other values as JSON text (12, true, null).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <sotay/audit/chain.hpp>
#include <sotay/audit/entry.hpp>
#include <sotay/store/store.hpp>
#include <sotay/sync/hlc.hpp>
#include <string>
#include <optional>
#include <string_view>

namespace sotay::audit_format {

// An export is built in memory by the server and read by a person or a spreadsheet: a
// million entries (some hundreds of MB) is years of a province's work; a larger one is
// asked for by subtree or period instead.
inline constexpr std::uint64_t max_export_entries = 1'000'000;

// Entries read from the store per page while exporting or building a timeline (the
// store's own maximum).
inline constexpr std::size_t export_page = 10'000;

enum class export_format { jsonl, csv };

// "jsonl" or "csv"; nullopt for anything else (the caller says so its own way).
inline std::optional<export_format> parse_export_format(std::string_view name) {
    if (name == "jsonl") return export_format::jsonl;
    if (name == "csv") return export_format::csv;
    return std::nullopt;
}

inline boost::json::object entry_json(const store::history_row& r) {
    const auto& e = r.entry;
    // A change's "sent" in full: the stored body names the values "fields" already holds
    // (store.hpp H3); the JSONL export keeps the stored bytes.
    boost::json::object detail = e.detail;
    audit::expand_sent(detail);
    return boost::json::object{{"seq", e.seq},           {"hash", audit::hex(r.hash)},
                               {"at_ms", e.at_ms},       {"kind", e.kind},
                               {"username", e.username}, {"device_id", e.device_id},
                               {"record", e.record},     {"type", e.type},
                               {"org_unit", e.org_unit}, {"detail", std::move(detail)}};
}

// The device's clock reading in a change's detail ("hlc", store.hpp H3), or "".
inline std::string device_hlc_of(const audit::history_entry& e) {
    const auto* v = e.detail.if_contains("hlc");
    if (v == nullptr || !v->is_string()) return {};
    return std::string(v->as_string());
}

inline boost::json::object timeline_entry_json(const store::history_row& r) {
    auto out = entry_json(r);
    const std::string hlc = device_hlc_of(r.entry);
    const auto parsed = sync::parse_hlc(hlc);
    out["device_hlc"] = hlc.empty() ? boost::json::value(nullptr) : boost::json::value(hlc);
    out["device_time_ms"] =
        parsed ? boost::json::value(static_cast<std::int64_t>(parsed->wall_ms)) : nullptr;
    const auto* fields = r.entry.detail.if_contains("fields");
    out["fields"] = fields != nullptr && fields->is_object() ? *fields : boost::json::object{};
    return out;
}

inline std::string jsonl_line(const store::history_row& r) {
    boost::json::object line{
        {"seq", r.entry.seq}, {"hash", audit::hex(r.hash)}, {"body", boost::json::string(r.body)}};
    return boost::json::serialize(line) + "\n";
}

// "2024-05-01T14:03:07.120Z".
inline std::string iso_utc(std::int64_t ms) {
    using namespace std::chrono;
    const sys_time<milliseconds> t{milliseconds{ms}};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<milliseconds> time{t - day};
    char text[40];
    std::snprintf(
        text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
        static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
        static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return text;
}

// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
inline void append_csv_cell(std::string& out, std::string_view cell) {
    if (cell.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += cell;
        return;
    }
    out += '"';
    for (const char c : cell) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

inline constexpr std::string_view csv_header =
    "seq,at,kind,user,device,record,type,org_unit,field,before,after,hash\r\n";

inline std::string csv_value(const boost::json::value* v) {
    if (v == nullptr) return {};
    if (v->is_string()) return std::string(v->as_string());
    return boost::json::serialize(*v);
}

inline void append_csv_rows(std::string& out, const store::history_row& r) {
    const auto& e = r.entry;
    const auto row = [&](std::string_view field, const std::string& before,
                         const std::string& after) {
        const std::string cells[] = {
            std::to_string(e.seq), iso_utc(e.at_ms), e.kind, e.username,
            e.device_id,           e.record,         e.type, e.org_unit,
            std::string(field),    before,           after,  audit::hex(r.hash)};
        bool first = true;
        for (const auto& c : cells) {
            if (!first) out += ',';
            first = false;
            append_csv_cell(out, c);
        }
        out += "\r\n";
    };
    const auto* fields = e.detail.if_contains("fields");
    if (fields == nullptr || !fields->is_object() || fields->as_object().empty()) {
        row("", "", "");
        return;
    }
    for (const auto& [name, change] : fields->as_object()) {
        const auto* c = change.if_object();
        row(name, csv_value(c != nullptr ? c->if_contains("before") : nullptr),
            csv_value(c != nullptr ? c->if_contains("after") : nullptr));
    }
}

// Pages through every entry `q` selects (its after and limit are the walk's own) and
// hands the export's text to `sink` a page at a time: the CSV header first, then the
// rows. too_large, before anything past the cap is built, when more than
// max_export_entries match.
inline store::result<std::uint64_t> export_history(
    store::store& db, store::history_query q, export_format format,
    const std::function<void(std::string_view)>& sink) {
    if (format == export_format::csv) sink(csv_header);
    q.after = 0;
    q.limit = export_page;
    std::uint64_t written = 0;
    while (true) {
        auto page = db.history(q);
        if (!page) return page.error();
        if (written + page->rows.size() > max_export_entries) {
            return sync::error_info{sync::errc::too_large,
                                    "the export would hold more than " +
                                        std::to_string(max_export_entries) +
                                        " entries; export a smaller subtree (org_unit) or a "
                                        "shorter period (from, to)",
                                    std::nullopt};
        }
        std::string text;
        for (const auto& r : page->rows) {
            if (format == export_format::jsonl) {
                text += jsonl_line(r);
            } else {
                append_csv_rows(text, r);
            }
        }
        written += page->rows.size();
        if (!text.empty()) sink(text);
        if (!page->more) return written;
        q.after = page->next;
    }
}

}  // namespace sotay::audit_format
