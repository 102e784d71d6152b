// GET /api/v1/review/items, GET /api/v1/review/items/{id} and
// POST /api/v1/review/items/{id}/{resolve,merge,dismiss}: the review queue
// (docs/review.md) for the reviewers of a subtree.
//
// Reads go through the store with the caller's scope, which hides items whose records lie
// outside it (R3): such an item is answered 404 like one that does not exist (H2).
// Decisions go to store::decide with the caller's username; the store checks permission
// and scope again inside its transaction, so a role or move committed meanwhile cannot
// slip between the router's check and the write.
#include "body.hpp"
#include "handlers.hpp"
#include "json_out.hpp"
#include "query.hpp"
#include "response.hpp"

#include <sotay/sync/json_values.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <optional>
#include <string_view>

namespace sotay::server::api {

namespace json = boost::json;

namespace {

using sync::errc;

constexpr std::uint64_t default_review_page = 100;

constexpr std::array<std::string_view, 3> kinds = {"field", "delete_edit", "duplicate"};
constexpr std::array<std::string_view, 3> states = {"open", "resolved", "dismissed"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& names, std::string_view s) {
    return std::find(names.begin(), names.end(), s) != names.end();
}

response no_such_item(const std::string& id) {
    return error_response(
        errc::not_found,
        "there is no review item " + id.substr(0, 64) + " in your part of the tree", "id");
}

// The filters of GET /api/v1/review/items into q; an error response when one is wrong.
std::optional<response> read_filters(const api_call& call, store::review_query& q) {
    q.scope = call.scope;
    q.kind = query_value(call, "kind");
    if (q.kind && !one_of(kinds, *q.kind)) {
        return error_response(errc::validation, "kind must be field, delete_edit or duplicate",
                              "kind");
    }
    q.state = query_value(call, "state");
    if (q.state && !one_of(states, *q.state)) {
        return error_response(errc::validation, "state must be open, resolved or dismissed",
                              "state");
    }
    const auto too_long = [](const char* name) {
        return error_response(errc::validation,
                              std::string(name) + " is longer than any " + name + " (" +
                                  std::to_string(max_filter_length) + " bytes at most)",
                              name);
    };
    q.type = query_value(call, "type");
    if (q.type && q.type->size() > max_filter_length) return too_long("type");
    q.record = query_value(call, "record");
    if (q.record && q.record->size() > max_filter_length) return too_long("record");

    if (auto bad = read_unit_and_days(call, q.scope, q.from_ms, q.to_ms)) return std::move(*bad);

    if (const auto after = query_value(call, "after")) {
        const auto n = parse_count(*after);
        if (!n) {
            return error_response(errc::bad_message,
                                  "after must be the \"next\" of an earlier page, unchanged",
                                  "after");
        }
        q.after = *n;
    }
    const auto limit = page_limit(call, default_review_page);
    if (!limit) return bad_limit();
    q.limit = static_cast<std::size_t>(*limit);
    return std::nullopt;
}

// The {id} of the path: a positive item id, or nullopt (answered no_such_item).
std::optional<std::int64_t> item_id(const api_call& call) {
    const auto n = parse_count(call.params.at(0));
    if (!n || *n == 0 || *n > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(*n);
}

// Runs a decision for the caller and answers {item, settled, records}; the store's
// refusals (not_found, conflict, superseded, validation) are answered as they are.
response decide(api_call& call, std::int64_t id, store::review_decision d) {
    d.item = id;
    d.username = call.user->username;
    d.via = "api";
    d.address = call.address;
    auto outcome = call.ctx.db.decide(d);
    if (!outcome) return error_response(outcome.error());

    // Committed: the answer below is owed whatever a listener does.
    if (call.ctx.decided) {
        try {
            call.ctx.decided(*outcome);
        } catch (const std::exception& e) {
            spdlog::error("review decision listener threw: {}", e.what());
        }
    }
    json::array settled;
    for (const std::int64_t other : outcome->settled) settled.emplace_back(other);
    json::array records;
    for (const std::string& r : outcome->records) records.emplace_back(r);
    json::object out;
    out["item"] = sync::review_item_to_json(outcome->item);
    out["settled"] = std::move(settled);
    out["records"] = std::move(records);
    return make_json(http::status::ok, out);
}

// A "must be true" member of the resolve body ({"restore":true}, {"delete":true}).
std::optional<response> must_be_true(body_reader& body, std::string_view name,
                                     const char* instead) {
    const auto flag = body.optional_boolean(name);
    if (body.error()) return error_response(*body.error());
    if (flag != true) {
        return error_response(errc::validation, std::string(name) + " must be true; " + instead,
                              std::string(name));
    }
    return std::nullopt;
}

}  // namespace

response list_review_items(api_call& call) {
    store::review_query q;
    if (auto bad = read_filters(call, q)) return std::move(*bad);
    auto page = call.ctx.db.review_items(q);
    if (!page) return error_response(page.error());
    json::array items;
    for (const auto& item : page->items) items.emplace_back(sync::review_item_to_json(item));
    return page_response("items", std::move(items), page->next, page->more);
}

response show_review_item(api_call& call) {
    const auto id = item_id(call);
    if (!id) return no_such_item(call.params.at(0));
    auto item = call.ctx.db.review_item(*id, call.scope);
    if (!item) {
        if (item.error().code == errc::not_found) return no_such_item(call.params.at(0));
        return error_response(item.error());
    }
    // The records as they are now, beside the sides as they were: what the reviewer
    // compares before deciding. Both lie in scope (R3) unless one moved out since.
    json::array records;
    for (const std::string* r : {&item->record, &item->other_record}) {
        if (r->empty()) continue;
        auto current = call.ctx.db.record(*r, call.scope);
        if (current) records.emplace_back(record_json(*current));
    }
    json::object out;
    out["item"] = sync::review_item_to_json(*item);
    out["records"] = std::move(records);
    return make_json(http::status::ok, out);
}

response resolve_review_item(api_call& call) {
    body_reader body(call.req.body(), {"side", "value", "restore", "delete"});
    if (body.error()) return error_response(*body.error());
    const auto id = item_id(call);
    if (!id) return no_such_item(call.params.at(0));

    // Exactly one way of resolving; a second one is named so the caller sees which.
    const auto& given = body.present();
    if (given.size() != 1) {
        return error_response(
            errc::bad_message, "the body must hold exactly one of side, value, restore or delete",
            given.size() > 1 ? std::optional<std::string>(given[1]) : std::nullopt);
    }
    store::review_decision d;
    const std::string_view how = given.front();
    if (how == "side") {
        const auto side = body.optional_integer("side");
        if (body.error()) return error_response(*body.error());
        if (side != 0 && side != 1) {
            return error_response(errc::validation,
                                  "side must be 0 or 1: the index of the side to keep", "side");
        }
        d.action = store::review_action::pick_side;
        d.side = static_cast<int>(*side);
    } else if (how == "value") {
        auto value = sync::value_from_json(*body.member("value"));
        if (!value) {
            return error_response(errc::validation,
                                  "value must be one field value: text, a number, true, "
                                  "false or null",
                                  "value");
        }
        d.action = store::review_action::enter_value;
        d.value = std::move(*value);
    } else if (how == "restore") {
        if (auto bad = must_be_true(body, "restore", "to keep the delete send {\"delete\":true}")) {
            return std::move(*bad);
        }
        d.action = store::review_action::restore;
    } else {
        if (auto bad = must_be_true(body, "delete", "to bring it back send {\"restore\":true}")) {
            return std::move(*bad);
        }
        d.action = store::review_action::confirm_delete;
    }
    return decide(call, *id, std::move(d));
}

response merge_review_item(api_call& call) {
    body_reader body(call.req.body(), {"survivor", "fields"});
    store::review_decision d;
    d.survivor = body.string("survivor");
    d.take = body.string_map("fields");
    if (body.error()) return error_response(*body.error());
    const auto id = item_id(call);
    if (!id) return no_such_item(call.params.at(0));
    d.action = store::review_action::merge;
    return decide(call, *id, std::move(d));
}

response dismiss_review_item(api_call& call) {
    body_reader body(call.req.body(), {"reason"});
    store::review_decision d;
    d.reason = body.string("reason");
    if (body.error()) return error_response(*body.error());
    const auto id = item_id(call);
    if (!id) return no_such_item(call.params.at(0));
    d.action = store::review_action::dismiss;
    return decide(call, *id, std::move(d));
}

}  // namespace sotay::server::api
