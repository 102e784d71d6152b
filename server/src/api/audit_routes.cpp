// GET /api/v1/audit/history, /audit/records/{id}/timeline, /audit/export and /audit/head:
// the tamper-evident history (docs/audit.md) for auditors and administrators
// (permission read_history).
//
// Scope (H2): entries about records are listed when the record's org unit is in the
// caller's subtree; entries about no record (logins, user and device actions) only for a
// caller placed at the top of the whole tree, who is answerable for all of it.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <sotay/audit/signing.hpp>
#include <sotay/sync/json_values.hpp>
#include <string>
#include <string_view>

#include "audit_format.hpp"
#include "handlers.hpp"
#include "query.hpp"
#include "response.hpp"

namespace sotay::server::api {

namespace json = boost::json;

namespace {

using sync::errc;

constexpr std::uint64_t default_history_page = 100;

// One record's story is a few hundred entries even after years; more than this is not a
// timeline anyone reads, and bounds the response.
constexpr std::size_t max_timeline_entries = 100'000;

// The caller's scope for history: everything when their subtree is the whole tree (so
// that entries about no record are theirs to read), else their subtree.
store::scope_filter history_scope(const api_call& call) {
    const auto roots = call.ctx.db.org_tree().tree->roots();
    if (roots.size() == 1 && roots.front() == call.user->org_unit) {
        return store::scope_filter::all();
    }
    return call.scope;
}

// org_unit, from and to (days, to inclusive, as for the review list) into q.
std::optional<response> read_range(const api_call& call, store::history_query& q) {
    q.scope = history_scope(call);
    return read_unit_and_days(call, q.scope, q.from_ms, q.to_ms);
}

std::optional<response> read_filters(const api_call& call, store::history_query& q) {
    if (auto bad = read_range(call, q)) return bad;
    for (const auto& [name, slot] :
         {std::pair{"record", &q.record}, std::pair{"user", &q.username},
          std::pair{"device", &q.device_id}, std::pair{"kind", &q.kind}}) {
        *slot = query_value(call, name);
        if (*slot && (*slot)->size() > max_filter_length) {
            return error_response(errc::validation,
                                  std::string(name) + " is longer than any " + name + " (" +
                                      std::to_string(max_filter_length) + " bytes at most)",
                                  std::string(name));
        }
    }
    if (const auto after = query_value(call, "after")) {
        const auto n = parse_count(*after);
        if (!n) {
            return error_response(errc::bad_message,
                                  "after must be the \"next\" of an earlier page, unchanged",
                                  "after");
        }
        q.after = *n;
    }
    const auto limit = page_limit(call, default_history_page);
    if (!limit) return bad_limit();
    q.limit = static_cast<std::size_t>(*limit);
    return std::nullopt;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

response audit_history(api_call& call) {
    store::history_query q;
    if (auto bad = read_filters(call, q)) return std::move(*bad);
    auto page = call.ctx.db.history(q);
    if (!page) return error_response(page.error());
    json::array entries;
    for (const auto& r : page->rows) entries.emplace_back(audit_format::entry_json(r));
    return page_response("entries", std::move(entries), page->next, page->more);
}

response audit_timeline(api_call& call) {
    const std::string& record = call.params.at(0);
    const auto missing = [&] {
        return error_response(errc::not_found,
                              "there is no history of record \"" + record.substr(0, 64) +
                                  "\" in your part of the tree",
                              "id");
    };
    if (record.size() > max_filter_length) return missing();

    store::history_query q;
    q.record = record;
    q.scope = call.scope;
    q.limit = audit_format::export_page;
    json::array entries;
    while (true) {
        auto page = call.ctx.db.history(q);
        if (!page) return error_response(page.error());
        for (const auto& r : page->rows) {
            entries.emplace_back(audit_format::timeline_entry_json(r));
        }
        if (entries.size() > max_timeline_entries) {
            return error_response(errc::too_large,
                                  "this record has more than " +
                                      std::to_string(max_timeline_entries) +
                                      " history entries; read them page by page with "
                                      "GET /api/v1/audit/history?record=",
                                  "id");
        }
        if (!page->more) break;
        q.after = page->next;
    }
    if (entries.empty()) return missing();

    // Its review items, with their decisions (review_item_to_json carries them).
    store::review_query rq;
    rq.scope = call.scope;
    rq.record = record;
    rq.limit = static_cast<std::size_t>(max_page);
    json::array items;
    while (true) {
        auto page = call.ctx.db.review_items(rq);
        if (!page) return error_response(page.error());
        for (const auto& item : page->items) items.emplace_back(sync::review_item_to_json(item));
        if (!page->more) break;
        rq.after = page->next;
    }
    json::object out;
    out["record"] = record;
    out["entries"] = std::move(entries);
    out["review_items"] = std::move(items);
    return make_json(http::status::ok, out);
}

response audit_export(api_call& call) {
    const auto format_name = query_value(call, "format").value_or("jsonl");
    const auto parsed = audit_format::parse_export_format(format_name);
    if (!parsed) return error_response(errc::validation, "format must be jsonl or csv", "format");
    const auto format = *parsed;
    store::history_query q;
    if (auto bad = read_range(call, q)) return std::move(*bad);

    response res{http::status::ok, 11};
    std::string& body = res.body();
    auto done = audit_format::export_history(call.ctx.db, q, format,
                                             [&](std::string_view text) { body += text; });
    if (!done) return error_response(done.error());
    const bool csv = format == audit_format::export_format::csv;
    res.set(http::field::content_type,
            csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8");
    res.set(http::field::content_disposition, csv ? "attachment; filename=\"sotay-audit.csv\""
                                                  : "attachment; filename=\"sotay-audit.jsonl\"");
    res.set(http::field::cache_control, "no-store");
    res.prepare_payload();
    return res;
}

response audit_head(api_call& call) {
    const auto& key = call.ctx.settings.audit_key;
    if (!key) {
        return error_response(errc::internal,
                              "this server has no audit key, so it cannot sign a head; start it "
                              "with --audit-key");
    }
    const auto [seq, hash] = call.ctx.db.history_head();
    return make_json(http::status::ok, audit::to_json(key->sign(seq, hash, now_ms())));
}

}  // namespace sotay::server::api
