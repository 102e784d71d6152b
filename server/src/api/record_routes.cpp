// GET /api/v1/quarantine and GET /api/v1/records: reads limited to the caller's subtree.
#include "handlers.hpp"
#include "json_out.hpp"
#include "response.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <charconv>
#include <cstdint>

namespace sotay::server::api {

namespace json = boost::json;

namespace {

// Pages as in the sync protocol: 1000 records or changes of a few hundred bytes each
// are one short SQLite read and a response of a few hundred KiB.
constexpr std::uint64_t max_page = 1000;
constexpr std::uint64_t default_records_page = 500;
constexpr std::uint64_t default_quarantine_page = 100;

// A decimal integer without sign, spaces or leading "+"; nullopt otherwise.
std::optional<std::uint64_t> parse_count(std::string_view text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return n;
}

// ?limit=N: 1..max_page, `fallback` when absent; nullopt when wrong (bad_limit()).
std::optional<std::uint64_t> page_limit(const api_call& call, std::uint64_t fallback) {
    const auto it = call.query.find("limit");
    if (it == call.query.end()) return fallback;
    const auto n = parse_count(it->second);
    if (!n || *n == 0 || *n > max_page) return std::nullopt;
    return n;
}

response bad_limit() {
    return error_response(sync::errc::validation,
                          "limit must be a whole number from 1 to " + std::to_string(max_page),
                          "limit");
}

}  // namespace

response quarantine(api_call& call) {
    const auto limit = page_limit(call, default_quarantine_page);
    if (!limit) return bad_limit();
    json::array changes;
    for (const auto& c : call.ctx.db.quarantine(call.scope, *limit)) {
        changes.emplace_back(change_json(c));
    }
    json::object out;
    out["changes"] = std::move(changes);
    return make_json(http::status::ok, out);
}

response records(api_call& call) {
    const auto limit = page_limit(call, default_records_page);
    if (!limit) return bad_limit();
    // The cursor is the `next` of the previous page: a server_seq, opaque to clients.
    std::uint64_t after = 0;
    if (const auto it = call.query.find("cursor"); it != call.query.end() && !it->second.empty()) {
        const auto n = parse_count(it->second);
        if (!n) {
            return error_response(sync::errc::bad_message,
                                  "cursor must be the \"next\" of an earlier page, unchanged",
                                  "cursor");
        }
        after = *n;
    }
    auto page = call.ctx.db.pull(call.scope, after, *limit);
    if (!page) return error_response(page.error());
    json::array list;
    for (const auto& r : page->records) list.emplace_back(record_json(r));
    json::object out;
    out["records"] = std::move(list);
    out["next"] = std::to_string(page->next);
    out["more"] = page->more;
    return make_json(http::status::ok, out);
}

}  // namespace sotay::server::api
