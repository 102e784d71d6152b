// GET /api/v1/quarantine and GET /api/v1/records: reads limited to the caller's subtree.
#include "handlers.hpp"
#include "json_out.hpp"
#include "query.hpp"
#include "response.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>

namespace sotay::server::api {

namespace json = boost::json;

namespace {

constexpr std::uint64_t default_records_page = 500;
constexpr std::uint64_t default_quarantine_page = 100;

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
    return page_response("records", std::move(list), json::string(std::to_string(page->next)),
                         page->more);
}

}  // namespace sotay::server::api
