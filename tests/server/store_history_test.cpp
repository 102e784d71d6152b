// The history in the SQLite store (store.hpp H1-H4): what each change, decision and
// administrative action leaves in it, the queries over it, and the chain's verification,
// including rows changed, deleted and reordered directly in the file and a whole chain
// rewritten after a signed head. Three officers' phones (LS.TP) and a reviewer of LS.TP
// on tests/server/fixture.hpp's tree.
#include "fixture.hpp"
#include "raw_db.hpp"

#include <sotay/audit/chain.hpp>
#include <sotay/audit/entry.hpp>
#include <sotay/audit/signing.hpp>
#include <sotay/sync/log_codec.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <map>
#include <stdexcept>

namespace {
using namespace sotay;
using test::raw_db;
namespace json = boost::json;
constexpr auto t0 = static_cast<std::uint64_t>(test::store_env::start_ms);

std::shared_ptr<const schema::schema> default_schema() {
    static const auto s = std::make_shared<const schema::schema>(
        schema::load_schema_file(std::string(SOTAY_SOURCE_DIR) + "/schema/default.json"));
    return s;
}

sync::field_map petition_fields(std::string petitioner) {
    return {{"received_on", sync::value{"2022-03-04"}},
            {"kind", sync::value{"complaint"}},
            {"status", sync::value{"received"}},
            {"petitioner_id", sync::value{std::move(petitioner)}}};
}

const store::actor admin_api{"quan.tri", "api", "10.1.2.3"};

struct history_world {
    test::store_env env;
    std::unique_ptr<store::store> s;
    std::string a, b, c;  // phones of canbo.a, canbo.b, canbo.c (all LS.TP)
    std::map<std::string, std::uint64_t> seqs;

    history_world() {
        env.schema = default_schema();
        s = env.open();
        test::add_user(*s, "canbo.a", access::role::officer, "LS.TP");
        test::add_user(*s, "canbo.b", access::role::officer, "LS.TP");
        test::add_user(*s, "canbo.c", access::role::officer, "LS.TP");
        test::add_user(*s, "xem.tp", access::role::reviewer, "LS.TP");
        a = test::add_device(*s, "canbo.a");
        b = test::add_device(*s, "canbo.b");
        c = test::add_device(*s, "canbo.c");
    }

    // One change from `dev`; `at` is its clock in ms after t0.
    sync::change_result push(const std::string& dev, const std::string& record, sync::field_map set,
                             std::uint64_t base, std::uint64_t at,
                             std::string org_unit = "LS.TP.P1") {
        sync::change_msg m;
        m.seq = ++seqs[dev];
        m.record = record;
        m.type = "petition";
        m.org_unit = std::move(org_unit);
        m.hlc = sync::format_hlc({t0 + at, 0});
        m.base = base;
        m.set = std::move(set);
        const auto out = test::push(*s, dev, {m});
        BOOST_REQUIRE_EQUAL(out.results.size(), 1u);
        return out.results[0];
    }

    std::vector<store::history_row> rows(store::history_query q = {}) {
        q.limit = 10'000;
        auto page = s->history(q);
        BOOST_REQUIRE_MESSAGE(page.has_value(), (page ? "" : page.error().message));
        BOOST_TEST(!page->more);
        return page->rows;
    }
    std::vector<store::history_row> of_record(const std::string& id) {
        store::history_query q;
        q.record = id;
        return rows(q);
    }
    std::vector<store::history_row> of_kind(const std::string& kind) {
        store::history_query q;
        q.kind = kind;
        return rows(q);
    }
    store::verify_report verify(const std::optional<audit::signed_head>& head = std::nullopt) {
        auto r = s->verify_history(head);
        BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
        return *r;
    }
};

// The before/after of one field in a change entry.
std::pair<json::value, json::value> change_of(const store::history_row& r, const char* field) {
    const auto& f = r.entry.detail.at("fields").as_object().at(field).as_object();
    return {f.at("before"), f.at("after")};
}

// The history test's view of the raw file: the history rows and change log bodies it reads
// and rewrites, as someone with the file could.
class history_db : public raw_db {
  public:
    using raw_db::raw_db;

    // Every (seq, body) in seq order.
    std::vector<std::pair<std::uint64_t, std::string>> bodies() {
        std::vector<std::pair<std::uint64_t, std::string>> out;
        sqlite3_stmt* st = prepare("SELECT seq, body FROM history ORDER BY seq");
        while (sqlite3_step(st) == SQLITE_ROW) {
            out.emplace_back(static_cast<std::uint64_t>(sqlite3_column_int64(st, 0)),
                             reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
        }
        sqlite3_finalize(st);
        return out;
    }
    // A change log row's body (format 6 keeps an applied change's in the history only).
    void set_change_body(const std::string& device_id, std::uint64_t seq,
                         const std::string& body) {
        sqlite3_stmt* st = prepare(
            "UPDATE changes SET body = ? WHERE seq = ? AND device = "
            "(SELECT id FROM devices WHERE device_id = ?)");
        sqlite3_bind_text(st, 1, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(seq));
        sqlite3_bind_text(st, 3, device_id.data(), static_cast<int>(device_id.size()),
                          SQLITE_TRANSIENT);
        const int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) throw std::runtime_error("update failed");
    }
    std::string change_body(std::uint64_t seq) {
        sqlite3_stmt* st = prepare("SELECT body FROM changes WHERE seq = ?");
        sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(seq));
        std::string out = "(none)";
        if (sqlite3_step(st) == SQLITE_ROW)
            out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return out;
    }
    void set_row(std::uint64_t seq, const std::string& body, const audit::digest& hash) {
        sqlite3_stmt* st = prepare("UPDATE history SET body = ?, hash = ? WHERE seq = ?");
        sqlite3_bind_text(st, 1, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 2, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, static_cast<sqlite3_int64>(seq));
        const int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) throw std::runtime_error("update failed");
    }

};

}  // namespace

BOOST_AUTO_TEST_SUITE(store_history)

// H1, H3: the timeline of one record, edited from three phones, with a conflict and the
// reviewer's decision, reconstructed field by field.
BOOST_AUTO_TEST_CASE(a_records_timeline_shows_three_devices_a_conflict_and_its_decision) {
    history_world w;
    const auto id = test::record_id(1);
    w.push(w.a, id, petition_fields("P-1"), 0, 10);                   // v1: A creates
    w.push(w.b, id, {{"status", sync::value{"processing"}}}, 1, 20);  // v2: B
    w.push(w.c, id, {{"summary", sync::value{"Đơn thư"}}}, 2, 25);    // v3: C
    w.env.advance(std::chrono::seconds(5));
    // A has not seen B's edit (base 1) and its clock is later: it wins, an item opens.
    const auto conflicted = w.push(w.a, id, {{"status", sync::value{"resolved"}}}, 1, 30);
    BOOST_REQUIRE_EQUAL(conflicted.conflicts.size(), 1u);
    const std::int64_t item = std::stoll(conflicted.conflicts[0].id);
    w.env.advance(std::chrono::seconds(5));
    store::review_decision d;
    d.item = item;
    d.username = "xem.tp";
    d.action = store::review_action::pick_side;
    d.side = 0;  // B's "processing", which lost
    BOOST_REQUIRE(w.s->decide(d).has_value());

    const auto t = w.of_record(id);
    BOOST_REQUIRE_EQUAL(t.size(), 6u);
    for (std::size_t i = 1; i < t.size(); ++i) BOOST_TEST(t[i].entry.seq > t[i - 1].entry.seq);
    const std::vector<std::string> kinds = {"change", "change", "change",
                                            "change", "change", "decision"};
    const std::vector<std::string> users = {"canbo.a", "canbo.b", "canbo.c",
                                            "canbo.a", "xem.tp",  "xem.tp"};
    for (std::size_t i = 0; i < t.size(); ++i) {
        BOOST_TEST(t[i].entry.kind == kinds[i]);
        BOOST_TEST(t[i].entry.username == users[i]);
        BOOST_TEST(t[i].entry.record == id);
        BOOST_TEST(t[i].entry.type == "petition");
        BOOST_TEST(t[i].entry.org_unit == "LS.TP.P1");
        BOOST_TEST(t[i].body == audit::entry_body(t[i].entry));  // H2
    }
    BOOST_TEST(t[0].entry.device_id == w.a);
    BOOST_TEST(t[1].entry.device_id == w.b);
    BOOST_TEST(t[2].entry.device_id == w.c);
    BOOST_TEST(t[3].entry.device_id == w.a);
    BOOST_TEST(!t[4].entry.device_id.empty());  // the reviewer's review device
    BOOST_TEST(t[4].entry.device_id != w.a);
    BOOST_TEST(t[5].entry.device_id == "");
    // Server times: the clock moved between the pushes and the decision.
    BOOST_TEST(t[0].entry.at_ms == test::store_env::start_ms);
    BOOST_TEST(t[3].entry.at_ms == test::store_env::start_ms + 5'000);
    BOOST_TEST(t[5].entry.at_ms == test::store_env::start_ms + 10'000);

    // The creation lists every field it was made with, from null.
    const auto& created = t[0].entry.detail;
    BOOST_TEST(created.at("fields").as_object().size() == 5u);  // four fields and org_unit
    BOOST_TEST(
        (change_of(t[0], "org_unit") == std::pair<json::value, json::value>{nullptr, "LS.TP.P1"}));
    BOOST_TEST(
        (change_of(t[0], "status") == std::pair<json::value, json::value>{nullptr, "received"}));
    BOOST_TEST(created.at("seq") == 1);
    BOOST_TEST(created.at("hlc") == json::value(sync::format_hlc({t0 + 10, 0})));
    BOOST_TEST(created.at("base") == 0);
    BOOST_TEST(created.at("answer").at("status") == "applied");
    // What it sent is its fields' afters: only named (H3), and shown in full.
    BOOST_TEST(created.at("sent").at("set").as_object().empty());
    BOOST_TEST(created.at("sent").at("set_as_after").as_array().size() == 4u);
    json::object shown = created;
    audit::expand_sent(shown);
    BOOST_TEST(shown.at("sent").at("set").at("petitioner_id") == "P-1");
    BOOST_TEST(shown.at("sent").at("set").as_object().size() == 4u);
    BOOST_TEST(!shown.at("sent").as_object().contains("set_as_after"));
    // Each edit lists exactly what it altered.
    BOOST_TEST(t[1].entry.detail.at("fields").as_object().size() == 1u);
    BOOST_TEST((change_of(t[1], "status") ==
                std::pair<json::value, json::value>{"received", "processing"}));
    BOOST_TEST(
        (change_of(t[2], "summary") == std::pair<json::value, json::value>{nullptr, "Đơn thư"}));
    BOOST_TEST((change_of(t[3], "status") ==
                std::pair<json::value, json::value>{"processing", "resolved"}));
    BOOST_TEST(t[3].entry.detail.at("base") == 1);
    BOOST_TEST((t[3].entry.detail.at("answer").at("conflicts") ==
                json::array{json::value(std::to_string(item))}));
    // The decision's change, then what was decided.
    BOOST_TEST((change_of(t[4], "status") ==
                std::pair<json::value, json::value>{"resolved", "processing"}));
    const auto& decided = t[5].entry.detail;
    BOOST_TEST(decided.at("item") == item);
    BOOST_TEST(decided.at("item_kind") == "field");
    BOOST_TEST(decided.at("field") == "status");
    BOOST_TEST(decided.at("decision") == "side");
    BOOST_TEST(decided.at("chosen") == "processing");
    BOOST_TEST((decided.at("records") == json::array{json::value(id)}));
    BOOST_TEST(!w.verify().problem.has_value());
}

// H1, H3: a resend answered duplicate and a rejected change are received too.
BOOST_AUTO_TEST_CASE(resends_and_rejected_changes_have_entries) {
    history_world w;
    const auto id = test::record_id(2);
    sync::change_msg m;
    m.seq = 1;
    m.record = id;
    m.type = "petition";
    m.org_unit = "LS.TP.P1";
    m.hlc = sync::format_hlc({t0 + 10, 0});
    m.set = petition_fields("P-2");
    test::push(*w.s, w.a, {m});
    const auto again = test::push(*w.s, w.a, {m});  // the answer was lost: sent again
    BOOST_TEST(again.results.at(0).status == sync::change_status::duplicate);

    // Outside the device's scope (LS.CL), and a type that is not even UTF-8.
    sync::change_msg out = m;
    out.seq = 2;
    out.record = test::record_id(3);
    out.org_unit = "LS.CL.X1";
    sync::change_msg garbled = m;
    garbled.seq = 3;
    garbled.record = test::record_id(4);
    garbled.type = "petition\xff";
    const auto refused = test::push(*w.s, w.a, {out, garbled});
    BOOST_TEST(refused.results.at(0).status == sync::change_status::rejected);
    BOOST_TEST(refused.results.at(1).status == sync::change_status::rejected);

    store::history_query q;
    q.device_id = w.a;
    const auto rows = w.rows(q);
    BOOST_REQUIRE_EQUAL(rows.size(), 4u);
    BOOST_TEST(rows[0].entry.kind == "change");
    BOOST_TEST(rows[1].entry.kind == "resend");
    BOOST_TEST(rows[1].entry.record == id);
    BOOST_TEST(rows[1].entry.detail.at("seq") == 1);
    BOOST_TEST(rows[1].entry.detail.at("answer").at("status") == "duplicate");
    BOOST_TEST(!rows[1].entry.detail.contains("fields"));
    BOOST_TEST(rows[2].entry.kind == "rejected");
    BOOST_TEST(rows[2].entry.org_unit == "LS.CL.X1");
    BOOST_TEST(rows[2].entry.detail.at("answer").at("status") == "rejected");
    BOOST_TEST(rows[2].entry.detail.at("answer").at("error").at("code") == "out_of_scope");
    BOOST_TEST(rows[2].entry.detail.at("sent").at("org_unit") == "LS.CL.X1");
    BOOST_TEST(!rows[2].entry.detail.contains("fields"));
    // The bad byte is U+FFFD in the body and, so that they agree (H2), in the column.
    BOOST_TEST(rows[3].entry.kind == "rejected");
    BOOST_TEST(rows[3].entry.type == "petition\xEF\xBF\xBD");
    store::history_query by_type;
    by_type.kind = "rejected";
    by_type.record = test::record_id(4);
    BOOST_TEST(w.rows(by_type).size() == 1u);
    BOOST_TEST(!w.verify().problem.has_value());
}

// H1: administrative actions name who did them, how, and for whom; never a secret.
BOOST_AUTO_TEST_CASE(administrative_actions_are_recorded_with_their_actor) {
    history_world w;
    const std::uint64_t start = w.s->history_head().first;
    const std::string password = "mat-khau-rat-dai-2024";
    store::new_user u;
    u.username = "canbo.moi";
    u.display_name = "Cán bộ mới";
    u.role = access::role::officer;
    u.org_unit = "LS.TP";
    u.password = password;
    BOOST_REQUIRE(w.s->add_user(u, admin_api).has_value());
    BOOST_REQUIRE(w.s->set_user_role("canbo.moi", access::role::reviewer, admin_api));
    BOOST_REQUIRE(w.s->move_user("canbo.moi", "LS.CL", admin_api));
    BOOST_REQUIRE(w.s->set_password("canbo.moi", password + "!", admin_api));
    const auto dev = w.s->add_device("máy 1", "canbo.moi", admin_api);
    BOOST_REQUIRE(dev.has_value());
    const auto code = w.s->create_enrollment_code("canbo.moi", std::chrono::hours(1), admin_api);
    BOOST_REQUIRE(code.has_value());
    const auto enrolled = w.s->enroll(code->code, "máy 2", {"", "api", "10.9.9.9"});
    BOOST_REQUIRE(enrolled.has_value());
    const store::actor cli{"root", "sotay-admin", ""};
    BOOST_REQUIRE(w.s->revoke_device(dev->device_id, cli));
    BOOST_REQUIRE(w.s->revoke_device(dev->device_id, cli));  // twice: recorded once
    BOOST_REQUIRE(w.s->set_user_disabled("canbo.moi", true, admin_api));
    BOOST_REQUIRE(w.s->set_user_disabled("canbo.moi", false, admin_api));
    BOOST_REQUIRE(w.s->import_org({{{"LS.CL.X2", "Xã mới", "LS.CL", "Xã"}, 2}}, cli));

    const std::vector<std::pair<std::string, std::string>> expected = {
        {"user_added", "quan.tri"},       {"user_role", "quan.tri"},
        {"user_moved", "quan.tri"},       {"password_set", "quan.tri"},
        {"device_added", "quan.tri"},     {"enrollment_code", "quan.tri"},
        {"device_enrolled", "canbo.moi"}, {"device_revoked", "root"},
        {"user_disabled", "quan.tri"},    {"user_enabled", "quan.tri"},
        {"org_import", "root"},
    };
    store::history_query q;
    q.after = start;
    const auto admin = w.rows(q);
    BOOST_REQUIRE_EQUAL(admin.size(), expected.size());
    for (std::size_t i = 0; i < admin.size(); ++i) {
        BOOST_TEST(admin[i].entry.kind == expected[i].first);
        BOOST_TEST(admin[i].entry.username == expected[i].second);
        // Never a password, a token or a code (H1).
        BOOST_TEST(admin[i].body.find(password) == std::string::npos);
        BOOST_TEST(admin[i].body.find(code->code) == std::string::npos);
        BOOST_TEST(admin[i].body.find(dev->token) == std::string::npos);
        BOOST_TEST(admin[i].body.find(enrolled->device.token) == std::string::npos);
    }
    const auto& added = admin[0].entry.detail;
    BOOST_TEST(added.at("via") == "api");
    BOOST_TEST(added.at("address") == "10.1.2.3");
    BOOST_TEST(added.at("user") == "canbo.moi");
    BOOST_TEST(added.at("role") == "officer");
    BOOST_TEST(added.at("password_set") == true);
    BOOST_TEST(admin[1].entry.detail.at("from") == "officer");
    BOOST_TEST(admin[1].entry.detail.at("to") == "reviewer");
    BOOST_TEST(admin[2].entry.detail.at("from") == "LS.TP");
    BOOST_TEST(admin[2].entry.detail.at("to") == "LS.CL");
    BOOST_TEST(admin[4].entry.detail.at("device") == json::value(dev->device_id));
    BOOST_TEST(admin[6].entry.detail.at("device") == json::value(enrolled->device.device_id));
    BOOST_TEST(admin[6].entry.detail.at("address") == "10.9.9.9");
    BOOST_TEST(admin[7].entry.detail.at("via") == "sotay-admin");
    BOOST_TEST((admin[10].entry.detail.at("units") == json::array{"LS.CL.X2"}));
    // The fixture's own seeding has no actor: the system.
    BOOST_TEST(w.of_kind("org_import").front().entry.username == "");
    BOOST_TEST(!w.verify().problem.has_value());
}

// H1: logins, logouts and failed logins; the name typed is kept only as far as it reads.
BOOST_AUTO_TEST_CASE(logins_failed_logins_and_logouts_are_recorded) {
    history_world w;
    BOOST_REQUIRE(w.s->set_password("canbo.a", "mat-khau-cua-a-2024"));
    const store::actor web{"", "api", "192.0.2.7"};
    const auto user = w.s->check_password("canbo.a", "mat-khau-cua-a-2024", web);
    BOOST_REQUIRE(user.has_value());
    const auto session = w.s->create_web_session(user->id, std::chrono::hours(8), web);
    BOOST_REQUIRE(session.has_value());
    w.s->end_web_session(session->token, web);
    w.s->end_web_session(session->token, web);  // already ended: nothing happened
    BOOST_TEST(!w.s->check_password("canbo.a", "sai", web).has_value());
    BOOST_TEST(!w.s->check_password("khong.co", "sai", web).has_value());
    const std::string long_name = std::string(63, 'x') + "ệ";  // 66 bytes: the ệ is cut
    BOOST_TEST(!w.s->check_password(long_name, "sai", web).has_value());
    BOOST_TEST(!w.s->check_password("ab\xff\xfe"
                                    "cd",
                                    "sai", web)
                    .has_value());

    const auto logins = w.of_kind("login");
    BOOST_REQUIRE_EQUAL(logins.size(), 1u);
    BOOST_TEST(logins[0].entry.username == "canbo.a");
    BOOST_TEST(logins[0].entry.detail.at("address") == "192.0.2.7");
    BOOST_TEST(logins[0].body.find(session->token) == std::string::npos);
    const auto logouts = w.of_kind("logout");
    BOOST_REQUIRE_EQUAL(logouts.size(), 1u);
    BOOST_TEST(logouts[0].entry.username == "canbo.a");
    const auto failed = w.of_kind("login_failed");
    BOOST_REQUIRE_EQUAL(failed.size(), 4u);
    BOOST_TEST(failed[0].entry.username == "canbo.a");
    BOOST_TEST(failed[0].entry.detail.at("via") == "api");
    BOOST_TEST(failed[0].body.find("sai") == std::string::npos);  // never the password
    BOOST_TEST(failed[1].entry.username == "khong.co");
    BOOST_TEST(failed[2].entry.username == std::string(63, 'x'));
    BOOST_TEST(failed[3].entry.username == "ab");
    BOOST_TEST(!w.verify().problem.has_value());
}

BOOST_AUTO_TEST_CASE(queries_filter_by_user_device_kind_period_and_scope_and_page_by_seq) {
    history_world w;
    test::add_user(*w.s, "canbo.cl", access::role::officer, "LS.CL");
    const auto cl = test::add_device(*w.s, "canbo.cl");
    w.push(w.a, test::record_id(1), petition_fields("P-1"), 0, 10);
    w.env.advance(std::chrono::minutes(1));
    const std::int64_t later = w.env.clock->load();
    w.push(w.b, test::record_id(2), petition_fields("P-2"), 0, 20);
    w.push(w.a, test::record_id(1), {{"status", sync::value{"processing"}}}, 1, 30);
    w.push(cl, test::record_id(3), petition_fields("P-3"), 0, 40, "LS.CL.X1");

    store::history_query by_user;
    by_user.username = "canbo.a";
    BOOST_TEST(w.rows(by_user).size() == 2u);
    store::history_query by_device;
    by_device.device_id = w.b;
    const auto from_b = w.rows(by_device);
    BOOST_REQUIRE_EQUAL(from_b.size(), 1u);
    BOOST_TEST(from_b[0].entry.record == test::record_id(2));
    store::history_query period;
    period.kind = "change";
    period.from_ms = later;
    BOOST_TEST(w.rows(period).size() == 3u);
    period.to_ms = later;  // [later, later): empty
    BOOST_TEST(w.rows(period).empty());
    store::history_query before;
    before.kind = "change";
    before.to_ms = later;
    BOOST_TEST(w.rows(before).size() == 1u);

    // A district's auditor sees the entries about its records, and nothing else.
    store::history_query cl_scope;
    cl_scope.scope = test::subtree(*w.s, "LS.CL");
    const auto in_cl = w.rows(cl_scope);
    BOOST_REQUIRE_EQUAL(in_cl.size(), 1u);
    BOOST_TEST(in_cl[0].entry.record == test::record_id(3));
    store::history_query tp_scope;
    tp_scope.scope = test::subtree(*w.s, "LS.TP");
    BOOST_TEST(w.rows(tp_scope).size() == 3u);
    // Everything: the administrative entries too.
    const auto all = w.rows();
    BOOST_TEST(all.size() > 4u);
    BOOST_TEST(all.front().entry.seq == 1u);
    BOOST_TEST(all.back().entry.seq == all.size());

    // Pages of 3 by the seq cursor cover everything once, in order.
    std::vector<std::uint64_t> seen;
    store::history_query page;
    page.limit = 3;
    for (;;) {
        const auto p = w.s->history(page);
        BOOST_REQUIRE(p.has_value());
        BOOST_TEST(p->rows.size() <= 3u);
        for (const auto& r : p->rows) seen.push_back(r.entry.seq);
        if (!p->more) break;
        BOOST_TEST(p->next == seen.back());
        page.after = p->next;
    }
    BOOST_REQUIRE_EQUAL(seen.size(), all.size());
    for (std::size_t i = 0; i < seen.size(); ++i) BOOST_TEST(seen[i] == i + 1);

    page.limit = 0;
    const auto bad = w.s->history(page);
    BOOST_REQUIRE(bad.has_error());
    BOOST_TEST(bad.error().code == sync::errc::validation);
    BOOST_TEST(bad.error().field.value_or("") == "limit");
}

BOOST_AUTO_TEST_CASE(record_event_appends_the_callers_entry_and_refuses_the_stores_kinds) {
    history_world w;
    BOOST_REQUIRE(w.s->record_event("export.csv", admin_api, {{"rows", 12}, {"scope", "LS.TP"}}));
    const auto ev = w.of_kind("export.csv");
    BOOST_REQUIRE_EQUAL(ev.size(), 1u);
    BOOST_TEST(ev[0].entry.username == "quan.tri");
    BOOST_TEST(ev[0].entry.detail.at("rows") == 12);
    BOOST_TEST(ev[0].entry.detail.at("address") == "10.1.2.3");
    BOOST_TEST(w.s->record_event("change", admin_api, {}).error().code == sync::errc::validation);
    BOOST_TEST(w.s->record_event("Bad Kind", admin_api, {}).error().code == sync::errc::validation);
    BOOST_TEST(w.s->record_event("x", admin_api, {{"via", "forged"}}).error().code ==
               sync::errc::validation);
    const auto [seq, hash] = w.s->history_head();
    BOOST_TEST(seq == ev[0].entry.seq);
    BOOST_TEST((hash == ev[0].hash));
}

// H1: another process (sotay-admin) appends between this store's transactions; each
// transaction follows the head it finds, so the chain never forks.
BOOST_AUTO_TEST_CASE(two_store_objects_on_one_file_extend_one_chain) {
    history_world w;
    auto other = w.env.open(false);
    w.push(w.a, test::record_id(1), petition_fields("P-1"), 0, 10);
    BOOST_REQUIRE(other->record_event("note", {"root", "sotay-admin", ""}, {}));
    w.push(w.a, test::record_id(1), {{"status", sync::value{"processing"}}}, 1, 20);
    BOOST_REQUIRE(
        other->set_user_role("canbo.c", access::role::auditor, {"root", "sotay-admin", ""}));
    w.push(w.b, test::record_id(2), petition_fields("P-2"), 0, 30);
    const auto all = w.rows();
    for (std::size_t i = 0; i < all.size(); ++i) BOOST_TEST(all[i].entry.seq == i + 1);
    const auto report = w.verify();
    BOOST_TEST(!report.problem.has_value());
    BOOST_TEST(report.entries == all.size());
    BOOST_TEST(report.head_seq == all.size());
    BOOST_TEST((report.head_hash == all.back().hash));
    BOOST_TEST((other->history_head() == w.s->history_head()));
}

BOOST_AUTO_TEST_CASE(verify_reports_progress_every_ten_thousand_rows) {
    history_world w;
    std::vector<sync::change_msg> many;
    for (int i = 1; i <= 10'050; ++i) {
        sync::change_msg m;
        m.seq = static_cast<std::uint64_t>(i);
        m.record = test::record_id(100 + i);
        m.type = "petition";
        m.org_unit = "LS.TP.P1";
        m.hlc = sync::format_hlc({t0 + static_cast<std::uint64_t>(i), 0});
        m.set = petition_fields("P-" + std::to_string(i));  // no duplicates (R2)
        many.push_back(std::move(m));
    }
    test::push(*w.s, w.a, std::move(many));
    std::vector<std::uint64_t> calls;
    const auto r = w.s->verify_history(std::nullopt, [&](std::uint64_t n) { calls.push_back(n); });
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(!r->problem.has_value());
    BOOST_TEST(r->entries > 10'050u);
    BOOST_TEST(calls == std::vector<std::uint64_t>{10'000});
}

// Tampering below the store: each change to the file is named at the entry it concerns.
struct tamper_world : history_world {
    tamper_world() {
        // Entries 1-9 are the org import, the users and the devices; then the changes.
        const auto id = test::record_id(1);
        push(a, id, petition_fields("P-1"), 0, 10);
        push(b, id, {{"status", sync::value{"processing"}}}, 1, 20);
        push(c, id, {{"status", sync::value{"resolved"}}}, 2, 30);
        push(a, test::record_id(2), petition_fields("P-2"), 0, 40);
        BOOST_REQUIRE(!verify().problem.has_value());
    }
    // The seq of the entry of B's edit.
    std::uint64_t b_edit() {
        store::history_query q;
        q.device_id = b;
        return rows(q).at(0).entry.seq;
    }
};

BOOST_AUTO_TEST_CASE(a_changed_body_is_named) {
    tamper_world w;
    const auto n = w.b_edit();
    history_db(w.env.dir.path())
        .exec("UPDATE history SET body = replace(body, 'processing', 'rejected') WHERE seq = " +
              std::to_string(n));
    const auto r = w.verify();
    BOOST_REQUIRE(r.problem.has_value());
    BOOST_TEST((r.problem->kind == audit::problem_kind::changed));
    BOOST_TEST(r.problem->seq == n);
    BOOST_TEST(!r.in_columns);
    BOOST_TEST(r.head_seq == n - 1);
}

BOOST_AUTO_TEST_CASE(a_column_changed_without_its_body_is_named) {  // H2
    tamper_world w;
    const auto n = w.b_edit();
    history_db(w.env.dir.path())
        .exec("UPDATE history SET username = 'canbo.c' WHERE seq = " + std::to_string(n));
    const auto r = w.verify();
    BOOST_REQUIRE(r.problem.has_value());
    BOOST_TEST(r.in_columns);
    BOOST_TEST(r.problem->seq == n);
    BOOST_TEST(r.problem->message.find("username") != std::string::npos, r.problem->message);
    BOOST_TEST(r.problem->message.find("canbo.b") != std::string::npos, r.problem->message);
}

BOOST_AUTO_TEST_CASE(a_deleted_row_is_named) {
    tamper_world w;
    const auto n = w.b_edit();
    history_db(w.env.dir.path()).exec("DELETE FROM history WHERE seq = " + std::to_string(n));
    const auto r = w.verify();
    BOOST_REQUIRE(r.problem.has_value());
    BOOST_TEST((r.problem->kind == audit::problem_kind::missing));
    BOOST_TEST(r.problem->seq == n);
}

BOOST_AUTO_TEST_CASE(two_rows_with_swapped_seqs_are_named) {
    tamper_world w;
    const auto n = w.b_edit();
    const auto s = std::to_string(n), next = std::to_string(n + 1);
    history_db(w.env.dir.path())
        .exec("BEGIN; UPDATE history SET seq = -1 WHERE seq = " + s +
              "; UPDATE history SET seq = " + s + " WHERE seq = " + next +
              "; UPDATE history SET seq = " + next + " WHERE seq = -1; COMMIT");
    const auto r = w.verify();
    BOOST_REQUIRE(r.problem.has_value());
    BOOST_TEST((r.problem->kind == audit::problem_kind::swapped));
    BOOST_TEST(r.problem->seq == n);
}

// Recomputing every hash after changing entry 3 leaves a chain intact by itself; a head
// signed before it (and kept elsewhere) still shows the rewrite.
BOOST_AUTO_TEST_CASE(a_signed_head_catches_a_rewrite_of_the_whole_chain) {
    tamper_world w;
    audit::seed seed{};
    seed[0] = 7;
    const audit::signing_key key(seed);
    const auto [seq, hash] = w.s->history_head();
    const auto head = key.sign(seq, hash, test::store_env::start_ms);
    BOOST_REQUIRE(audit::check(head, key.public_part()));
    BOOST_TEST(!w.verify(head).problem.has_value());
    // More entries after the head are fine.
    w.push(w.c, test::record_id(5), petition_fields("P-5"), 0, 50);
    BOOST_TEST(!w.verify(head).problem.has_value());

    {
        history_db raw(w.env.dir.path());
        raw.exec("BEGIN");
        audit::digest prev = audit::genesis;
        for (auto [n, body] : raw.bodies()) {
            if (n == 3) {
                auto e = audit::parse_entry(body);
                BOOST_REQUIRE(e.has_value());
                e->detail["user"] = "ke.gian";
                body = audit::entry_body(*e);
            }
            prev = audit::link(prev, n, body);
            raw.set_row(n, body, prev);
        }
        raw.exec("COMMIT");
    }
    BOOST_TEST(!w.verify().problem.has_value());  // consistent by itself
    const auto r = w.verify(head);
    BOOST_REQUIRE(r.problem.has_value());
    BOOST_TEST((r.problem->kind == audit::problem_kind::head_differs));
    BOOST_TEST(r.problem->seq == seq);
}

// H3: a sent value is written out where it is not its field's after (here: a field set to
// the value it had, which alters nothing), named in "set_as_after" where it is; the change
// log gives back the body as the device sent it either way (format 6).
BOOST_AUTO_TEST_CASE(a_sent_value_is_stored_once_and_shown_in_full) {
    history_world w;
    const auto id = test::record_id(1);
    w.push(w.a, id, petition_fields("P-1"), 0, 10);
    const auto r = w.push(w.a, id,
                          {{"status", sync::value{"received"}}, {"summary", sync::value{"Đơn"}}},
                          1, 20);
    BOOST_REQUIRE((r.status == sync::change_status::applied));
    const auto t = w.of_record(id);
    BOOST_REQUIRE_EQUAL(t.size(), 2u);
    const auto& sent = t[1].entry.detail.at("sent").as_object();
    BOOST_TEST((sent.at("set") == json::object{{"status", "received"}}));
    BOOST_TEST((sent.at("set_as_after") == json::array{"summary"}));
    json::object shown = t[1].entry.detail;
    audit::expand_sent(shown);
    BOOST_TEST((shown.at("sent").at("set") ==
                json::object{{"status", "received"}, {"summary", "Đơn"}}));
    BOOST_TEST(!w.verify().problem.has_value());

    // The log row keeps no copy; change_log puts back what change_to_json wrote.
    {
        history_db raw(w.env.dir.path());
        BOOST_TEST(raw.change_body(2) == "");
    }
    const auto log = w.s->change_log(w.a);
    BOOST_REQUIRE_EQUAL(log.size(), 2u);
    sync::change_msg m;
    m.seq = 2;
    m.record = id;
    m.type = "petition";
    m.org_unit = "LS.TP.P1";
    m.hlc = sync::format_hlc({t0 + 20, 0});
    m.base = 1;
    m.set = {{"status", sync::value{"received"}}, {"summary", sync::value{"Đơn"}}};
    BOOST_TEST(log[1].body_json == sync::change_to_json(m));
    BOOST_TEST(json::parse(log[0].body_json).at("set").at("petitioner_id") == "P-1");
}

// Format 3 -> 4: a file whose change log predates the history gets a chain built from it.
BOOST_AUTO_TEST_CASE(a_format_3_file_gets_a_valid_chain_from_its_change_log) {
    history_world w;
    const auto id = test::record_id(1);
    w.push(w.a, id, petition_fields("P-1"), 0, 10);
    w.push(w.b, id, {{"status", sync::value{"processing"}}}, 1, 20);
    w.push(w.c, test::record_id(2), petition_fields("P-2"), 0, 30, "LS.CL.X1");  // rejected
    const auto log = w.s->change_log(std::nullopt);
    w.s.reset();
    {
        // What a format-3 file is: this one without the history, every change's body in
        // its log row (format 6 keeps an applied change's only in the history).
        history_db raw(w.env.dir.path());
        for (const auto& c : log) raw.set_change_body(c.device_id, c.seq, c.body_json);
        raw.exec("DROP TABLE history; UPDATE meta SET value = '3' WHERE key = 'store_format'");
    }
    w.s = w.env.open(false);
    const auto all = w.rows();
    BOOST_REQUIRE_EQUAL(all.size(), 3u);
    const std::vector<std::string> kinds = {"change", "change", "rejected"};
    const std::vector<std::string> devices = {w.a, w.b, w.c};
    const std::vector<std::string> users = {"canbo.a", "canbo.b", "canbo.c"};
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto& e = all[i].entry;
        BOOST_TEST(e.seq == i + 1);
        BOOST_TEST(e.kind == kinds[i]);
        BOOST_TEST(e.device_id == devices[i]);
        BOOST_TEST(e.username == users[i]);
        BOOST_TEST(e.detail.at("backfilled") == true);
        BOOST_TEST(!e.detail.contains("fields"));  // not known any more
        BOOST_TEST(e.at_ms == test::store_env::start_ms);
    }
    BOOST_TEST(all[1].entry.detail.at("sent").at("set").at("status") == "processing");
    BOOST_TEST(all[2].entry.detail.at("answer").at("error").at("code") == "out_of_scope");
    BOOST_TEST(!w.verify().problem.has_value());
    // The chain goes on from the backfilled entries.
    w.push(w.a, id, {{"status", sync::value{"resolved"}}}, 2, 40);
    const auto more = w.rows();
    BOOST_REQUIRE_EQUAL(more.size(), 4u);
    BOOST_TEST(!more[3].entry.detail.contains("backfilled"));
    BOOST_TEST(!w.verify().problem.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
