// The review queue in the SQLite store (store.hpp R1-R7): items opened by the merge's
// conflicts and by duplicate natural keys, seen by scope, decided as changes of the
// reviewer's review device. Two officers' phones make the items; the tree is
// tests/server/fixture.hpp's, with reviewers of LS.TP and of LS.CL.
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>

namespace {
using namespace sotay;
constexpr auto t0 = static_cast<std::uint64_t>(test::store_env::start_ms);

std::shared_ptr<const schema::schema> default_schema() {
    static const auto s = std::make_shared<const schema::schema>(
        schema::load_schema_file(std::string(SOTAY_SOURCE_DIR) + "/schema/default.json"));
    return s;
}

// One change as a phone makes it; `at` is its clock in ms after t0 (the server's now).
struct edit {
    std::string record;
    sync::field_map set;
    std::uint64_t base = 0;
    std::uint64_t at = 0;
    std::string org_unit = "LS.TP.P1";
    bool del = false;
    std::string type = "petition";
};

sync::field_map petition_fields(std::string petitioner, std::string kind = "complaint") {
    return {{"received_on", sync::value{"2022-03-04"}},
            {"kind", sync::value{std::move(kind)}},
            {"status", sync::value{"received"}},
            {"petitioner_id", sync::value{std::move(petitioner)}}};
}

sync::field_map member_fields(std::string name, std::string id_number) {
    return {{"full_name", sync::value{std::move(name)}},
            {"id_number", sync::value{std::move(id_number)}},
            {"joined_on", sync::value{"2001-05-19"}},
            {"status", sync::value{"active"}}};
}

struct review_world {
    test::store_env env;
    std::unique_ptr<store::store> s;
    std::string a, b;  // phones of canbo.a and canbo.b (both LS.TP)
    std::map<std::string, std::uint64_t> seqs;

    review_world() {
        env.schema = default_schema();
        s = env.open();
        test::add_user(*s, "canbo.a", access::role::officer, "LS.TP");
        test::add_user(*s, "canbo.b", access::role::officer, "LS.TP");
        test::add_user(*s, "xem.tp", access::role::reviewer, "LS.TP");
        test::add_user(*s, "xem.cl", access::role::reviewer, "LS.CL");
        a = test::add_device(*s, "canbo.a");
        b = test::add_device(*s, "canbo.b");
    }

    sync::change_msg make(const std::string& dev, const edit& e) {
        sync::change_msg c;
        c.seq = ++seqs[dev];
        c.record = e.record;
        c.type = e.type;
        c.org_unit = e.org_unit;
        c.hlc = sync::format_hlc({t0 + e.at, 0});
        c.base = e.base;
        c.set = e.set;
        c.del = e.del;
        return c;
    }
    sync::change_result push(const std::string& dev, const edit& e) {
        const auto out = test::push(*s, dev, {make(dev, e)});
        BOOST_REQUIRE(out.results.size() == 1u);
        const auto& r = out.results[0];
        BOOST_REQUIRE_MESSAGE(r.status == sync::change_status::applied,
                              (r.error ? r.error->message : std::string("not applied")));
        return r;
    }
    std::vector<sync::review_item_msg> items(store::review_query q = {}) {
        q.limit = 1000;
        auto page = s->review_items(q);
        BOOST_REQUIRE(page.has_value());
        return page->items;
    }
    sync::review_item_msg only_item(store::review_query q = {}) {
        const auto all = items(std::move(q));
        BOOST_REQUIRE_EQUAL(all.size(), 1u);
        return all[0];
    }
    sync::record_msg record(const std::string& id) {
        auto r = s->record(id, store::scope_filter::all());
        BOOST_REQUIRE(r.has_value());
        return *r;
    }
    // The record as a device pulling from the start receives it.
    sync::record_msg pulled(const std::string& id) {
        const auto page = s->pull(0, 10'000);
        BOOST_REQUIRE(page.has_value());
        for (const auto& r : page->records)
            if (r.record == id) return r;
        BOOST_FAIL("record " + id + " was not pulled");
        return {};
    }
    store::result<store::decision_outcome> decide(std::int64_t item, store::review_action action,
                                                  std::string user = "xem.tp") {
        store::review_decision d;
        d.item = item;
        d.username = std::move(user);
        d.action = action;
        return s->decide(d);
    }
    store::decision_outcome decided(const store::review_decision& d) {
        auto out = s->decide(d);
        BOOST_REQUIRE_MESSAGE(out.has_value(), (out ? std::string() : out.error().message));
        return *out;
    }

    // A field conflict on petition `rec`'s status: A writes "processing" at +20 ms, then B
    // (not having seen it) "resolved" at +b_at. Returns B's result.
    sync::change_result status_conflict(int rec, std::uint64_t b_at = 30) {
        const auto id = test::record_id(rec);
        push(a, {id, petition_fields("P-" + std::to_string(rec)), 0, 10});
        push(a, {id, {{"status", sync::value{"processing"}}}, 1, 20});
        return push(b, {id, {{"status", sync::value{"resolved"}}}, 1, b_at});
    }
    // A delete (B) meeting a concurrent edit (A) of petition `rec`.
    sync::change_result delete_edit(int rec) {
        const auto id = test::record_id(rec);
        push(a, {id, petition_fields("P-" + std::to_string(rec)), 0, 10});
        push(a, {id, {{"summary", sync::value{"Đơn bổ sung"}}}, 1, 20});
        edit del{id, {}, 1, 30};
        del.del = true;
        return push(b, del);
    }
};

const sync::value& field(const sync::record_msg& r, const std::string& name) {
    static const sync::value null;
    const auto it = r.fields.find(name);
    return it != r.fields.end() ? it->second : null;
}

sync::errc error_of(const store::result<store::decision_outcome>& r) {
    BOOST_REQUIRE(r.has_error());
    return r.error().code;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_review)

BOOST_AUTO_TEST_CASE(a_field_conflict_opens_one_item_named_in_the_push_result) {  // R1
    review_world w;
    const auto res = w.status_conflict(1);
    BOOST_REQUIRE_EQUAL(res.conflicts.size(), 1u);
    const auto item = w.only_item();
    BOOST_TEST(res.conflicts[0].id == std::to_string(item.item));
    BOOST_TEST(item.kind == "field");
    BOOST_TEST(item.state == "open");
    BOOST_TEST(item.type == "petition");
    BOOST_TEST(item.record == test::record_id(1));
    BOOST_TEST(item.org_unit == "LS.TP.P1");
    BOOST_TEST(item.field == "status");
    BOOST_TEST(item.version == 3u);
    BOOST_TEST(!item.superseded);
    BOOST_REQUIRE_EQUAL(item.sides.size(), 2u);
    // [0] the value the change met: A's second change; [1] B's incoming one.
    BOOST_TEST(item.sides[0].device_id == w.a);
    BOOST_TEST(item.sides[0].username == "canbo.a");
    BOOST_TEST(item.sides[0].seq == 2u);
    BOOST_TEST(item.sides[0].device_hlc == sync::format_hlc({t0 + 20, 0}));
    BOOST_TEST(item.sides[0].received_ms == test::store_env::start_ms);
    BOOST_TEST((item.sides[0].val == sync::value{"processing"}));
    BOOST_TEST(item.sides[1].device_id == w.b);
    BOOST_TEST(item.sides[1].username == "canbo.b");
    BOOST_TEST(item.sides[1].seq == 1u);
    BOOST_TEST((item.sides[1].val == sync::value{"resolved"}));
    BOOST_TEST(w.s->review_seq() == item.seq);

    // The org unit is a register like a field: two concurrent moves, one more item.
    const auto id = test::record_id(1);
    edit to_p2{id, {}, 3, 40, "LS.TP.P2"};
    w.push(w.a, to_p2);
    edit to_tp{id, {}, 3, 50, "LS.TP"};
    const auto moved = w.push(w.b, to_tp);
    BOOST_REQUIRE_EQUAL(moved.conflicts.size(), 1u);
    store::review_query q;
    q.kind = "field";
    const auto both = w.items(q);
    BOOST_REQUIRE_EQUAL(both.size(), 2u);
    BOOST_TEST(both[1].field == "org_unit");
    BOOST_TEST(moved.conflicts[0].id == std::to_string(both[1].item));
    BOOST_TEST((both[1].sides[0].val == sync::value{"LS.TP.P2"}));
    BOOST_TEST((both[1].sides[1].val == sync::value{"LS.TP"}));
}

BOOST_AUTO_TEST_CASE(a_delete_meeting_an_edit_opens_one_delete_edit_item) {  // R1
    review_world w;
    const auto res = w.delete_edit(1);
    BOOST_REQUIRE_EQUAL(res.conflicts.size(), 1u);
    const auto item = w.only_item();
    BOOST_TEST(res.conflicts[0].id == std::to_string(item.item));
    BOOST_TEST(item.kind == "delete_edit");
    BOOST_TEST(item.field == "_deleted");
    BOOST_TEST((item.sides[0].val == sync::value{false}));  // A's edit left it live
    BOOST_TEST(item.sides[0].seq == 2u);
    BOOST_TEST((item.sides[1].val == sync::value{true}));  // B deleted it
    BOOST_TEST(item.sides[1].device_id == w.b);
    // An edit after the delete, not having seen it: the same kind, from the other side.
    const auto late =
        w.push(w.a, {test::record_id(1), {{"status", sync::value{"processing"}}}, 2, 40});
    BOOST_REQUIRE_EQUAL(late.conflicts.size(), 1u);
    BOOST_TEST(w.items().size() == 2u);
}

BOOST_AUTO_TEST_CASE(duplicates_are_found_whatever_the_unicode_form_case_and_spaces) {  // R2
    review_world w;
    const auto p1 = test::record_id(1);
    const auto p2 = test::record_id(2);
    w.push(w.a, {p1, petition_fields("Nguyễn Văn An"), 0, 10});
    // The same name typed on another phone: decomposed (NFD), upper case, spaces around.
    const std::string nfd = "  NGUYE\xCC\x82\xCC\x83N VA\xCC\x86N AN ";
    w.push(w.b, {p2, petition_fields(nfd), 0, 20});
    const auto item = w.only_item();
    BOOST_TEST(item.kind == "duplicate");
    BOOST_TEST(item.record == p2);  // the create that found the other
    BOOST_TEST(item.other_record == p1);
    BOOST_TEST(item.other_org_unit == "LS.TP.P1");
    BOOST_TEST(item.field == "");
    BOOST_TEST(item.natural_key == R"(["petition","nguyễn văn an","2022-03-04","complaint"])");
    BOOST_REQUIRE_EQUAL(item.sides.size(), 2u);
    BOOST_TEST(item.sides[0].record == p1);
    BOOST_TEST(item.sides[0].device_id == w.a);
    BOOST_TEST(item.sides[0].seq == 1u);
    BOOST_TEST(item.sides[0].username == "canbo.a");
    BOOST_TEST(item.sides[1].record == p2);
    BOOST_TEST(item.sides[1].device_id == w.b);
    BOOST_TEST(sync::is_null(item.sides[1].val));

    // Different keys are not duplicates: another kind, a blank petitioner id (twice).
    w.push(w.a, {test::record_id(3), petition_fields("Nguyễn Văn An", "feedback"), 0, 30});
    w.push(w.a, {test::record_id(4), petition_fields("  "), 0, 40});
    w.push(w.b, {test::record_id(5), petition_fields(""), 0, 50});
    // Edits that leave the key alone find nothing new; neither does a pair already open.
    w.push(w.b, {p2, {{"summary", sync::value{"Đơn khiếu nại"}}}, 1, 60});
    w.push(w.b, {p2, {{"petitioner_id", sync::value{"nguyễn văn an"}}}, 2, 70});
    BOOST_TEST(w.items().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_key_made_off_the_writer_thread_is_used_only_for_creates) {  // R2
    review_world w;
    const auto p1 = test::record_id(1), p2 = test::record_id(2);
    const auto* petition = default_schema()->find("petition");
    // As the server does on its I/O threads: normalise, then the key of what it creates.
    auto with_key = [&](const std::string& dev, const edit& e) {
        store::write_batch b;
        b.pushes.push_back({dev, 0, {w.make(dev, e)}});
        auto& c = b.pushes[0].changes[0];
        schema::normalize(c.set);
        b.pushes[0].keys.push_back(schema::natural_key(*petition, c.org_unit, c.set));
        const auto out = w.s->write(b);
        BOOST_REQUIRE(out.has_value());
        BOOST_REQUIRE(out->pushes.at(0).results.at(0).status == sync::change_status::applied);
    };
    w.push(w.a, {p1, petition_fields("Lê Văn Cường"), 0, 10});
    with_key(w.b, {p2, petition_fields("LÊ VĂN CƯỜNG"), 0, 20});
    const auto item = w.only_item();
    BOOST_TEST(item.record == p2);
    BOOST_TEST(item.natural_key == R"(["petition","lê văn cường","2022-03-04","complaint"])");
    BOOST_TEST(!item.superseded);
    // An edit's key is the record's, not its `set`'s (which alone is incomplete here):
    // the store computes it, and a later create with that key finds p2.
    with_key(w.b, {p2, {{"kind", sync::value{"feedback"}}}, 1, 30});
    BOOST_TEST(w.only_item().superseded);  // p2's key changed
    w.push(w.a, {test::record_id(3), petition_fields("Lê Văn Cường", "feedback"), 0, 40});
    store::review_query q;
    q.record = test::record_id(3);
    const auto found = w.only_item(q);
    BOOST_TEST(found.other_record == p2);
}

BOOST_AUTO_TEST_CASE(a_key_change_finds_duplicates_and_a_delete_leaves_detection) {  // R2
    review_world w;
    const auto p1 = test::record_id(1), p2 = test::record_id(2), p3 = test::record_id(3),
               p4 = test::record_id(4);
    w.push(w.a, {p1, petition_fields("CCCD 001"), 0, 10});
    w.push(w.b, {p2, petition_fields("CCCD 002"), 0, 20});
    BOOST_TEST(w.items().empty());
    w.push(w.b, {p2, {{"petitioner_id", sync::value{"cccd 001"}}}, 1, 30});
    auto found = w.items();
    BOOST_REQUIRE_EQUAL(found.size(), 1u);
    BOOST_TEST(found[0].record == p2);
    BOOST_TEST(found[0].other_record == p1);
    BOOST_TEST(found[0].sides[1].seq == 1u);  // p2's creating change, not the key edit
    // A third entry of the same petition is a duplicate of both.
    w.push(w.a, {p3, petition_fields("CCCD 001"), 0, 40});
    found = w.items();
    BOOST_REQUIRE_EQUAL(found.size(), 3u);
    BOOST_TEST(found[1].record == p3);
    BOOST_TEST(found[2].record == p3);
    // Deleted records are out of detection; a restore is not a device's to send.
    edit del{p1, {}, 1, 50};
    del.del = true;
    w.push(w.a, del);
    w.push(w.a, {p4, petition_fields("CCCD 001"), 0, 60});
    store::review_query q;
    q.record = p4;
    found = w.items(q);
    BOOST_REQUIRE_EQUAL(found.size(), 2u);
    for (const auto& i : found) BOOST_TEST((i.other_record == p2 || i.other_record == p3));
    // Items about a deleted record are superseded (R5), the others are not.
    q.record = p1;
    for (const auto& i : w.items(q)) BOOST_TEST(i.superseded);
}

BOOST_AUTO_TEST_CASE(items_are_seen_and_decided_only_inside_the_readers_scope) {  // R3
    review_world w;
    w.status_conflict(1);
    const auto item = w.only_item();
    store::review_query cl;
    cl.scope = test::subtree(*w.s, "LS.CL");
    BOOST_TEST(w.items(cl).empty());
    const auto hidden = w.s->review_item(item.item, cl.scope);
    BOOST_REQUIRE(hidden.has_error());
    BOOST_TEST(hidden.error().code == sync::errc::not_found);
    // The same answer as for an item that does not exist.
    const auto absent = w.s->review_item(9999, cl.scope);
    BOOST_TEST(absent.error().message.find("9999") != std::string::npos);
    BOOST_TEST(error_of(w.decide(item.item, store::review_action::pick_side, "xem.cl")) ==
               sync::errc::not_found);
    store::review_query tp;
    tp.scope = test::subtree(*w.s, "LS.TP");
    BOOST_TEST(w.items(tp).size() == 1u);
    BOOST_TEST(w.s->review_item(item.item, tp.scope).has_value());

    // A duplicate across two districts: only a reader holding both units sees it.
    test::add_user(*w.s, "canbo.cl", access::role::officer, "LS.CL");
    const auto c = test::add_device(*w.s, "canbo.cl");
    w.push(w.a, {test::record_id(7), petition_fields("CCCD 777"), 0, 40});
    edit there{test::record_id(8), petition_fields("CCCD 777"), 0, 50, "LS.CL.X1"};
    w.push(c, there);
    store::review_query dup;
    dup.kind = "duplicate";
    BOOST_TEST(w.items(dup).size() == 1u);
    dup.scope = tp.scope;
    BOOST_TEST(w.items(dup).empty());
    dup.scope = cl.scope;
    BOOST_TEST(w.items(dup).empty());
    dup.scope = test::subtree(*w.s, "LS");
    BOOST_TEST(w.items(dup).size() == 1u);
}

BOOST_AUTO_TEST_CASE(picking_a_side_is_a_change_of_the_review_device_that_syncs) {  // R4
    review_world w;
    w.status_conflict(1);
    const auto item = w.only_item();
    const auto id = test::record_id(1);
    BOOST_TEST((field(w.record(id), "status") == sync::value{"resolved"}));  // B's won
    const auto head = w.s->head();
    store::review_decision d;
    d.item = item.item;
    d.username = "xem.tp";
    d.action = store::review_action::pick_side;
    d.side = 0;
    const auto out = w.decided(d);
    BOOST_TEST(out.head == head + 1);
    BOOST_TEST(out.records == std::vector<std::string>{id});
    BOOST_TEST(out.settled.empty());
    BOOST_TEST(out.item.state == "resolved");
    BOOST_TEST(out.item.decision == "side");
    BOOST_TEST(out.item.decided_by == "xem.tp");
    BOOST_TEST(out.item.decided_ms == test::store_env::start_ms);
    BOOST_TEST((out.item.chosen == sync::value{"processing"}));
    BOOST_TEST(out.item.seq > item.seq);
    BOOST_TEST(w.s->review_seq() == out.item.seq);
    // Every device pulling gets the decided value.
    const auto r = w.pulled(id);
    BOOST_TEST((field(r, "status") == sync::value{"processing"}));
    BOOST_TEST(r.version == 4u);
    // In the history as the reviewer's change, from the reviewer's review device.
    const auto log = w.s->change_log(std::nullopt);
    const auto mine =
        std::find_if(log.begin(), log.end(), [](const auto& c) { return c.username == "xem.tp"; });
    BOOST_REQUIRE(mine != log.end());
    BOOST_TEST(mine->record == id);
    BOOST_TEST(mine->status == "applied");
    BOOST_TEST(mine->base == 3u);
    BOOST_TEST(mine->seq == 1u);
    BOOST_TEST(mine->body_json.find("\"processing\"") != std::string::npos);
    bool named = false;
    for (const auto& dev : w.s->list_devices())
        named = named || (dev.device_id == mine->device_id && dev.name == "review decisions" &&
                          dev.username == "xem.tp");
    BOOST_TEST(named);

    // Deciding twice: a conflict that says who decided what and when (R5).
    d.side = 1;
    const auto again = w.s->decide(d);
    BOOST_REQUIRE(again.has_error());
    BOOST_TEST(again.error().code == sync::errc::conflict);
    BOOST_TEST(again.error().message.find("already resolved by xem.tp") != std::string::npos,
               again.error().message);
    BOOST_TEST(again.error().message.find("decision: side") != std::string::npos);
    BOOST_TEST(w.s->head() == head + 1);
}

BOOST_AUTO_TEST_CASE(a_decision_wins_even_over_a_side_whose_clock_is_ahead) {  // R4
    review_world w;
    // B's phone runs 4 minutes ahead: trusted (within the skew), so its value won.
    w.status_conflict(1, 4 * 60 * 1000);
    const auto item = w.only_item();
    store::review_decision d;
    d.item = item.item;
    d.username = "xem.tp";
    d.action = store::review_action::pick_side;
    d.side = 0;
    w.decided(d);
    BOOST_TEST((field(w.pulled(test::record_id(1)), "status") == sync::value{"processing"}));
    // The same device's later decision beats its earlier one too.
    w.status_conflict(2, 5 * 60 * 1000);
    store::review_query open;
    open.state = "open";
    d.item = w.only_item(open).item;
    d.side = 1;
    w.decided(d);
    BOOST_TEST((field(w.pulled(test::record_id(2)), "status") == sync::value{"resolved"}));
}

BOOST_AUTO_TEST_CASE(an_entered_value_is_checked_against_the_schema) {  // R4
    review_world w;
    w.status_conflict(1);
    const auto item = w.only_item();
    const auto head = w.s->head();
    store::review_decision d;
    d.item = item.item;
    d.username = "xem.tp";
    d.action = store::review_action::enter_value;
    d.value = sync::value{"lost"};
    const auto bad = w.s->decide(d);
    BOOST_REQUIRE(bad.has_error());
    BOOST_TEST(bad.error().code == sync::errc::validation);
    BOOST_TEST(bad.error().field.value_or("") == "value");
    BOOST_TEST(w.s->head() == head);  // nothing written
    BOOST_TEST(w.only_item().state == "open");
    d.value = sync::value{"received"};
    const auto out = w.decided(d);
    BOOST_TEST(out.item.decision == "value");
    BOOST_TEST((out.item.chosen == sync::value{"received"}));
    BOOST_TEST((field(w.pulled(test::record_id(1)), "status") == sync::value{"received"}));
    // An action of another kind is refused, naming what the kind takes.
    w.delete_edit(2);
    store::review_query q;
    q.kind = "delete_edit";
    d.item = w.only_item(q).item;
    const auto wrong = w.s->decide(d);
    BOOST_REQUIRE(wrong.has_error());
    BOOST_TEST(wrong.error().field.value_or("") == "action");
}

BOOST_AUTO_TEST_CASE(a_move_is_decided_inside_the_reviewers_scope) {  // R4
    review_world w;
    const auto id = test::record_id(1);
    w.push(w.a, {id, petition_fields("X"), 0, 10});
    edit to_p2{id, {}, 1, 20, "LS.TP.P2"};
    w.push(w.a, to_p2);
    edit to_tp{id, {}, 1, 30, "LS.TP"};
    w.push(w.b, to_tp);
    const auto item = w.only_item();
    BOOST_REQUIRE(item.field == "org_unit");
    store::review_decision d;
    d.item = item.item;
    d.username = "xem.tp";
    d.action = store::review_action::enter_value;
    d.value = sync::value{"LS.CL.X1"};  // not the reviewer's to place records in
    const auto out_of_scope = w.s->decide(d);
    BOOST_REQUIRE(out_of_scope.has_error());
    BOOST_TEST(out_of_scope.error().field.value_or("") == "value");
    d.action = store::review_action::pick_side;
    d.side = 0;
    w.decided(d);
    BOOST_TEST(w.pulled(id).org_unit == "LS.TP.P2");
    // Moved like a phone moves it: a reader of LS.TP alone is told to drop it.
    const auto tp_only = w.s->pull(store::scope_filter::of({"LS.TP"}), w.s->head() - 1, 10);
    BOOST_TEST(tp_only->evict == std::vector<std::string>{id});
}

BOOST_AUTO_TEST_CASE(restore_brings_back_the_record_with_its_merged_edits) {  // R4
    review_world w;
    w.delete_edit(1);
    const auto id = test::record_id(1);
    BOOST_TEST(w.pulled(id).deleted);
    // The reviewer sees a deleted record's fields (what a restore brings back).
    BOOST_TEST((field(w.record(id), "summary") == sync::value{"Đơn bổ sung"}));
    const auto item = w.only_item();
    const auto out = w.decided({item.item, "xem.tp", store::review_action::restore});
    BOOST_TEST(out.item.decision == "restore");
    const auto r = w.pulled(id);
    BOOST_TEST(!r.deleted);
    BOOST_TEST((field(r, "summary") == sync::value{"Đơn bổ sung"}));
    BOOST_TEST((field(r, "status") == sync::value{"received"}));
    const auto log = w.s->change_log(std::nullopt);
    const auto mine =
        std::find_if(log.begin(), log.end(), [](const auto& c) { return c.username == "xem.tp"; });
    BOOST_REQUIRE(mine != log.end());
    BOOST_TEST(mine->body_json.find("\"restore\":true") != std::string::npos, mine->body_json);

    // Confirming, and picking the deleting side, keep it deleted.
    w.delete_edit(2);
    store::review_query q;
    q.state = "open";
    const auto second = w.only_item(q);
    w.decided({second.item, "xem.tp", store::review_action::confirm_delete});
    BOOST_TEST(w.pulled(test::record_id(2)).deleted);
    w.delete_edit(3);
    store::review_decision pick{w.only_item(q).item, "xem.tp", store::review_action::pick_side};
    pick.side = 0;  // the edit's side: live
    const auto picked = w.decided(pick);
    BOOST_TEST(picked.item.decision == "restore");
    BOOST_TEST(!w.pulled(test::record_id(3)).deleted);
}

BOOST_AUTO_TEST_CASE(a_superseded_item_cannot_be_resolved_but_can_be_dismissed) {  // R5
    review_world w;
    w.status_conflict(1);
    auto item = w.only_item();
    BOOST_TEST(!item.superseded);
    // A later edit that saw both (base = the version now) overtakes the item.
    w.push(w.a, {test::record_id(1), {{"status", sync::value{"received"}}}, 3, 100});
    item = w.only_item();
    BOOST_TEST(item.superseded);
    BOOST_TEST(w.s->review_item(item.item, store::scope_filter::all())->superseded);
    const auto head = w.s->head();
    const auto seq = w.s->review_seq();
    store::review_decision d{item.item, "xem.tp", store::review_action::pick_side};
    const auto refused = w.s->decide(d);
    BOOST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code == sync::errc::superseded);
    BOOST_TEST(refused.error().message.find("field status was written again") != std::string::npos,
               refused.error().message);
    BOOST_TEST(w.s->head() == head);
    BOOST_TEST(w.s->review_seq() == seq);
    d.action = store::review_action::dismiss;
    d.reason = "đã xử lý trực tiếp với người dân";
    const auto out = w.decided(d);
    BOOST_TEST(out.item.state == "dismissed");
    BOOST_TEST(!out.item.superseded);
}

BOOST_AUTO_TEST_CASE(dismissing_keeps_the_reason_and_changes_no_record) {
    review_world w;
    w.status_conflict(1);
    const auto item = w.only_item();
    const auto head = w.s->head();
    store::review_decision d{item.item, "xem.tp", store::review_action::dismiss};
    for (const std::string& bad : {std::string(), std::string("   "), std::string(501, 'x')}) {
        d.reason = bad;
        const auto r = w.s->decide(d);
        BOOST_REQUIRE(r.has_error());
        BOOST_TEST(r.error().code == sync::errc::validation);
        BOOST_TEST(r.error().field.value_or("") == "reason");
    }
    d.reason = std::string(500, 'x');
    const auto out = w.decided(d);
    BOOST_TEST(out.item.state == "dismissed");
    BOOST_TEST(out.item.decision == "dismiss");
    BOOST_TEST(out.item.reason == d.reason);
    BOOST_TEST(out.item.decided_by == "xem.tp");
    BOOST_TEST(out.records.empty());
    BOOST_TEST(w.s->head() == head);
    BOOST_TEST(w.s->review_seq() == out.item.seq);
    d.action = store::review_action::pick_side;
    const auto again = w.s->decide(d);
    BOOST_REQUIRE(again.has_error());
    BOOST_TEST(again.error().code == sync::errc::conflict);
    BOOST_TEST(again.error().message.find("dismissed by xem.tp") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(only_an_enabled_reviewer_decides) {
    review_world w;
    w.status_conflict(1);
    const auto item = w.only_item();
    store::review_decision d{item.item, "canbo.a", store::review_action::pick_side};
    const auto officer = w.s->decide(d);
    BOOST_REQUIRE(officer.has_error());
    BOOST_TEST(officer.error().code == sync::errc::forbidden);
    d.username = "nobody";
    BOOST_TEST(error_of(w.s->decide(d)) == sync::errc::not_found);
    BOOST_TEST(error_of(w.decide(9999, store::review_action::pick_side)) == sync::errc::not_found);
    BOOST_REQUIRE(w.s->set_user_disabled("xem.tp", true));
    d.username = "xem.tp";
    BOOST_TEST(error_of(w.s->decide(d)) == sync::errc::forbidden);
    BOOST_TEST(w.only_item().state == "open");
}

BOOST_AUTO_TEST_CASE(a_decision_settles_the_other_items_about_the_same_field) {  // R6
    review_world w;
    const auto c = test::add_device(*w.s, "canbo.a");  // a second phone of canbo.a
    const auto id = test::record_id(1);
    w.push(w.a, {id, petition_fields("X"), 0, 10});
    // Three phones write the status, none having seen the others.
    w.push(w.b, {id, {{"status", sync::value{"processing"}}}, 1, 20});
    w.push(c, {id, {{"status", sync::value{"resolved"}}}, 1, 30});
    w.push(w.a, {id, {{"status", sync::value{"received"}}}, 1, 40});
    auto open = w.items();
    BOOST_REQUIRE_EQUAL(open.size(), 2u);
    BOOST_TEST(open[0].superseded);  // its register was written again by the third
    BOOST_TEST(!open[1].superseded);
    store::review_decision d{open[1].item, "xem.tp", store::review_action::pick_side};
    d.side = 0;
    const auto out = w.decided(d);
    BOOST_TEST(out.settled == std::vector<std::int64_t>{open[0].item});
    const auto settled = w.s->review_item(open[0].item, store::scope_filter::all());
    BOOST_TEST(settled->state == "resolved");
    BOOST_TEST(settled->decision == "settled");
    BOOST_TEST(settled->settled_by == open[1].item);
    BOOST_TEST(settled->decided_by == "xem.tp");
    BOOST_TEST(settled->seq > open[1].seq);
    BOOST_TEST(settled->seq != out.item.seq);
    BOOST_TEST((field(w.pulled(id), "status") == sync::value{"resolved"}));
    const auto again = w.s->decide({open[0].item, "xem.tp", store::review_action::pick_side});
    BOOST_REQUIRE(again.has_error());
    BOOST_TEST(again.error().message.find("settled by the decision on item " +
                                          std::to_string(open[1].item)) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_merge_tombstones_the_duplicate_and_follows_its_references) {
    review_world w;
    const auto m1 = test::record_id(1), m2 = test::record_id(2), m3 = test::record_id(3);
    const auto c1 = test::record_id(4);
    w.push(w.a, {m1, member_fields("Nguyễn Văn An", "012345678901"), 0, 10, "LS.TP.P1", false,
                 "member"});
    w.push(w.b, {m2, member_fields("Nguyễn Văn Ân", "012345678901"), 0, 20, "LS.TP.P2", false,
                 "member"});
    // A commitment entered against the second entry of the member.
    w.push(w.b, {c1,
                 {{"member", sync::value{m2}},
                  {"year", sync::value{std::int64_t{2022}}},
                  {"status", sync::value{"registered"}}},
                 0,
                 30,
                 "LS.TP.P2",
                 false,
                 "commitment"});
    // A third entry of the same member: items with both.
    w.push(w.a, {m3, member_fields("Nguyen Van An", "012345678901"), 0, 40, "LS.TP.P1", false,
                 "member"});
    auto items = w.items();
    BOOST_REQUIRE_EQUAL(items.size(), 3u);
    const auto pair = items[0];
    BOOST_TEST(pair.record == m2);
    BOOST_TEST(pair.other_record == m1);

    store::review_decision d{pair.item, "xem.tp", store::review_action::merge};
    d.survivor = m3;  // not one of the pair
    const auto bad_survivor = w.s->decide(d);
    BOOST_REQUIRE(bad_survivor.has_error());
    BOOST_TEST(bad_survivor.error().field.value_or("") == "survivor");
    d.survivor = m1;
    d.take = {{"nickname", m2}};
    const auto bad_take = w.s->decide(d);
    BOOST_REQUIRE(bad_take.has_error());
    BOOST_TEST(bad_take.error().field.value_or("") == "take");

    d.take = {{"full_name", m2}, {"status", m1}};
    const auto out = w.decided(d);
    BOOST_TEST(out.item.decision == "merge");
    BOOST_TEST(out.item.survivor == m1);
    BOOST_TEST(out.records == (std::vector<std::string>{m1, m2, c1}));
    // The survivor took the name; the other is a tombstone pointing to it.
    const auto kept = w.pulled(m1);
    BOOST_TEST((field(kept, "full_name") == sync::value{"Nguyễn Văn Ân"}));
    const auto gone = w.pulled(m2);
    BOOST_TEST(gone.deleted);
    BOOST_TEST((gone.fields == sync::field_map{{"_merged_into", sync::value{m1}}}));
    // The commitment now names the survivor; an old reference is followed to it.
    BOOST_TEST((field(w.pulled(c1), "member") == sync::value{m1}));
    BOOST_TEST(w.s->follow_merged(m2) == m1);
    BOOST_TEST(w.s->follow_merged(m1) == m1);
    BOOST_TEST(w.s->follow_merged(c1) == c1);
    const auto log = w.s->change_log(std::nullopt);
    const auto tomb = std::find_if(log.begin(), log.end(), [&](const auto& c) {
        return c.record == m2 && c.username == "xem.tp";
    });
    BOOST_REQUIRE(tomb != log.end());
    BOOST_TEST(tomb->body_json.find("\"merged_into\":\"" + m1 + "\"") != std::string::npos,
               tomb->body_json);
    // R6: the pair with the merged-away record is settled; the survivor's stays open.
    BOOST_TEST(out.settled.size() == 1u);
    store::review_query open;
    open.state = "open";
    items = w.items(open);
    BOOST_REQUIRE_EQUAL(items.size(), 1u);
    BOOST_TEST(items[0].record == m3);
    BOOST_TEST(items[0].other_record == m1);
    BOOST_TEST(!items[0].superseded);
    // A merge needs both records as they were: the settled pair cannot be merged now.
    const auto settled = w.s->review_item(out.settled[0], store::scope_filter::all());
    BOOST_TEST(settled->decision == "settled");
}

BOOST_AUTO_TEST_CASE(the_review_cursor_pages_items_by_their_last_change) {  // R7
    review_world w;
    BOOST_TEST(w.s->review_seq() == 0u);
    for (int rec = 1; rec <= 5; ++rec) w.status_conflict(rec);
    BOOST_TEST(w.s->review_seq() == 5u);
    std::vector<std::int64_t> seen;
    std::uint64_t after = 0;
    for (int pages = 0; pages < 10; ++pages) {
        store::review_query q;
        q.after = after;
        q.limit = 2;
        const auto page = w.s->review_items(q);
        BOOST_REQUIRE(page.has_value());
        for (const auto& i : page->items) {
            BOOST_TEST(i.seq > after);
            seen.push_back(i.item);
        }
        after = page->next;
        if (!page->more) break;
    }
    BOOST_TEST(seen.size() == 5u);
    BOOST_TEST(after == 5u);
    // A decision moves its item to the end of the cursor.
    store::review_decision d{seen[1], "xem.tp", store::review_action::pick_side};
    w.decided(d);
    store::review_query q;
    q.after = after;
    const auto page = w.s->review_items(q);
    BOOST_REQUIRE_EQUAL(page->items.size(), 1u);
    BOOST_TEST(page->items[0].item == seen[1]);
    BOOST_TEST(page->items[0].seq == 6u);
    BOOST_TEST(page->next == 6u);
    // A write reports the position after the items it opened.
    store::write_batch batch;
    const auto id = test::record_id(9);
    batch.pushes.push_back({w.a, 0, {w.make(w.a, {id, petition_fields("P-9"), 0, 10})}});
    auto out = w.s->write(batch);
    BOOST_TEST(out->review_seq == 6u);
    batch.pushes[0].changes = {w.make(w.a, {id, {{"status", sync::value{"processing"}}}, 1, 20})};
    w.s->write(batch);
    batch.pushes[0] = {w.b, 0, {w.make(w.b, {id, {{"status", sync::value{"resolved"}}}, 1, 30})}};
    out = w.s->write(batch);
    BOOST_TEST(out->review_seq == 7u);
    BOOST_TEST(w.s->review_seq() == 7u);
    // Filters and bad queries.
    store::review_query open;
    open.state = "open";
    BOOST_TEST(w.items(open).size() == 5u);
    open.state = "resolved";
    BOOST_TEST(w.items(open).size() == 1u);
    store::review_query bad;
    bad.limit = 0;
    BOOST_TEST(w.s->review_items(bad).error().field.value_or("") == "limit");
    bad.limit = 10;
    bad.kind = "fields";
    BOOST_TEST(w.s->review_items(bad).error().field.value_or("") == "kind");
}

BOOST_AUTO_TEST_SUITE_END()
