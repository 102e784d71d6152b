// The review queue over HTTP (docs/review.md, docs/api.md): listing with filters and
// pages, scope (store.hpp R3, api.hpp H2), each kind of decision, and the refusals: a
// second decision (R5 conflict), an overtaken item (R5 superseded), bad bodies (H3).
#include "api_fixture.hpp"

#include <boost/json/array.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>
#include <set>
#include <vector>

namespace sotay::api_test {
namespace {

using access::role;
namespace json = boost::json;

constexpr std::int64_t day = 24LL * 3600 * 1000;

// "YYYY-MM-DD" of a time in ms since the epoch, UTC (the API's calendar).
std::string day_of(std::int64_t ms) {
    using namespace std::chrono;
    const year_month_day d{floor<days>(sys_time<milliseconds>{milliseconds{ms}})};
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return text;
}

std::string items_of(const std::string& query = "") {
    return "/api/v1/review/items" + query;
}

std::string item_path(std::int64_t id, const std::string& action = "") {
    return "/api/v1/review/items/" + std::to_string(id) + (action.empty() ? "" : "/" + action);
}

std::set<std::int64_t> ids_of(const response& res) {
    BOOST_TEST_REQUIRE(res.result_int() == 200, res.body());
    std::set<std::int64_t> out;
    // Held in a variable: a range-for over a member of a temporary would dangle.
    const auto body = body_of(res);
    for (const auto& item : body.at("items").as_array()) {
        out.insert(item.as_object().at("item").to_number<std::int64_t>());
    }
    return out;
}

std::string text(const json::value& v) {
    return std::string(v.as_string());
}

std::string field_of(const response& res) {
    const auto body = body_of(res);
    const json::value* f = body.if_contains("field");
    return f != nullptr && f->is_string() ? text(*f) : "";
}

// Officers of the city (LS.TP) and of the district Cao Lộc (LS.CL), each pair with a
// phone, and a reviewer of each: the reviewer of one never sees the other's items.
struct review_fixture : api_fixture {
    review_fixture() : api_fixture(default_schema()) {
        add_user("off_a", role::officer, "LS.TP");
        add_user("off_b", role::officer, "LS.TP");
        add_user("off_x", role::officer, "LS.CL");
        add_user("off_y", role::officer, "LS.CL");
        add_user("rev_tp", role::reviewer, "LS.TP");
        add_user("rev_cl", role::reviewer, "LS.CL");
        a = phone("off_a");
        b = phone("off_b");
        x = phone("off_x");
        y = phone("off_y");
        reviewer = session_of("rev_tp");
        ctx.decided = [this](const store::decision_outcome& d) { told.push_back(d.item.item); };
    }

    std::string phone(const std::string& username) {
        auto d = db->add_device("máy của " + username, username);
        BOOST_REQUIRE(d.has_value());
        return d->device_id;
    }

    sync::record_msg current(const std::string& record) {
        auto r = db->record(record, store::scope_filter::all());
        BOOST_REQUIRE(r.has_value());
        return *r;
    }

    response decide(std::int64_t id, const std::string& action, const std::string& body) {
        return post(item_path(id, action), body, reviewer);
    }

    std::string a, b, x, y;
    std::string reviewer;
    std::vector<std::int64_t> told;  // items whose decision the server was told of
};

}  // namespace

BOOST_AUTO_TEST_SUITE(review_api)

// Listing ----------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(a_reviewer_lists_the_items_of_the_subtree_by_each_filter, review_fixture) {
    const auto field = field_conflict(a, b, "LS.TP.P1");
    const auto deleted = delete_edit(a, b, "LS.TP.P1");
    const auto twin = duplicate(a, b, "LS.TP.P1", "CCCD 001");
    const auto p2 = field_conflict(a, b, "LS.TP.P2");
    const auto elsewhere = field_conflict(x, y, "LS.CL.X1");

    const auto all = get(items_of(), reviewer);
    BOOST_TEST(
        (ids_of(all) == std::set<std::int64_t>{field.item, deleted.item, twin.item, p2.item}));
    const auto listed = body_of(all);
    BOOST_TEST(listed.at("more").as_bool() == false);
    for (const auto& v : listed.at("items").as_array()) {
        const auto& item = v.as_object();
        BOOST_TEST(text(item.at("state")) == "open");
        BOOST_TEST(text(item.at("type")) == "petition");
        BOOST_TEST(item.at("sides").as_array().size() == 2u);
    }

    BOOST_TEST((ids_of(get(items_of("?kind=field"), reviewer)) ==
                std::set<std::int64_t>{field.item, p2.item}));
    BOOST_TEST(
        (ids_of(get(items_of("?kind=duplicate"), reviewer)) == std::set<std::int64_t>{twin.item}));
    BOOST_TEST((ids_of(get(items_of("?kind=delete_edit&state=open"), reviewer)) ==
                std::set<std::int64_t>{deleted.item}));
    BOOST_TEST(ids_of(get(items_of("?state=resolved"), reviewer)).empty());
    BOOST_TEST(ids_of(get(items_of("?type=petition"), reviewer)).size() == 4u);
    BOOST_TEST(ids_of(get(items_of("?type=member"), reviewer)).empty());
    BOOST_TEST((ids_of(get(items_of("?record=" + field.record), reviewer)) ==
                std::set<std::int64_t>{field.item}));
    // A duplicate is about both of its records.
    BOOST_TEST((ids_of(get(items_of("?record=" + twin.other_record), reviewer)) ==
                std::set<std::int64_t>{twin.item}));
    BOOST_TEST(
        (ids_of(get(items_of("?org_unit=LS.TP.P2"), reviewer)) == std::set<std::int64_t>{p2.item}));
    // Blank filters, as a form sends them, filter nothing.
    BOOST_TEST(ids_of(get(items_of("?kind=&state=&org_unit="), reviewer)).size() == 4u);

    // The other district's reviewer sees that district's item alone.
    BOOST_TEST(
        (ids_of(get(items_of(), session_of("rev_cl"))) == std::set<std::int64_t>{elsewhere.item}));
}

BOOST_FIXTURE_TEST_CASE(an_org_unit_outside_the_subtree_is_answered_as_missing, review_fixture) {
    field_conflict(x, y, "LS.CL.X1");
    const auto other = get(items_of("?org_unit=LS.CL"), reviewer);
    const auto ghost = get(items_of("?org_unit=LS.NOWHERE"), reviewer);
    for (const auto* res : {&other, &ghost}) {
        BOOST_TEST(res->result_int() == 404);
        BOOST_TEST(code_of(*res) == "not_found");
        BOOST_TEST(field_of(*res) == "org_unit");
    }
}

BOOST_FIXTURE_TEST_CASE(pages_follow_next_until_more_is_false, review_fixture) {
    std::set<std::int64_t> made;
    for (int i = 0; i < 5; ++i) made.insert(field_conflict(a, b, "LS.TP.P1").item);

    std::set<std::int64_t> seen;
    std::uint64_t after = 0;
    int pages = 0;
    for (bool more = true; more; ++pages) {
        BOOST_TEST_REQUIRE(pages < 10);
        const auto res = get(items_of("?limit=2&after=" + std::to_string(after)), reviewer);
        BOOST_TEST_REQUIRE(res.result_int() == 200);
        const auto body = body_of(res);
        const auto& items = body.at("items").as_array();
        BOOST_TEST(items.size() <= 2u);
        for (const auto& item : items) {
            // Each item once.
            BOOST_TEST(seen.insert(item.as_object().at("item").to_number<std::int64_t>()).second);
        }
        const auto next = body.at("next").to_number<std::uint64_t>();
        BOOST_TEST(next >= after);
        after = next;
        more = body.at("more").as_bool();
    }
    BOOST_TEST(seen == made);
    BOOST_TEST(pages >= 3);
}

BOOST_FIXTURE_TEST_CASE(from_and_to_select_by_the_day_an_item_opened, review_fixture) {
    const auto first = field_conflict(a, b, "LS.TP.P1");
    const std::string first_day = day_of(now_ms);
    now_ms += 2 * day;
    const auto later = field_conflict(a, b, "LS.TP.P1");
    const std::string later_day = day_of(now_ms);
    reviewer = session_of("rev_tp");  // the first one expired meanwhile

    BOOST_TEST((ids_of(get(items_of("?from=" + later_day), reviewer)) ==
                std::set<std::int64_t>{later.item}));
    // `to` is inclusive: the whole of that day.
    BOOST_TEST((ids_of(get(items_of("?to=" + first_day), reviewer)) ==
                std::set<std::int64_t>{first.item}));
    BOOST_TEST((ids_of(get(items_of("?from=" + first_day + "&to=" + first_day), reviewer)) ==
                std::set<std::int64_t>{first.item}));
    BOOST_TEST((ids_of(get(items_of("?from=" + first_day + "&to=" + later_day), reviewer)) ==
                std::set<std::int64_t>{first.item, later.item}));
}

BOOST_FIXTURE_TEST_CASE(bad_filters_are_refused_naming_the_parameter, review_fixture) {
    struct bad {
        std::string query;
        std::string code;
        std::string field;
    };
    const std::vector<bad> cases = {
        {"?kind=fields", "validation", "kind"},
        {"?state=closed", "validation", "state"},
        {"?from=2026-02-30", "validation", "from"},
        {"?from=2026-2-3", "validation", "from"},
        {"?to=yesterday", "validation", "to"},
        {"?from=2026-03-02&to=2026-03-01", "validation", "to"},
        {"?limit=0", "validation", "limit"},
        {"?limit=1001", "validation", "limit"},
        {"?after=-1", "bad_message", "after"},
        {"?type=" + std::string(65, 't'), "validation", "type"},
    };
    for (const auto& c : cases) {
        const auto res = get(items_of(c.query), reviewer);
        BOOST_TEST_CONTEXT(c.query << " -> " << res.body()) {
            BOOST_TEST(res.result_int() == 400);
            BOOST_TEST(code_of(res) == c.code);
            BOOST_TEST(field_of(res) == c.field);
        }
    }
}

// Scope and roles ----------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(an_item_of_another_subtree_is_answered_as_missing, review_fixture) {
    const auto elsewhere = field_conflict(x, y, "LS.CL.X1");
    const auto hidden = get(item_path(elsewhere.item), reviewer);
    const auto ghost = get(item_path(elsewhere.item + 1000), reviewer);
    BOOST_TEST(hidden.result_int() == 404);
    BOOST_TEST(code_of(hidden) == "not_found");
    BOOST_TEST(ghost.result_int() == 404);
    // The same sentence but for the number: the answer tells nothing of the item.
    auto hidden_message = text(body_of(hidden).at("message"));
    const auto ghost_message = text(body_of(ghost).at("message"));
    const auto at = hidden_message.find(std::to_string(elsewhere.item));
    BOOST_TEST_REQUIRE(at != std::string::npos);
    hidden_message.replace(at, std::to_string(elsewhere.item).size(),
                           std::to_string(elsewhere.item + 1000));
    BOOST_TEST(hidden_message == ghost_message);
    BOOST_TEST(get("/api/v1/review/items/abc", reviewer).result_int() == 404);
    BOOST_TEST(get("/api/v1/review/items/0", reviewer).result_int() == 404);

    // Nor may it be decided from outside.
    const auto resolved = decide(elsewhere.item, "resolve", R"({"side":0})");
    BOOST_TEST(resolved.result_int() == 404);
    BOOST_TEST(code_of(resolved) == "not_found");
    BOOST_TEST(
        decide(elsewhere.item, "dismiss", R"({"reason":"không phải việc của tôi"})").result_int() ==
        404);
    BOOST_TEST(db->review_item(elsewhere.item, store::scope_filter::all())->state == "open");
    BOOST_TEST(told.empty());
}

BOOST_FIXTURE_TEST_CASE(roles_without_the_review_permission_are_refused, review_fixture) {
    const auto item = field_conflict(a, b, "LS.TP.P1");
    add_user("admin_ls", role::admin, "LS");
    add_user("auditor_ls", role::auditor, "LS");
    for (const char* user : {"off_a", "admin_ls", "auditor_ls"}) {
        const std::string cookie = session_of(user);
        BOOST_TEST_CONTEXT(user) {
            BOOST_TEST(get(items_of(), cookie).result_int() == 403);
            BOOST_TEST(get(item_path(item.item), cookie).result_int() == 403);
            const auto res = post(item_path(item.item, "resolve"), R"({"side":0})", cookie);
            BOOST_TEST(res.result_int() == 403);
            BOOST_TEST(code_of(res) == "forbidden");
        }
    }
    BOOST_TEST(db->review_item(item.item, store::scope_filter::all())->state == "open");
}

// Show ---------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(show_gives_the_item_and_its_records_as_they_are_now, review_fixture) {
    const auto field = field_conflict(a, b, "LS.TP.P1");
    const auto res = get(item_path(field.item), reviewer);
    BOOST_TEST_REQUIRE(res.result_int() == 200);
    const auto body = body_of(res);
    const auto& item = body.at("item").as_object();
    BOOST_TEST(item.at("item").to_number<std::int64_t>() == field.item);
    BOOST_TEST(text(item.at("kind")) == "field");
    BOOST_TEST(text(item.at("field")) == "status");
    BOOST_TEST(text(item.at("record")) == field.record);
    const auto& sides = item.at("sides").as_array();
    BOOST_TEST_REQUIRE(sides.size() == 2u);
    // [0] the value the later change met (a's), [1] that change's own (b's).
    BOOST_TEST(text(sides[0].as_object().at("value")) == "processing");
    BOOST_TEST(text(sides[1].as_object().at("value")) == "resolved");
    BOOST_TEST(text(sides[0].as_object().at("username")) == "off_a");
    BOOST_TEST(text(sides[1].as_object().at("username")) == "off_b");

    const auto& records = body.at("records").as_array();
    BOOST_TEST_REQUIRE(records.size() == 1u);
    const auto& record = records[0].as_object();
    BOOST_TEST(text(record.at("record")) == field.record);
    BOOST_TEST(text(record.at("fields").as_object().at("status")) ==
               std::get<std::string>(current(field.record).fields.at("status")));

    // A duplicate shows both records.
    const auto twin = duplicate(a, b, "LS.TP.P1", "CCCD 002");
    const auto both = get(item_path(twin.item), reviewer);
    BOOST_TEST_REQUIRE(both.result_int() == 200);
    std::set<std::string> shown;
    const auto both_body = body_of(both);
    for (const auto& r : both_body.at("records").as_array()) {
        shown.insert(text(r.as_object().at("record")));
    }
    BOOST_TEST((shown == std::set<std::string>{twin.record, twin.other_record}));
}

// Decisions ----------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(picking_a_side_writes_its_value_and_tells_the_server, review_fixture) {
    const auto field = field_conflict(a, b, "LS.TP.P1");
    const auto res = decide(field.item, "resolve", R"({"side":0})");
    BOOST_TEST_REQUIRE(res.result_int() == 200, res.body());
    const auto body = body_of(res);
    const auto& item = body.at("item").as_object();
    BOOST_TEST(text(item.at("state")) == "resolved");
    BOOST_TEST(text(item.at("decision")) == "side");
    BOOST_TEST(text(item.at("decided_by")) == "rev_tp");
    BOOST_TEST(text(item.at("chosen")) == "processing");
    BOOST_TEST(body.at("settled").as_array().empty());
    BOOST_TEST_REQUIRE(body.at("records").as_array().size() == 1u);
    BOOST_TEST(text(body.at("records").as_array()[0]) == field.record);

    BOOST_TEST(std::get<std::string>(current(field.record).fields.at("status")) == "processing");
    BOOST_TEST((told == std::vector<std::int64_t>{field.item}));
}

BOOST_FIXTURE_TEST_CASE(entering_a_value_writes_that_value, review_fixture) {
    const auto field = field_conflict(a, b, "LS.TP.P1");
    const auto res = decide(field.item, "resolve", R"({"value":"received"})");
    BOOST_TEST_REQUIRE(res.result_int() == 200, res.body());
    BOOST_TEST(text(body_of(res).at("item").as_object().at("decision")) == "value");
    BOOST_TEST(std::get<std::string>(current(field.record).fields.at("status")) == "received");

    // A value the schema refuses is the store's validation error; nothing is written.
    const auto other = field_conflict(a, b, "LS.TP.P1");
    const auto refused = decide(other.item, "resolve", R"({"value":"lost in the mail"})");
    BOOST_TEST(refused.result_int() == 400);
    BOOST_TEST(code_of(refused) == "validation");
    BOOST_TEST(db->review_item(other.item, store::scope_filter::all())->state == "open");
}

BOOST_FIXTURE_TEST_CASE(restore_brings_a_record_back_and_delete_confirms_it, review_fixture) {
    const auto restored = delete_edit(a, b, "LS.TP.P1");
    const auto res = decide(restored.item, "resolve", R"({"restore":true})");
    BOOST_TEST_REQUIRE(res.result_int() == 200, res.body());
    BOOST_TEST(text(body_of(res).at("item").as_object().at("decision")) == "restore");
    BOOST_TEST(!current(restored.record).deleted);

    const auto confirmed = delete_edit(a, b, "LS.TP.P1");
    const auto del = decide(confirmed.item, "resolve", R"({"delete":true})");
    BOOST_TEST_REQUIRE(del.result_int() == 200, del.body());
    BOOST_TEST(text(body_of(del).at("item").as_object().at("decision")) == "delete");
    BOOST_TEST(current(confirmed.record).deleted);
}

BOOST_FIXTURE_TEST_CASE(merge_keeps_the_survivor_and_points_the_other_to_it, review_fixture) {
    const auto twin = duplicate(a, b, "LS.TP.P1", "CCCD 003");
    const auto res = post(item_path(twin.item, "merge"),
                          R"({"survivor":")" + twin.other_record + R"(","fields":{"status":")" +
                              twin.record + R"("}})",
                          reviewer);
    BOOST_TEST_REQUIRE(res.result_int() == 200, res.body());
    const auto body = body_of(res);
    const auto& item = body.at("item").as_object();
    BOOST_TEST(text(item.at("decision")) == "merge");
    BOOST_TEST(text(item.at("survivor")) == twin.other_record);
    std::set<std::string> written;
    for (const auto& r : body.at("records").as_array()) written.insert(text(r));
    BOOST_TEST(written.count(twin.record) == 1u);

    const auto merged = current(twin.record);
    BOOST_TEST(merged.deleted);
    BOOST_TEST(std::get<std::string>(merged.fields.at("_merged_into")) == twin.other_record);
    BOOST_TEST(!current(twin.other_record).deleted);
    BOOST_TEST(db->follow_merged(twin.record) == twin.other_record);
}

BOOST_FIXTURE_TEST_CASE(dismissing_keeps_the_reason_and_changes_no_record, review_fixture) {
    const auto field = field_conflict(a, b, "LS.TP.P1");
    const auto before = current(field.record);
    const std::string reason = "Hai cán bộ đã thống nhất qua điện thoại";
    const auto res = decide(field.item, "dismiss", R"({"reason":")" + reason + "\"}");
    BOOST_TEST_REQUIRE(res.result_int() == 200, res.body());
    const auto body = body_of(res);
    const auto& item = body.at("item").as_object();
    BOOST_TEST(text(item.at("state")) == "dismissed");
    BOOST_TEST(text(item.at("reason")) == reason);
    BOOST_TEST(body.at("records").as_array().empty());
    BOOST_TEST((current(field.record) == before));
}

// Refusals (R5) -------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(deciding_twice_is_a_conflict, review_fixture) {
    const auto field = field_conflict(a, b, "LS.TP.P1");
    BOOST_TEST_REQUIRE(decide(field.item, "resolve", R"({"side":0})").result_int() == 200);
    const auto again = decide(field.item, "resolve", R"({"side":1})");
    BOOST_TEST(again.result_int() == 409);
    BOOST_TEST(code_of(again) == "conflict");
    BOOST_TEST(!text(body_of(again).at("message")).empty());
    const auto dismissed = decide(field.item, "dismiss", R"({"reason":"muộn rồi"})");
    BOOST_TEST(dismissed.result_int() == 409);
    BOOST_TEST(code_of(dismissed) == "conflict");
    // The first decision stands.
    BOOST_TEST(std::get<std::string>(current(field.record).fields.at("status")) == "processing");
    BOOST_TEST(told.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(an_item_a_newer_edit_overtook_is_superseded, review_fixture) {
    const auto field = field_conflict(a, b, "LS.TP.P1");
    // a edits the field again, having seen the record as it is: not concurrent, no new
    // item, but the item's question is no longer the record's.
    push(a, {change(a, field.record, "LS.TP.P1", current(field.record).version,
                    {{"status", sync::value{"received"}}})});
    const auto shown = get(item_path(field.item), reviewer);
    BOOST_TEST(body_of(shown).at("item").as_object().at("superseded").as_bool());

    const auto res = decide(field.item, "resolve", R"({"side":0})");
    BOOST_TEST(res.result_int() == 409);
    BOOST_TEST(code_of(res) == "superseded");
    BOOST_TEST(std::get<std::string>(current(field.record).fields.at("status")) == "received");
    // Dismissing is what is left to do.
    BOOST_TEST(decide(field.item, "dismiss", R"({"reason":"đã sửa lại"})").result_int() == 200);
}

BOOST_FIXTURE_TEST_CASE(a_decision_settles_the_older_items_about_the_same_field, review_fixture) {
    const auto older = field_conflict(a, b, "LS.TP.P1");
    // a, not having seen b's value, sets the field again: a second conflict on it.
    push(a, {change(a, older.record, "LS.TP.P1", 2, {{"status", sync::value{"received"}}})});
    store::review_query q;
    q.record = older.record;
    q.state = "open";
    std::int64_t newer = 0;
    // Held in a variable: a range-for over a member of a temporary would dangle.
    const auto open = db->review_items(q);
    BOOST_TEST_REQUIRE(open.has_value());
    for (const auto& item : open->items) {
        if (item.item != older.item) newer = item.item;
    }
    BOOST_TEST_REQUIRE(newer != 0);

    const auto res = decide(newer, "resolve", R"({"side":1})");
    BOOST_TEST_REQUIRE(res.result_int() == 200, res.body());
    const auto body = body_of(res);
    const auto& settled = body.at("settled").as_array();
    BOOST_TEST_REQUIRE(settled.size() == 1u);
    BOOST_TEST(settled[0].to_number<std::int64_t>() == older.item);
    const auto was = db->review_item(older.item, store::scope_filter::all());
    BOOST_TEST(was->state == "resolved");
    BOOST_TEST(was->decision == "settled");
    BOOST_TEST(was->settled_by == newer);
}

BOOST_FIXTURE_TEST_CASE(bad_bodies_are_refused_naming_the_member, review_fixture) {
    const auto field = field_conflict(a, b, "LS.TP.P1");
    const auto twin = duplicate(a, b, "LS.TP.P1", "CCCD 004");
    struct bad {
        std::int64_t item;
        std::string action;
        std::string body;
        std::string code;
        std::string field;  // "" = none named
    };
    const std::vector<bad> cases = {
        {field.item, "resolve", "{}", "bad_message", ""},
        {field.item, "resolve", "not json", "bad_message", ""},
        {field.item, "resolve", R"({"side":0,"delete":true})", "bad_message", "delete"},
        {field.item, "resolve", R"({"sides":0})", "bad_message", "sides"},
        {field.item, "resolve", R"({"side":"0"})", "bad_message", "side"},
        {field.item, "resolve", R"({"side":2})", "validation", "side"},
        {field.item, "resolve", R"({"side":null})", "validation", "side"},
        {field.item, "resolve", R"({"value":["resolved"]})", "validation", "value"},
        {field.item, "resolve", R"({"restore":false})", "validation", "restore"},
        {field.item, "resolve", R"({"delete":"yes"})", "bad_message", "delete"},
        {twin.item, "merge", "{}", "bad_message", "survivor"},
        {twin.item, "merge", R"({"survivor":7})", "bad_message", "survivor"},
        {twin.item, "merge", R"({"survivor":"x","fields":["status"]})", "bad_message", "fields"},
        {twin.item, "merge", R"({"survivor":"x","fields":{"status":1}})", "bad_message", "fields"},
        {field.item, "dismiss", "{}", "bad_message", "reason"},
        {field.item, "dismiss", R"({"reason":5})", "bad_message", "reason"},
        {field.item, "dismiss", R"({"reason":""})", "validation", "reason"},
    };
    for (const auto& c : cases) {
        const auto res = decide(c.item, c.action, c.body);
        BOOST_TEST_CONTEXT(c.action << " " << c.body << " -> " << res.body()) {
            BOOST_TEST(res.result_int() == 400);
            BOOST_TEST(code_of(res) == c.code);
            BOOST_TEST(field_of(res) == c.field);
        }
    }
    // Nothing was decided.
    BOOST_TEST(db->review_item(field.item, store::scope_filter::all())->state == "open");
    BOOST_TEST(db->review_item(twin.item, store::scope_filter::all())->state == "open");
    BOOST_TEST(told.empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace sotay::api_test
