// review list / show / resolve / merge / dismiss: the review queue (docs/review.md) for
// an administrator on the server machine, without a browser.
//
// Reading is unscoped (the administrator reads the database itself), narrowed by --org to
// a subtree. A decision is made *as* a reviewer (--as USERNAME): the store applies that
// user's permission and scope (R3, R4) exactly as for the HTTP API, and the decision is
// authored by that user's review device, so history names the person who decided.
//
// --json (or --format json) prints the objects the HTTP API returns: items as
// sync::review_item_to_json, records as its Record, a decision as {item, settled, records}.
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <iostream>
#include <sotay/sync/hlc.hpp>
#include <sotay/sync/json_values.hpp>
#include <string_view>

#include "commands.hpp"
#include "output.hpp"

namespace sotay::admin {

namespace json = boost::json;

namespace {

// The item id operand: a positive whole number, as `review list` shows it.
std::int64_t item_id(const invocation& in, const char* command) {
    const std::string& text = in.operand(0);
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) {
        throw usage_error(std::string(command) +
                          " takes an item id, a whole number as `review list` shows it, not \"" +
                          text + "\"");
    }
    return id;
}

// --NAME's value, which must be one of `allowed`.
std::optional<std::string> one_of(const invocation& in, const char* name,
                                  std::initializer_list<std::string_view> allowed) {
    auto v = in.optional(name);
    if (!v) return v;
    std::string list;
    for (const auto a : allowed) {
        if (*v == a) return v;
        list += (list.empty() ? "" : ", ") + std::string(a);
    }
    throw usage_error("--" + std::string(name) + " must be one of " + list + ", not \"" + *v +
                      "\"");
}

// A field value for people: JSON text, so that "12" (a string) and 12 differ.
std::string value_text(const sync::value& v) {
    return json::serialize(sync::value_to_json(v));
}

// When the device made a change, by its own clock (the hlc's wall-clock part; sync/hlc.hpp),
// or the hlc as stored if it does not parse.
std::string device_time(const std::string& text) {
    const auto h = sync::parse_hlc(text);
    if (!h || h->wall_ms == 0) return text;
    return format_time(static_cast<std::int64_t>(h->wall_ms)) + " (device clock)";
}

// One side in a list cell: what it left and who.
std::string side_cell(const sync::review_item_msg& item, std::size_t i) {
    if (i >= item.sides.size()) return "-";
    const auto& s = item.sides[i];
    std::string what;
    if (item.kind == "duplicate") {
        what = s.record;
    } else if (item.kind == "delete_edit") {
        const auto* deleted = std::get_if<bool>(&s.val);
        what = deleted != nullptr && *deleted ? "deleted" : "edited, kept";
    } else {
        what = value_text(s.val);
    }
    return what + " (" + (s.username.empty() ? s.device_id : s.username) + ")";
}

// What became of an item, in a few words: "-" while open.
std::string decision_cell(const sync::review_item_msg& item) {
    if (item.state == "open") return item.superseded ? "superseded: dismiss it" : "-";
    if (item.decision == "settled") return "settled by item " + std::to_string(item.settled_by);
    const std::string chosen = sync::is_null(item.chosen) ? "" : " " + value_text(item.chosen);
    return item.decision + chosen + " by " + item.decided_by;
}

void print_list(const store::review_page& page) {
    if (page.items.empty()) {
        std::cout << "no review items match\n";
        return;
    }
    table t({"ID", "KIND", "STATE", "TYPE", "RECORD", "FIELD", "SIDE 0", "SIDE 1", "DECISION",
             "OPENED"});
    for (const auto& item : page.items) {
        t.add({std::to_string(item.item), item.kind, item.state, item.type, item.record,
               item.field.empty() ? "-" : item.field, side_cell(item, 0), side_cell(item, 1),
               decision_cell(item), format_time(item.created_ms)});
    }
    t.print(std::cout);
    if (page.more) {
        std::cout << "more items: add --after " << page.next << " for the next page\n";
    }
}

// The full story of one item, for `review show`.
void print_item(const sync::review_item_msg& item) {
    static const std::map<std::string, std::string, std::less<>> kinds{
        {"field", "field conflict"},
        {"delete_edit", "delete versus edit"},
        {"duplicate", "possible duplicate"}};
    const auto kind = kinds.find(item.kind);
    std::cout << "item " << item.item << ": " << (kind == kinds.end() ? item.kind : kind->second)
              << " on " << item.type << " " << item.record << " (" << item.org_unit << "), "
              << item.state
              << (item.state == "open" && item.superseded
                      ? " but superseded: a newer edit overtook it; dismiss it"
                      : "")
              << "\n";
    if (item.kind == "duplicate") {
        std::cout << "  same natural key as " << item.other_record << " (" << item.other_org_unit
                  << "): " << item.natural_key << "\n";
    } else {
        std::cout << "  field: " << item.field << "\n";
    }
    std::cout << "  opened " << format_time(item.created_ms) << " at record version "
              << item.version << "\n";
    for (std::size_t i = 0; i < item.sides.size(); ++i) {
        const auto& s = item.sides[i];
        std::cout << "  side " << i << ": ";
        if (item.kind == "duplicate") {
            std::cout << "created " << s.record;
        } else if (item.kind == "delete_edit") {
            const auto* deleted = std::get_if<bool>(&s.val);
            std::cout << (deleted != nullptr && *deleted ? "deleted" : "kept it (edited)");
        } else {
            std::cout << value_text(s.val);
        }
        std::cout << " by " << (s.username.empty() ? "-" : s.username) << " on device "
                  << s.device_id << ", change " << s.seq << ", made " << device_time(s.device_hlc)
                  << ", received " << format_time(s.received_ms) << "\n";
    }
    if (item.state == "open") return;
    std::cout << "  " << item.state << " by " << (item.decided_by.empty() ? "-" : item.decided_by)
              << " on " << format_time(item.decided_ms) << ": " << item.decision;
    if (item.decision == "settled") std::cout << " by item " << item.settled_by;
    if (!sync::is_null(item.chosen))
        std::cout << ", " << item.field << " = " << value_text(item.chosen);
    if (!item.survivor.empty()) std::cout << ", survivor " << item.survivor;
    if (!item.reason.empty()) std::cout << ", reason: " << item.reason;
    std::cout << "\n";
}

void print_record(const sync::record_msg& r) {
    std::cout << "record " << r.record << " (" << r.type << ", " << r.org_unit << ", version "
              << r.version << (r.deleted ? ", deleted" : "") << ")\n";
    for (const auto& [name, v] : r.fields)
        std::cout << "  " << name << " = " << value_text(v) << "\n";
}

// Applies a decision and prints what it did.
int decide(const invocation& in, store::review_decision d) {
    d.username = in.required("as");
    d.via = "sotay-admin";
    auto r = in.db().decide(d);
    if (!r) fail(r.error());
    if (in.json()) {
        json::array settled;
        for (const auto id : r->settled) settled.push_back(id);
        json::array records;
        for (const auto& id : r->records) records.push_back(json::string(id));
        print_json(json::object{{"item", sync::review_item_to_json(r->item)},
                                {"settled", std::move(settled)},
                                {"records", std::move(records)}});
        return 0;
    }
    const auto& item = r->item;
    std::cout << "item " << item.item << " " << item.state << " by " << item.decided_by << ": "
              << item.decision;
    if (!sync::is_null(item.chosen))
        std::cout << ", " << item.field << " = " << value_text(item.chosen);
    if (!item.survivor.empty()) std::cout << ", survivor " << item.survivor;
    std::cout << "\n";
    for (const auto id : r->settled) std::cout << "  also settled item " << id << "\n";
    for (const auto& id : r->records) std::cout << "  changed record " << id << "\n";
    if (!r->records.empty()) std::cout << "devices in scope receive it at their next sync\n";
    return 0;
}

}  // namespace

int review_list(const invocation& in) {
    store::review_query q;
    q.scope = scope_of(in);
    q.kind = one_of(in, "kind", {"field", "delete_edit", "duplicate"});
    q.state = one_of(in, "state", {"open", "resolved", "dismissed"});
    q.type = in.optional("type");
    q.record = in.optional("record");
    if (const auto from = in.optional("from")) q.from_ms = day_start_ms(*from, "from");
    // --to is inclusive: items opened before the end of that day.
    constexpr std::int64_t day_ms = 24 * 60 * 60 * 1000;
    if (const auto to = in.optional("to")) q.to_ms = day_start_ms(*to, "to") + day_ms;
    q.after = static_cast<std::uint64_t>(in.integer("after", 0, 0, INT64_MAX));
    // 1..1000 as in the store and the HTTP API: a page, not an export.
    q.limit = static_cast<std::size_t>(in.integer("limit", 100, 1, 1000));
    auto page = in.db().review_items(q);
    if (!page) fail(page.error());
    if (in.json()) {
        json::array items;
        for (const auto& item : page->items) items.push_back(sync::review_item_to_json(item));
        print_json(
            json::object{{"items", std::move(items)}, {"next", page->next}, {"more", page->more}});
    } else {
        print_list(*page);
    }
    return 0;
}

// The old `conflicts` (before issue 6 there were only field conflicts): the same list.
int conflicts_alias(const invocation& in) {
    std::cerr << "sotay-admin: `conflicts` is now `review list` (same options); showing that\n";
    return review_list(in);
}

int review_show(const invocation& in) {
    const auto id = item_id(in, "review show");
    const auto scope = scope_of(in);
    auto item = in.db().review_item(id, scope);
    if (!item) fail(item.error());
    // The records as they are now, so that the sides can be compared with the present.
    std::vector<sync::record_msg> records;
    for (const auto* rid : {&item->record, &item->other_record}) {
        if (rid->empty()) continue;
        if (auto r = in.db().record(*rid, scope)) records.push_back(std::move(*r));
    }
    if (in.json()) {
        json::array out;
        for (const auto& r : records) out.push_back(record_json(r));
        print_json(
            json::object{{"item", sync::review_item_to_json(*item)}, {"records", std::move(out)}});
        return 0;
    }
    print_item(*item);
    for (const auto& r : records) print_record(r);
    return 0;
}

int review_resolve(const invocation& in) {
    store::review_decision d;
    d.item = item_id(in, "review resolve");
    const int chosen = static_cast<int>(in.optional("side").has_value()) +
                       static_cast<int>(in.optional("value").has_value()) +
                       static_cast<int>(in.flag("restore")) + static_cast<int>(in.flag("delete"));
    if (chosen != 1) {
        throw usage_error(
            "review resolve needs exactly one of --side 0|1, --value JSON, --restore, --delete");
    }
    if (in.optional("side")) {
        d.action = store::review_action::pick_side;
        d.side = static_cast<int>(in.integer("side", 0, 0, 1));
    } else if (const auto text = in.optional("value")) {
        d.action = store::review_action::enter_value;
        boost::system::error_code ec;
        const auto v = json::parse(*text, ec);
        // A bare word is taken as a string: --value processing means "processing".
        const json::value parsed = ec ? json::value(json::string(*text)) : v;
        const auto value = sync::value_from_json(parsed);
        if (!value) {
            throw usage_error(
                "--value must be one JSON value: null, true, 12, 1.5 or \"text\" (a bare word "
                "is text), not \"" +
                *text + "\"");
        }
        d.value = *value;
    } else if (in.flag("restore")) {
        d.action = store::review_action::restore;
    } else {
        d.action = store::review_action::confirm_delete;
    }
    return decide(in, std::move(d));
}

int review_merge(const invocation& in) {
    store::review_decision d;
    d.item = item_id(in, "review merge");
    d.action = store::review_action::merge;
    d.survivor = in.required("survivor");
    for (const auto& take : in.many("take")) {
        const auto eq = take.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == take.size()) {
            throw usage_error(
                "--take must be FIELD=RECORD (the record whose value the survivor "
                "keeps), not \"" +
                take + "\"");
        }
        const auto field = take.substr(0, eq);
        if (!d.take.emplace(field, take.substr(eq + 1)).second) {
            throw usage_error("--take names field \"" + field + "\" twice");
        }
    }
    return decide(in, std::move(d));
}

int review_dismiss(const invocation& in) {
    store::review_decision d;
    d.item = item_id(in, "review dismiss");
    d.action = store::review_action::dismiss;
    d.reason = in.required("reason");
    return decide(in, std::move(d));
}

}  // namespace sotay::admin
