// The server's database is restored from a copy taken earlier (VACUUM INTO while the
// server runs, like a nightly backup). The devices' next syncs bring back every change
// made after the copy, because each device keeps its acknowledged changes (device.hpp D5).
#include "cli_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <filesystem>

namespace json = boost::json;
using namespace sotay;
using namespace sotay::e2e;

namespace {

// A consistent copy of a live SQLite database (one read transaction).
void backup_live_database(const std::string& from, const std::string& to) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(from.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        const std::string why = sqlite3_errmsg(db);
        sqlite3_close(db);
        throw std::runtime_error("open " + from + ": " + why);
    }
    // 10 s: the server's group commit holds the write lock for milliseconds at a time.
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt* q = nullptr;
    int rc = sqlite3_prepare_v2(db, "VACUUM INTO ?", -1, &q, nullptr);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, to.c_str(), -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(q);
    }
    const std::string why = sqlite3_errmsg(db);
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (rc != SQLITE_DONE) {
        throw std::runtime_error("VACUUM INTO " + to + ": " + why);
    }
}

// Replaces the stopped server's database with the copy (and drops its WAL, which
// belongs to the newer file).
void restore_database(const std::string& backup, const std::string& db) {
    namespace fs = std::filesystem;
    fs::copy_file(backup, db, fs::copy_options::overwrite_existing);
    fs::remove(db + "-wal");
    fs::remove(db + "-shm");
}

std::string field_text(const json::object& record, const std::string& field) {
    const auto* v = record.at("fields").as_object().if_contains(field);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : "<absent>";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_restore)

BOOST_AUTO_TEST_CASE(a_server_restored_from_an_earlier_copy_gets_back_every_later_change) {
    server_process server;
    const auto creds = server.add_devices("huyện Tràng Định", 3);
    // The devices reach the server through a proxy, whose port survives the restart.
    tcp_proxy proxy(server.port());
    cli_device a;
    cli_device b;
    a.init(proxy.port(), creds[0]);
    b.init(proxy.port(), creds[1], "json");

    // Before the backup: records on both devices, synced.
    const auto p = a.add("petition", {"kind=complaint", "received_on=2022-03-04",
                                      "status=received", "summary=Tranh chấp đất đai"});
    const auto m = a.add("model_work", {"name=Đường bê tông thôn Nà Pàn",
                                        "registered_on=2022-01-10", "status=registered",
                                        "value_vnd=719690000"});
    const auto s = b.add("study_session", {"held_on=2022-02-03", "topic=Học tập và làm theo Bác",
                                           "attendance=27", "has_study_content=true"});
    a.ok({"sync"});
    b.ok({"sync"});
    a.ok({"sync"});

    const std::string backup = a.dir() + "/server-backup.db";
    backup_live_database(server.db_path(), backup);

    // After the backup: more work on both devices, acknowledged by the server.
    a.ok({"edit", p, "--set", "status=processing"});
    a.ok({"edit", m, "--set", "status=completed", "--set", "completed_on=2022-09-02"});
    const auto c = a.add("citizen_contact", {"held_on=2022-09-05", "kind=reception",
                                             "leader=Bí thư xã", "people_count=12"});
    b.ok({"edit", p, "--set", "summary=Tranh chấp đất đai giữa hai hộ"});
    b.ok({"delete", s});
    const auto e = b.add("exemplar", {"honoree_kind=collective", "name=Chi bộ thôn Nà Pàn",
                                      "honoured_on=2022-09-10", "award=certificate_of_merit"});
    b.ok({"sync"});
    a.ok({"sync"});
    b.ok({"sync"});
    const auto before = server_records(server, creds[2]);
    const auto a_made = a.status().at("last_seq_made").to_number<std::size_t>();
    const auto b_made = b.status().at("last_seq_made").to_number<std::size_t>();
    BOOST_TEST(a_made == 5u);
    BOOST_TEST(b_made == 4u);

    // The disk fails; the administrator restores the copy.
    BOOST_TEST(server.stop() == 0);
    restore_database(backup, server.db_path());
    server.restart();
    proxy.set_target(server.port());
    BOOST_TEST(logged_seqs(server, a.id()).size() == 2u);  // the restored server lost the rest
    BOOST_TEST(logged_seqs(server, b.id()).size() == 1u);

    // Each device notices (welcome.last_seq below what was acknowledged) and resends.
    const auto ra = a.json({"sync"}).as_object();
    BOOST_TEST(ra.at("server_restored").as_bool());
    BOOST_TEST(ra.at("sent").to_number<std::size_t>() == a_made - 2);
    const auto rb = b.json({"sync"}).as_object();
    BOOST_TEST(rb.at("server_restored").as_bool());
    BOOST_TEST(rb.at("sent").to_number<std::size_t>() == b_made - 1);
    a.ok({"sync"});

    // Every change is back, once each, and the state is the one from before the failure.
    for (const auto* d : {&a, &b}) {
        const auto made = d->status().at("last_seq_made").to_number<std::size_t>();
        const auto log = log_by_seq(server, d->id());
        BOOST_TEST(log.count == made);
        BOOST_TEST(log.by_seq.size() == made);
        BOOST_TEST(log.by_seq.rbegin()->first == made);
    }
    const auto after = server_records(server, creds[2]);
    BOOST_TEST_REQUIRE(after.size() == before.size());
    for (const auto& [id, r] : before) {
        BOOST_TEST_CONTEXT("record " << id) {
            BOOST_TEST_REQUIRE(after.count(id) == 1u);
            BOOST_TEST(json::serialize(after.at(id)) == json::serialize(r));
        }
    }
    BOOST_TEST(field_text(after.at(p), "status") == "processing");
    BOOST_TEST(field_text(after.at(p), "summary") == "Tranh chấp đất đai giữa hai hộ");
    BOOST_TEST(field_text(after.at(m), "completed_on") == "2022-09-02");
    BOOST_TEST(after.at(s).at("deleted").as_bool());
    BOOST_TEST(after.count(c) == 1u);
    BOOST_TEST(after.count(e) == 1u);

    // Both devices show the server's state.
    for (const auto* d : {&a, &b}) {
        const auto records = d->records();
        std::size_t live = 0;
        for (const auto& [id, r] : after) {
            if (r.at("deleted").as_bool()) {
                BOOST_TEST(records.count(id) == 0u);
                continue;
            }
            ++live;
            BOOST_TEST_REQUIRE(records.count(id) == 1u);
            BOOST_TEST(json::serialize(comparable(records.at(id))) == json::serialize(r));
        }
        BOOST_TEST(records.size() == live);
    }
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
