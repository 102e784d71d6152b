// The review queue end to end (issue 6, docs/review.md): two officers of one commune work
// offline on real `sotay` devices and make every kind of review item; they sync; the
// district's reviewer lists the items through the HTTP API (or sotay-admin) and decides
// each; both devices sync again and hold exactly what the server holds.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "api_support.hpp"
#include "cli_support.hpp"

namespace json = boost::json;
using namespace sotay;
using namespace sotay::e2e;

namespace {

constexpr const char* officer_a = "canbo.a";
constexpr const char* officer_b = "canbo.b";
constexpr const char* reviewer = "xetduyet.tp";  // the district's reviewer (LS.TP)
constexpr const char* reviewer_password = "mật khẩu xét duyệt";

// One citizen's petitioner id as two officers typed it: A in lower case (NFC), B in
// capitals with the marks as separate code points (NFD, as some keyboards send them).
// Equal once trimmed, case-folded and NFC-normalised: the same natural key.
const std::string petitioner_a = "nguyễn thị hoa 1975";
const std::string petitioner_b =
    "  NGUYE\xCC\x82\xCC\x83N THI\xCC\xA3 HOA 1975";  // Ễ = E+U+0302+U+0303, Ị = I+U+0323
// received_on of the duplicated petition only: counting by it counts that petition.
constexpr const char* duplicate_day = "2023-06-15";

std::string text(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string field_text(const json::object& record, const char* field) {
    return text(record.at("fields").as_object(), field);
}

// Two officers' devices in commune LS.TP.P1 (default_org_unit), the district reviewer
// with a password for the API, and an observer device that sees the whole tree (the
// test user at LS) to read the server's records as a device receives them.
struct two_officers {
    server_process server;
    device_credentials observer;
    cli_device a;
    cli_device b;

    two_officers() {
        server.add_user(officer_a, "officer", default_org_unit);
        server.add_user(officer_b, "officer", default_org_unit);
        server.add_user(reviewer, "reviewer", "LS.TP", reviewer_password);
        observer = server.add_device("observer");
        a.init(server.port(), server.add_device("điện thoại A", officer_a));
        b.init(server.port(), server.add_device("điện thoại B", officer_b));
        // The schema comes with the first sync: the devices check entries against it.
        a.ok({"sync"});
        b.ok({"sync"});
    }

    // A petition both devices hold (A records it, both sync).
    std::string shared_petition(const std::string& summary) {
        const auto id = a.add("petition", {"kind=complaint", "received_on=2022-03-04",
                                           "status=received", "summary=" + summary});
        a.ok({"sync"});
        b.ok({"sync"});
        return id;
    }

    // A, then B, then A again: every change on the server, B's meeting A's, and both
    // devices holding the result.
    void sync_both() {
        a.ok({"sync"});
        b.ok({"sync"});
        a.ok({"sync"});
    }
};

// Both devices hold exactly the server's live records, member for member (of what the
// server sends), and none of its tombstones.
void check_converged(const two_officers& t) {
    const auto on_server = server_records(t.server, t.observer);
    for (const cli_device* d : {&t.a, &t.b}) {
        BOOST_TEST_CONTEXT("device " << (d == &t.a ? "A" : "B")) {
            const auto held = d->records();
            std::size_t live = 0;
            for (const auto& [id, r] : on_server) {
                if (r.at("deleted").as_bool()) {
                    BOOST_TEST(held.count(id) == 0u, "tombstone " << id << " still listed");
                    continue;
                }
                ++live;
                BOOST_TEST_CONTEXT("record " << id) {
                    BOOST_TEST_REQUIRE(held.count(id) == 1u);
                    for (const auto& member : r) {
                        BOOST_TEST(json::serialize(held.at(id).at(member.key())) ==
                                       json::serialize(member.value()),
                                   member.key());
                    }
                }
            }
            BOOST_TEST(held.size() == live);
        }
    }
}

// GET /api/v1/review/items?QUERY, which must answer 200; its items.
json::array items_of(const api_session& api, const std::string& query) {
    const auto answer = api.get("/api/v1/review/items?" + query);
    BOOST_TEST_REQUIRE(answer.status == 200, json::serialize(answer.body));
    BOOST_TEST(answer.body.at("more").as_bool() == false);
    return answer.body.at("items").as_array();
}

// The one item of `kind` about `record` (either record of a duplicate) and `field`.
json::object item_about(const json::array& items, const std::string& kind,
                        const std::string& record, const std::string& field = {}) {
    std::vector<json::object> found;
    for (const auto& v : items) {
        const auto& o = v.as_object();
        if (text(o, "kind") != kind || text(o, "field") != field) continue;
        if (text(o, "record") == record || text(o, "other_record") == record) found.push_back(o);
    }
    BOOST_TEST_REQUIRE(found.size() == 1u, "items of kind " << kind << " about " << record << " "
                                                            << field << " in "
                                                            << json::serialize(items));
    return found.front();
}

std::string item_path(const json::object& item, const std::string& action = {}) {
    return "/api/v1/review/items/" + std::to_string(item.at("item").to_number<std::int64_t>()) +
           (action.empty() ? "" : "/" + action);
}

std::string item_id(const json::object& item) {
    return std::to_string(item.at("item").to_number<std::int64_t>());
}

const json::object& side(const json::object& item, std::size_t i) {
    return item.at("sides").as_array().at(i).as_object();
}

// A decision through the API, which must answer 200; the decided item.
json::object decide(const api_session& api, const json::object& item, const std::string& action,
                    const json::object& body) {
    const auto answer = api.post(item_path(item, action), body);
    BOOST_TEST_REQUIRE(answer.status == 200, json::serialize(answer.body));
    return answer.body.at("item").as_object();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(review)

BOOST_FIXTURE_TEST_CASE(a_reviewer_decides_every_kind_of_item_and_both_devices_converge,
                        two_officers) {
    const auto p1 = shared_petition("Đề nghị sửa đường liên thôn");
    const auto p2 = shared_petition("Phản ánh tiếng ồn ban đêm");

    // Offline, on both devices at once.
    // (a) concurrent edits of the same fields of p1;
    a.ok({"edit", p1, "--set", "status=processing", "--set", "summary=Tóm tắt của A"});
    b.ok({"edit", p1, "--set", "status=resolved", "--set", "summary=Tóm tắt của B"});
    // (b) A deletes p2 while B edits it;
    a.ok({"delete", p2});
    b.ok({"edit", p2, "--set", "summary=Phản ánh tiếng ồn, đã xác minh"});
    // (c) both enter the same citizen's petition (the key typed differently), and the
    // same party member, to whom A's yearly commitment refers.
    const auto p3a =
        a.add("petition",
              {"kind=petition", std::string("received_on=") + duplicate_day, "status=received",
               "petitioner_id=" + petitioner_a, "summary=Đề nghị cấp sổ đỏ"});
    const auto p3b =
        b.add("petition", {"kind=petition", std::string("received_on=") + duplicate_day,
                           "status=processing", "petitioner_id=" + petitioner_b,
                           "summary=Đề nghị cấp giấy chứng nhận quyền sử dụng đất"});
    const auto ma = a.add("member", {"full_name=Hoàng Văn Thụ", "id_number=\"001203004567\"",
                                     "joined_on=1990-05-19", "status=active"});
    const auto mb = b.add("member", {"full_name=Hoàng Văn Thụ", "id_number=\"001203004567\"",
                                     "joined_on=1990-05-19", "status=active"});
    const auto pledge = a.add("commitment", {"member=" + ma, "year=2024", "status=registered",
                                             "content=Gương mẫu học tập và làm theo Bác"});

    sync_both();

    // The reviewer of the district sees the five items through the API.
    const api_session api(server.port(), reviewer, reviewer_password);
    const auto open = items_of(api, "state=open");
    BOOST_TEST(open.size() == 5u, json::serialize(open));
    const auto status_item = item_about(open, "field", p1, "status");
    const auto summary_item = item_about(open, "field", p1, "summary");
    const auto delete_item = item_about(open, "delete_edit", p2, "_deleted");
    const auto petition_dup = item_about(open, "duplicate", p3a);
    const auto member_dup = item_about(open, "duplicate", ma);

    // Both sides, with who made each: [0] A's change (synced first, met by B's), [1] B's.
    BOOST_TEST((side(status_item, 0).at("value") == json::value("processing")));
    BOOST_TEST(text(side(status_item, 0), "username") == officer_a);
    BOOST_TEST(text(side(status_item, 0), "device_id") == a.id());
    BOOST_TEST((side(status_item, 1).at("value") == json::value("resolved")));
    BOOST_TEST(text(side(status_item, 1), "username") == officer_b);
    BOOST_TEST(text(side(status_item, 1), "device_id") == b.id());
    BOOST_TEST((side(delete_item, 0).at("value") == json::value(true)));
    BOOST_TEST(text(side(delete_item, 0), "username") == officer_a);
    BOOST_TEST(text(side(delete_item, 1), "username") == officer_b);
    BOOST_TEST(
        (std::set<std::string>{text(petition_dup, "record"), text(petition_dup, "other_record")} ==
         std::set<std::string>{p3a, p3b}));
    BOOST_TEST(
        (std::set<std::string>{text(member_dup, "record"), text(member_dup, "other_record")} ==
         std::set<std::string>{ma, mb}));
    // The filters.
    BOOST_TEST(items_of(api, "state=open&kind=duplicate").size() == 2u);
    BOOST_TEST(items_of(api, "state=open&type=member").size() == 1u);
    BOOST_TEST(items_of(api, "record=" + p1).size() == 2u);
    // Show: the item with the records as they are now.
    const auto shown = api.get(item_path(petition_dup));
    BOOST_TEST_REQUIRE(shown.status == 200, json::serialize(shown.body));
    std::set<std::string> shown_records;
    for (const auto& r : shown.body.at("records").as_array()) {
        shown_records.insert(text(r.as_object(), "record"));
    }
    BOOST_TEST((shown_records == std::set<std::string>{p3a, p3b}));

    // The decisions: A's status (B's clock was the later, so the merge had kept B's), a
    // summary typed by the reviewer, p2 back, p3a kept with B's fuller summary, and B's
    // member kept, A's merged into it.
    const std::string reviewed_summary = "Đề nghị sửa đường liên thôn Nà Pàn (đã thống nhất)";
    const auto status_decided = decide(api, status_item, "resolve", {{"side", 0}});
    BOOST_TEST(text(status_decided, "state") == "resolved");
    BOOST_TEST(text(status_decided, "decision") == "side");
    BOOST_TEST(text(status_decided, "decided_by") == reviewer);
    BOOST_TEST((status_decided.at("chosen") == json::value("processing")));
    const auto summary_decided =
        decide(api, summary_item, "resolve", {{"value", reviewed_summary}});
    BOOST_TEST((summary_decided.at("chosen") == json::value(reviewed_summary)));
    BOOST_TEST(text(decide(api, delete_item, "resolve", {{"restore", true}}), "decision") ==
               "restore");
    const auto merged = decide(api, petition_dup, "merge",
                               {{"survivor", p3a}, {"fields", json::object{{"summary", p3b}}}});
    BOOST_TEST(text(merged, "decision") == "merge");
    BOOST_TEST(text(merged, "survivor") == p3a);
    decide(api, member_dup, "merge", {{"survivor", mb}, {"fields", json::object{}}});

    // Deciding twice is refused, naming the first decision; nothing changes.
    const auto twice = api.post(item_path(status_item, "resolve"), json::object{{"side", 1}});
    BOOST_TEST(twice.status == 409);
    BOOST_TEST(text(twice.body.as_object(), "code") == "conflict");
    BOOST_TEST(items_of(api, "state=open").empty());
    BOOST_TEST(items_of(api, "state=resolved").size() == 5u);

    // Both devices sync and hold the decisions.
    a.ok({"sync"});
    b.ok({"sync"});
    check_converged(*this);
    const auto on_server = server_records(server, observer);
    BOOST_TEST(field_text(on_server.at(p1), "status") == "processing");
    BOOST_TEST(field_text(on_server.at(p1), "summary") == reviewed_summary);
    // Restored with the edit B made while it was deleted.
    BOOST_TEST(on_server.at(p2).at("deleted").as_bool() == false);
    BOOST_TEST(field_text(on_server.at(p2), "summary") == "Phản ánh tiếng ồn, đã xác minh");
    BOOST_TEST(a.records().count(p2) == 1u);
    // The survivor keeps its own fields and the one taken from the other record.
    BOOST_TEST(field_text(on_server.at(p3a), "summary") ==
               "Đề nghị cấp giấy chứng nhận quyền sử dụng đất");
    BOOST_TEST(field_text(on_server.at(p3a), "status") == "received");
    // The merged-away record is a tombstone pointing to the survivor, on the server and
    // on the device that created it.
    BOOST_TEST(on_server.at(p3b).at("deleted").as_bool());
    BOOST_TEST(field_text(on_server.at(p3b), "_merged_into") == p3a);
    const auto p3b_on_b = b.json({"show", p3b}).as_object();
    BOOST_TEST(p3b_on_b.at("deleted").as_bool());
    BOOST_TEST(field_text(p3b_on_b, "_merged_into") == p3a);
    BOOST_TEST(on_server.at(ma).at("deleted").as_bool());
    BOOST_TEST(field_text(on_server.at(ma), "_merged_into") == mb);
    // The commitment that named the merged-away member now names the survivor.
    BOOST_TEST(field_text(on_server.at(pledge), "member") == mb);
    BOOST_TEST(field_text(a.records().at(pledge), "member") == mb);

    // Counted once: one live petition has the duplicated key.
    std::size_t live_with_key = 0;
    for (const auto& [id, r] : on_server) {
        if (text(r, "type") == "petition" && !r.at("deleted").as_bool() &&
            field_text(r, "received_on") == duplicate_day) {
            ++live_with_key;
        }
    }
    BOOST_TEST(live_with_key == 1u);

    // Every decision is in the change log, authored by the reviewer's review device.
    std::set<std::string> decided_records;
    const auto log = server.admin_json({"log", "--json"});  // held: the loop reads into it
    for (const auto& entry : log.as_array()) {
        const auto& o = entry.as_object();
        if (text(o, "username") != reviewer) continue;
        BOOST_TEST(text(o, "status") == "applied");
        BOOST_TEST(text(o, "device_id") != a.id());
        BOOST_TEST(text(o, "device_id") != b.id());
        decided_records.insert(text(o, "record"));
    }
    BOOST_TEST((decided_records == std::set<std::string>{p1, p2, p3a, p3b, ma, pledge}));
    BOOST_TEST(server.stop() == 0);
}

BOOST_FIXTURE_TEST_CASE(sotay_admin_lists_resolves_and_dismisses_as_a_named_reviewer,
                        two_officers) {
    const auto p1 = shared_petition("Đề nghị hỗ trợ hộ nghèo");
    const auto p2 = shared_petition("Khiếu nại về ranh giới đất");
    a.ok({"edit", p1, "--set", "status=processing"});
    b.ok({"edit", p1, "--set", "status=resolved"});
    a.ok({"delete", p2});
    b.ok({"edit", p2, "--set", "status=processing"});
    const auto p3a =
        a.add("petition", {"kind=complaint", std::string("received_on=") + duplicate_day,
                           "status=received", "petitioner_id=" + petitioner_a});
    const auto p3b =
        b.add("petition", {"kind=complaint", std::string("received_on=") + duplicate_day,
                           "status=received", "petitioner_id=" + petitioner_b});
    sync_both();

    // The list, as JSON: the objects the HTTP API returns.
    const auto listed = server.admin_json({"review", "list", "--state", "open", "--json"});
    const auto& items = listed.at("items").as_array();
    BOOST_TEST_REQUIRE(items.size() == 3u, json::serialize(listed));
    BOOST_TEST(listed.at("more").as_bool() == false);
    const auto status_item = item_about(items, "field", p1, "status");
    const auto delete_item = item_about(items, "delete_edit", p2, "_deleted");
    const auto duplicate = item_about(items, "duplicate", p3a);
    BOOST_TEST(text(duplicate, "other_record") == (text(duplicate, "record") == p3a ? p3b : p3a));
    const api_session api(server.port(), reviewer, reviewer_password);
    const auto via_api = api.get(item_path(status_item));
    BOOST_TEST_REQUIRE(via_api.status == 200);
    BOOST_TEST(json::serialize(via_api.body.at("item")) == json::serialize(status_item));
    // --format json is --json; filters narrow; --org outside the items finds none.
    BOOST_TEST(server.admin_json({"review", "list", "--kind", "duplicate", "--format", "json"})
                   .at("items")
                   .as_array()
                   .size() == 1u);
    BOOST_TEST(server.admin_json({"review", "list", "--org", "LS.TP.P2", "--json"})
                   .at("items")
                   .as_array()
                   .empty());
    BOOST_TEST(
        server.admin_json({"review", "list", "--limit", "2", "--json"}).at("more").as_bool());

    // For people: a table naming the items, their fields and who made each side.
    const auto table = server.admin_run({"review", "list"});
    BOOST_TEST(table.exit_code == 0, table.err);
    for (const auto& part : {item_id(status_item), std::string("delete_edit"),
                             std::string("duplicate"), std::string("\"resolved\" (canbo.b)")}) {
        BOOST_TEST(table.out.find(part) != std::string::npos, part << " not in\n" << table.out);
    }
    const auto show = server.admin_run({"review", "show", item_id(status_item)});
    BOOST_TEST(show.exit_code == 0, show.err);
    BOOST_TEST(show.out.find("record " + p1) != std::string::npos, show.out);
    const auto shown = server.admin_json({"review", "show", item_id(duplicate), "--json"});
    BOOST_TEST(shown.at("records").as_array().size() == 2u);

    // The old command still answers, with a hint to the new one.
    const auto old = server.admin_run({"conflicts", "--json"});
    BOOST_TEST(old.exit_code == 0);
    BOOST_TEST(old.err.find("review list") != std::string::npos, old.err);
    BOOST_TEST(json::parse(old.out).at("items").as_array().size() == 3u);

    // Decisions are made as a named user, whose permission applies: an officer may not.
    const auto officer = server.admin_run(
        {"review", "dismiss", item_id(duplicate), "--reason", "không trùng", "--as", officer_a});
    BOOST_TEST(officer.exit_code == 1);
    BOOST_TEST(officer.err.find("sotay-admin: forbidden: ") == 0u, officer.err);
    // A decision needs exactly one choice: a usage error, nothing read.
    BOOST_TEST(
        server.admin_run({"review", "resolve", item_id(status_item), "--as", reviewer}).exit_code ==
        2);
    BOOST_TEST(server
                   .admin_run({"review", "resolve", item_id(status_item), "--side", "1",
                               "--restore", "--as", reviewer})
                   .exit_code == 2);
    BOOST_TEST(server.admin_run({"review", "list", "--format", "yaml"}).exit_code == 2);
    BOOST_TEST(server.admin_run({"review", "list", "--from", "2024-02-30"}).exit_code == 2);

    // A's value, where the merge had kept B's (the later clock).
    const auto resolved = server.admin_run(
        {"review", "resolve", item_id(status_item), "--side", "0", "--as", reviewer});
    BOOST_TEST(resolved.exit_code == 0, resolved.err);
    BOOST_TEST(resolved.out.find("item " + item_id(status_item) + " resolved by " + reviewer) == 0u,
               resolved.out);
    const auto again = server.admin_run(
        {"review", "resolve", item_id(status_item), "--side", "1", "--as", reviewer});
    BOOST_TEST(again.exit_code == 1);
    BOOST_TEST(again.err.find("sotay-admin: conflict: ") == 0u, again.err);

    const auto confirmed = server.admin_json(
        {"review", "resolve", item_id(delete_item), "--delete", "--as", reviewer, "--json"});
    BOOST_TEST(text(confirmed.at("item").as_object(), "decision") == "delete");
    const auto dismissed =
        server.admin_json({"review", "dismiss", item_id(duplicate), "--reason",
                           "hai đơn khác nhau của cùng một người", "--as", reviewer, "--json"});
    BOOST_TEST(text(dismissed.at("item").as_object(), "state") == "dismissed");
    BOOST_TEST(text(dismissed.at("item").as_object(), "reason") ==
               "hai đơn khác nhau của cùng một người");
    BOOST_TEST(dismissed.at("records").as_array().empty());
    BOOST_TEST(server.admin_json({"review", "list", "--state", "open", "--json"})
                   .at("items")
                   .as_array()
                   .empty());

    // The devices converge to the decisions: A's status, p2 deleted, both p3 kept.
    a.ok({"sync"});
    b.ok({"sync"});
    check_converged(*this);
    const auto on_a = a.records();
    BOOST_TEST(field_text(on_a.at(p1), "status") == "processing");
    BOOST_TEST(on_a.count(p2) == 0u);
    BOOST_TEST(on_a.count(p3a) == 1u);
    BOOST_TEST(on_a.count(p3b) == 1u);
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
