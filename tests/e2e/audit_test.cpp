// The audit history end to end (issue 7, docs/audit.md), on the real server and the real
// sotay-admin: three officers' phones edit one petition, two of them at once (a field
// conflict), a reviewer decides through `sotay-admin review resolve`, and `sotay-admin
// audit timeline` tells the whole story. Then the stopped server's SQLite file is
// tampered with through a raw connection, the way someone with access to the file would:
// one body changed, one row deleted, two rows swapped; `audit verify` names the entry
// each time. A whole chain rewritten with recomputed hashes passes a plain verify, and a
// head signed before it catches it.
#include <sqlite3.h>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <iterator>
#include <sotay/audit/chain.hpp>
#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace json = boost::json;
using namespace sotay;
using namespace sotay::e2e;

namespace {

constexpr const char* reviewer = "xetduyet.tp";
const std::string admin_path = std::string(SOTAY_BIN_DIR) + "/sotay-admin";

std::string text(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// A raw connection to a database file, for tampering; throws on any SQLite error.
class raw_db {
  public:
    explicit raw_db(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            const std::string why = sqlite3_errmsg(db_);
            sqlite3_close(db_);
            throw std::runtime_error("open " + path + ": " + why);
        }
    }
    ~raw_db() { sqlite3_close(db_); }
    raw_db(const raw_db&) = delete;
    raw_db& operator=(const raw_db&) = delete;

    void exec(const std::string& sql) {
        char* error = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
            const std::string why = error != nullptr ? error : "?";
            sqlite3_free(error);
            throw std::runtime_error(sql + ": " + why);
        }
    }
    // Every (seq, body) of the history, in seq order.
    std::vector<std::pair<std::uint64_t, std::string>> bodies() {
        std::vector<std::pair<std::uint64_t, std::string>> out;
        sqlite3_stmt* q = nullptr;
        sqlite3_prepare_v2(db_, "SELECT seq, body FROM history ORDER BY seq", -1, &q, nullptr);
        while (sqlite3_step(q) == SQLITE_ROW) {
            out.emplace_back(static_cast<std::uint64_t>(sqlite3_column_int64(q, 0)),
                             reinterpret_cast<const char*>(sqlite3_column_text(q, 1)));
        }
        sqlite3_finalize(q);
        return out;
    }
    void set_row(std::uint64_t seq, const std::string& body, const audit::digest& hash) {
        sqlite3_stmt* q = nullptr;
        sqlite3_prepare_v2(db_, "UPDATE history SET body = ?, hash = ? WHERE seq = ?", -1, &q,
                           nullptr);
        sqlite3_bind_text(q, 1, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
        sqlite3_bind_blob(q, 2, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, static_cast<sqlite3_int64>(seq));
        const int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
    }

  private:
    sqlite3* db_ = nullptr;
};

// A copy of the stopped server's database (VACUUM INTO keeps every rowid, so every seq).
std::string copy_of(const server_process& server, const std::string& name) {
    const std::string to = server.dir() + "/" + name + ".db";
    raw_db(server.db_path()).exec("VACUUM INTO '" + to + "'");
    return to;
}

program_output verify(const std::string& db, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--db", db, "audit", "verify"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_program(admin_path, args);
}

// The server with three officers' phones in LS.TP.P1 and the district's reviewer; one
// petition created by A, then changed by B and C from the same version (a conflict on
// status), the conflict resolved by the reviewer with sotay-admin; the server stopped.
struct story {
    server_process server;
    std::string record;
    std::string device_a, device_b, device_c;
    std::int64_t item = 0;
    std::int64_t started_ms = now_ms();

    story() {
        for (const char* u : {"canbo.a", "canbo.b", "canbo.c"}) {
            server.add_user(u, "officer", default_org_unit);
        }
        server.add_user(reviewer, "reviewer", "LS.TP");
        test_device a(server.add_device("điện thoại A", "canbo.a"));
        test_device b(server.add_device("điện thoại B", "canbo.b"));
        test_device c(server.add_device("điện thoại C", "canbo.c"));
        device_a = a.id();
        device_b = b.id();
        device_c = c.id();
        record = new_record_id();
        const auto push_one = [&](test_device& d, sync::change_msg change) {
            client::sync_client conn;
            d.connect(conn, server.port(), sync::wire_format::json);
            const auto r = push(conn, {std::move(change)});
            BOOST_TEST_REQUIRE(r.results.size() == 1u);
            BOOST_TEST_REQUIRE((r.results[0].status == sync::change_status::applied));
            conn.close();
        };
        push_one(a, a.create(record, petition("Đơn phản ánh đường sạt lở")));
        push_one(b, b.edit(record, 1, {{"status", sync::value{std::string("processing")}}}));
        push_one(c, c.edit(record, 1, {{"status", sync::value{std::string("resolved")}}}));

        const auto items =
            server.admin_json({"review", "list", "--record", record, "--json"}).as_object();
        BOOST_TEST_REQUIRE(items.at("items").as_array().size() == 1u);
        item = items.at("items").as_array()[0].as_object().at("item").to_number<std::int64_t>();
        server.admin_json(
            {"review", "resolve", std::to_string(item), "--side", "0", "--as", reviewer, "--json"});
        BOOST_TEST_REQUIRE(server.stop() == 0);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_e2e)

BOOST_AUTO_TEST_CASE(the_timeline_tells_three_devices_a_conflict_and_the_decision) {
    story s;
    const auto t = s.server.admin_json({"audit", "timeline", s.record, "--json"}).as_object();
    BOOST_TEST(text(t, "record") == s.record);

    // Every change to status, in order, with who, which device and both clocks.
    struct step {
        std::string user, device, before, after;
    };
    std::vector<step> status;
    bool decision = false;
    for (const auto& v : t.at("entries").as_array()) {
        const auto& e = v.as_object();
        BOOST_TEST(text(e, "record") == s.record);
        BOOST_TEST(e.at("at_ms").to_number<std::int64_t>() >= s.started_ms - 1000);
        if (text(e, "kind") == "decision") decision = true;
        const auto* st = e.at("fields").as_object().if_contains("status");
        if (st == nullptr) continue;
        if (!text(e, "device_id").empty() && text(e, "username") != reviewer) {
            // A phone's change carries its own clock reading besides the server's.
            BOOST_TEST(e.at("device_time_ms").is_int64());
        }
        status.push_back({text(e, "username"), text(e, "device_id"),
                          json::serialize(st->as_object().at("before")),
                          json::serialize(st->as_object().at("after"))});
    }
    BOOST_TEST_REQUIRE(status.size() == 4u, json::serialize(t));
    BOOST_TEST(status[0].user == "canbo.a");
    BOOST_TEST(status[0].device == s.device_a);
    BOOST_TEST(status[0].before == "null");
    BOOST_TEST(status[0].after == "\"received\"");
    BOOST_TEST(status[1].user == "canbo.b");
    BOOST_TEST(status[1].device == s.device_b);
    BOOST_TEST(status[1].before == "\"received\"");
    BOOST_TEST(status[1].after == "\"processing\"");
    BOOST_TEST(status[2].user == "canbo.c");
    BOOST_TEST(status[2].device == s.device_c);
    BOOST_TEST(status[2].before == "\"processing\"");
    BOOST_TEST(status[2].after == "\"resolved\"");
    // The reviewer kept side 0 (B's "processing"): the reviewer's own change.
    BOOST_TEST(status[3].user == reviewer);
    BOOST_TEST(status[3].before == "\"resolved\"");
    BOOST_TEST(status[3].after == "\"processing\"");
    BOOST_TEST(decision, "the decision has its own entry");

    const auto& items = t.at("review_items").as_array();
    BOOST_TEST_REQUIRE(items.size() == 1u);
    const auto& item = items[0].as_object();
    BOOST_TEST(item.at("item").to_number<std::int64_t>() == s.item);
    BOOST_TEST(text(item, "state") == "resolved");
    BOOST_TEST(text(item, "decided_by") == reviewer);

    // The same history is intact, and the text form names the people.
    const auto ok = verify(s.server.db_path());
    BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
    const auto shown = s.server.admin_run({"audit", "timeline", s.record});
    BOOST_TEST(shown.exit_code == 0);
    BOOST_TEST(shown.out.find("canbo.c") != std::string::npos, shown.out);
    BOOST_TEST(shown.out.find(reviewer) != std::string::npos, shown.out);
}

BOOST_AUTO_TEST_CASE(verify_names_a_changed_a_deleted_and_a_swapped_entry) {
    story s;
    const auto rows = raw_db(s.server.db_path()).bodies();
    BOOST_TEST_REQUIRE(rows.size() >= 6u);
    const std::uint64_t n = rows[rows.size() / 2].first;  // an entry in the middle
    const std::string at = "entry " + std::to_string(n) + ":";

    const std::string changed = copy_of(s.server, "changed");
    // One byte of its content: the server's time moves by a millisecond.
    raw_db(changed).exec(
        "UPDATE history SET body = replace(body, '\"at_ms\":', '\"at_ms\":1') "
        "WHERE seq = " +
        std::to_string(n));
    const auto r1 = verify(changed);
    BOOST_TEST(r1.exit_code == 1, r1.out << r1.err);
    BOOST_TEST(r1.out.starts_with(at), r1.out);

    const std::string deleted = copy_of(s.server, "deleted");
    raw_db(deleted).exec("DELETE FROM history WHERE seq = " + std::to_string(n));
    const auto r2 = verify(deleted);
    BOOST_TEST(r2.exit_code == 1, r2.out << r2.err);
    BOOST_TEST(r2.out.starts_with(at), r2.out);

    const std::string swapped = copy_of(s.server, "swapped");
    {
        raw_db db(swapped);
        const std::string a = std::to_string(n);
        const std::string b = std::to_string(n + 1);
        // Row n takes n+1's place and the other way round, every column but the number.
        db.exec("UPDATE history SET seq = -1 WHERE seq = " + a);
        db.exec("UPDATE history SET seq = " + a + " WHERE seq = " + b);
        db.exec("UPDATE history SET seq = " + b + " WHERE seq = -1");
    }
    const auto r3 = verify(swapped, {"--json"});
    BOOST_TEST(r3.exit_code == 1, r3.out << r3.err);
    const auto report = json::parse(r3.out).as_object();
    BOOST_TEST(report.at("intact").as_bool() == false);
    BOOST_TEST(report.at("problem").as_object().at("seq").to_number<std::uint64_t>() == n);
}

BOOST_AUTO_TEST_CASE(a_signed_head_catches_a_whole_chain_rewritten_after_it) {
    story s;
    const std::string head_file = s.server.dir() + "/head.json";
    const auto exported = s.server.admin_run({"audit", "head", "--out", head_file});
    BOOST_TEST_REQUIRE(exported.exit_code == 0, exported.err);
    std::ifstream head_in(head_file);
    const std::string head_text((std::istreambuf_iterator<char>(head_in)),
                                std::istreambuf_iterator<char>());
    const auto head = json::parse(head_text).as_object();
    const auto head_seq = head.at("seq").to_number<std::uint64_t>();

    // The forger moves entry 2's time (its body and its at_ms column alike) and recomputes
    // every hash from there: a chain consistent with itself.
    {
        raw_db db(s.server.db_path());
        auto rows = db.bodies();
        BOOST_TEST_REQUIRE(rows.size() >= 2u);
        audit::digest prev = audit::genesis;
        for (auto& [seq, body] : rows) {
            if (seq == 2) {
                const auto at = body.find("\"at_ms\":") + 8;
                BOOST_TEST_REQUIRE(at != std::string::npos + 8);
                body.insert(at, "1");
                const auto moved = body.substr(at, body.find(',', at) - at);
                db.exec("UPDATE history SET at_ms = " + moved + " WHERE seq = 2");
            }
            prev = audit::link(prev, seq, body);
            db.set_row(seq, body, prev);
        }
    }

    const auto plain = verify(s.server.db_path());
    BOOST_TEST(plain.exit_code == 0, plain.out << plain.err);

    const auto against = verify(s.server.db_path(), {"--head", head_file, "--audit-key",
                                                     s.server.db_path() + ".audit-key"});
    BOOST_TEST(against.exit_code == 1, against.out << against.err);
    BOOST_TEST(against.out.starts_with("entry " + std::to_string(head_seq) + ":"), against.out);
}

BOOST_AUTO_TEST_SUITE_END()
