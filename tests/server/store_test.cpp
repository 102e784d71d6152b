// The SQLite store against the invariants of store.hpp (S1-S4) and the clock rule.
#include "fixture.hpp"

#include <sotay/store/sqlite_store.hpp>
#include <sotay/sync/hlc.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <random>

namespace {
using namespace sotay;
namespace fs = std::filesystem;

constexpr std::int64_t fixed_now = 1'795'000'000'000LL;

struct temp_db {
    fs::path dir;
    temp_db() {
        std::random_device rd;
        dir = fs::temp_directory_path() / ("sotay-store-test-" + std::to_string(rd()));
        fs::create_directories(dir);
    }
    ~temp_db() { fs::remove_all(dir); }
    std::string path() const { return (dir / "central.db").string(); }
    std::unique_ptr<store::store> open() const {
        store::sqlite_options o;
        o.now_ms = [] { return fixed_now; };
        auto s = store::open_sqlite_store(path(), o);
        test::seed(*s);
        return s;
    }
};

std::string record_id(int n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "0190f5a2-7c41-7d3e-8a5b-%012d", n);
    return buf;
}

sync::change_msg petition(std::uint64_t seq, int rec, std::uint64_t wall, std::uint64_t base,
                          sync::field_map set) {
    sync::change_msg c;
    c.seq = seq;
    c.record = record_id(rec);
    c.type = "petition";
    c.org_unit = "LS.TP.P1";
    c.hlc = sync::format_hlc({wall, 0});
    c.base = base;
    c.set = std::move(set);
    return c;
}

store::push_outcome push_one(store::store& s, const std::string& device,
                             std::vector<sync::change_msg> changes, std::int64_t offset = 0) {
    store::write_batch b;
    b.pushes.push_back({device, offset, std::move(changes)});
    auto out = s.write(b);
    BOOST_REQUIRE(out.has_value());
    return out->pushes.at(0);
}

std::map<std::string, sync::record_msg> pull_all(store::store& s, std::size_t limit = 1000) {
    std::map<std::string, sync::record_msg> out;
    std::uint64_t after = 0;
    for (;;) {
        auto page = s.pull(after, limit);
        BOOST_REQUIRE(page.has_value());
        for (auto& r : page->records) {
            BOOST_TEST(out.count(r.record) == 0u);  // S3: once per catch-up
            out[r.record] = r;
        }
        after = page->next;
        if (!page->more) return out;
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite_store)

BOOST_AUTO_TEST_CASE(a_device_authenticates_only_with_its_own_token) {
    temp_db t;
    auto s = t.open();
    auto a = s->add_device("phone A", test::officer);
    auto b = s->add_device("phone B", test::officer);
    BOOST_REQUIRE(a.has_value() && b.has_value());
    BOOST_TEST(s->authenticate(a->device_id, a->token).has_value());
    auto wrong = s->authenticate(a->device_id, b->token);
    BOOST_REQUIRE(!wrong.has_value());
    BOOST_TEST(wrong.error().code == sync::errc::auth_failed);
    BOOST_TEST(!s->authenticate("nobody", a->token).has_value());
}

BOOST_AUTO_TEST_CASE(applied_changes_survive_reopening_the_file) {  // S1
    temp_db t;
    std::string device;
    {
        auto s = t.open();
        auto d = s->add_device("phone", test::officer);
        device = d->device_id;
        auto out = push_one(*s, device,
                            {petition(1, 1, 1000, 0, {{"status", sync::value{"received"}}}),
                             petition(2, 1, 1001, 1, {{"summary", sync::value{"Đơn thư"}}})});
        BOOST_TEST(!out.refused.has_value());
        BOOST_TEST(out.last_seq == 2u);
    }
    auto s = t.open();
    BOOST_TEST(s->list_devices().at(0).last_seq == 2u);
    auto all = pull_all(*s);
    BOOST_REQUIRE(all.size() == 1u);
    const auto& r = all.begin()->second;
    BOOST_TEST(r.version == 2u);
    BOOST_TEST((r.fields.at("summary") == sync::value{"Đơn thư"}));
    BOOST_TEST(s->head() == 2u);
}

BOOST_AUTO_TEST_CASE(a_resend_gets_the_stored_answer_and_is_applied_once) {  // S2
    temp_db t;
    auto s = t.open();
    auto d = s->add_device("phone", test::officer);
    const auto changes = std::vector{petition(1, 1, 1000, 0, {{"status", sync::value{"received"}}}),
                                     petition(2, 1, 1001, 1, {{"status", sync::value{"resolved"}}})};
    push_one(*s, d->device_id, {changes[0]});
    auto again = push_one(*s, d->device_id, changes);
    BOOST_REQUIRE(again.results.size() == 2u);
    BOOST_TEST(again.results[0].status == sync::change_status::duplicate);
    BOOST_TEST(again.results[1].status == sync::change_status::applied);
    BOOST_TEST(pull_all(*s).begin()->second.version == 2u);
    BOOST_TEST(s->change_log(std::nullopt).size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_push_with_a_gap_is_refused_whole) {  // A2 through the store
    temp_db t;
    auto s = t.open();
    auto d = s->add_device("phone", test::officer);
    auto out = push_one(*s, d->device_id, {petition(3, 1, 1000, 0, {})});
    BOOST_REQUIRE(out.refused.has_value());
    BOOST_TEST(out.refused->code == sync::errc::seq_gap);
    BOOST_TEST(out.refused->message.find("expected seq 1") != std::string::npos);
    BOOST_TEST(s->change_log(std::nullopt).empty());
    BOOST_TEST(s->head() == 0u);
}

BOOST_AUTO_TEST_CASE(a_rejected_change_is_kept_uses_its_seq_and_later_changes_flow) {  // S2
    temp_db t;
    auto s = t.open();
    auto d = s->add_device("phone", test::officer);
    auto bad = petition(1, 1, 1000, 0, {});
    bad.record = "NOT-A-UUID";
    auto out = push_one(*s, d->device_id, {bad, petition(2, 2, 1001, 0, {})});
    BOOST_REQUIRE(out.results.size() == 2u);
    BOOST_TEST(out.results[0].status == sync::change_status::rejected);
    BOOST_TEST(out.results[0].error->code == sync::errc::validation);
    BOOST_TEST(*out.results[0].error->field == "record");
    BOOST_TEST(out.results[1].status == sync::change_status::applied);
    BOOST_TEST(out.last_seq == 2u);
    const auto log = s->change_log(std::nullopt);
    BOOST_REQUIRE(log.size() == 2u);
    BOOST_TEST(log[0].status == "rejected");
    BOOST_TEST(log[0].record == "NOT-A-UUID");  // kept as sent
    // The resend repeats the rejection rather than pretending it was applied.
    auto again = push_one(*s, d->device_id, {bad});
    BOOST_TEST(again.results[0].status == sync::change_status::rejected);
}

BOOST_AUTO_TEST_CASE(concurrent_edits_record_one_conflict_whatever_the_order) {
    for (bool a_first : {true, false}) {
        temp_db t;
        auto s = t.open();
        auto a = s->add_device("A", test::officer);
        auto b = s->add_device("B", test::officer);
        push_one(*s, a->device_id, {petition(1, 1, 1000, 0, {{"status", sync::value{"received"}}})});
        const auto ea = petition(2, 1, 2000, 1, {{"status", sync::value{"processing"}}});
        auto eb = petition(1, 1, 3000, 1, {{"status", sync::value{"resolved"}}});
        std::size_t reported = 0;
        if (a_first) {
            reported += push_one(*s, a->device_id, {ea}).results[0].conflicts.size();
            reported += push_one(*s, b->device_id, {eb}).results[0].conflicts.size();
        } else {
            reported += push_one(*s, b->device_id, {eb}).results[0].conflicts.size();
            reported += push_one(*s, a->device_id, {ea}).results[0].conflicts.size();
        }
        BOOST_TEST(reported == 1u);
        BOOST_TEST(s->conflicts().size() == 1u);
        BOOST_TEST((pull_all(*s).begin()->second.fields.at("status") == sync::value{"resolved"}));
    }
}

BOOST_AUTO_TEST_CASE(one_write_commits_many_pushes_from_many_devices) {  // group commit
    temp_db t;
    auto s = t.open();
    store::write_batch batch;
    for (int dev = 0; dev < 10; ++dev) {
        auto d = s->add_device("phone " + std::to_string(dev), test::officer);
        std::vector<sync::change_msg> changes;
        for (int i = 0; i < 20; ++i)
            changes.push_back(petition(i + 1, dev * 100 + i, 1000 + i, 0,
                                       {{"status", sync::value{"received"}}}));
        batch.pushes.push_back({d->device_id, 0, std::move(changes)});
        batch.hellos.push_back({d->device_id, fixed_now - 10, fixed_now});
    }
    auto out = s->write(batch);
    BOOST_REQUIRE(out.has_value());
    BOOST_TEST(out->pushes.size() == 10u);
    BOOST_TEST(out->head == 200u);
    for (const auto& p : out->pushes) BOOST_TEST(p.last_seq == 20u);
    BOOST_TEST(pull_all(*s, 7).size() == 200u);  // paged in sevens: each once
    for (const auto& d : s->list_devices()) {
        BOOST_TEST(d.clock_offset_ms == 10);
        BOOST_TEST(d.last_seen_ms == fixed_now);
    }
}

BOOST_AUTO_TEST_CASE(a_pull_sends_each_record_once_in_its_latest_state) {  // S3
    temp_db t;
    auto s = t.open();
    auto d = s->add_device("phone", test::officer);
    push_one(*s, d->device_id, {petition(1, 1, 1000, 0, {{"status", sync::value{"received"}}}),
                                petition(2, 2, 1001, 0, {}),
                                petition(3, 1, 1002, 1, {{"status", sync::value{"resolved"}}})});
    auto page = s->pull(0, 10);
    BOOST_REQUIRE(page->records.size() == 2u);
    BOOST_TEST(page->records[0].record == record_id(2));  // record 1 changed last
    BOOST_TEST((page->records[1].fields.at("status") == sync::value{"resolved"}));
    BOOST_TEST(page->next == 3u);
    BOOST_TEST(s->pull(page->next, 10)->records.empty());
}

BOOST_AUTO_TEST_CASE(a_deleted_record_is_pulled_as_a_tombstone_without_fields) {
    temp_db t;
    auto s = t.open();
    auto d = s->add_device("phone", test::officer);
    auto del = petition(2, 1, 1001, 1, {});
    del.del = true;
    push_one(*s, d->device_id,
             {petition(1, 1, 1000, 0, {{"summary", sync::value{"Nội dung riêng"}}}), del});
    const auto r = pull_all(*s).begin()->second;
    BOOST_TEST(r.deleted);
    BOOST_TEST(r.version == 2u);
    BOOST_TEST(r.fields.empty());
}

BOOST_AUTO_TEST_CASE(a_phone_set_to_2030_does_not_win_and_its_own_time_is_kept) {
    temp_db t;
    auto s = t.open();
    auto wrong = s->add_device("phone in 2030", test::officer);
    auto right = s->add_device("phone on time", test::officer);
    const std::int64_t four_years = 4LL * 365 * 86'400'000;
    push_one(*s, right->device_id,
             {petition(1, 1, fixed_now - 60'000, 0, {{"status", sync::value{"received"}}})});
    // The 2030 phone edited 10 s ago (its own clock says 2030), the other 1 s ago.
    const auto w = petition(1, 1, fixed_now + four_years - 10'000, 1,
                            {{"status", sync::value{"processing"}}});
    push_one(*s, wrong->device_id, {w}, -four_years);
    push_one(*s, right->device_id,
             {petition(2, 1, fixed_now - 1000, 1, {{"status", sync::value{"resolved"}}})});
    BOOST_TEST((pull_all(*s).begin()->second.fields.at("status") == sync::value{"resolved"}));
    const auto log = s->change_log(wrong->device_id);
    BOOST_REQUIRE(log.size() == 1u);
    BOOST_TEST(log[0].device_hlc == w.hlc);  // history keeps the device's own time
    BOOST_TEST(log[0].effective_hlc == sync::format_hlc({fixed_now - 10'000, 0}));
}

BOOST_AUTO_TEST_CASE(a_phone_set_to_2015_is_not_silently_overruled) {
    temp_db t;
    auto s = t.open();
    auto old = s->add_device("phone in 2015", test::officer);
    auto right = s->add_device("phone on time", test::officer);
    const std::int64_t eleven_years = 11LL * 365 * 86'400'000;
    push_one(*s, right->device_id,
             {petition(1, 1, fixed_now - 60'000, 0, {{"status", sync::value{"received"}}})});
    // The 2015 phone saw that and edited it 5 s ago, in its own (wrong) time.
    push_one(*s, old->device_id,
             {petition(1, 1, fixed_now - eleven_years - 5000, 1,
                       {{"status", sync::value{"resolved"}}})},
             eleven_years);
    BOOST_TEST((pull_all(*s).begin()->second.fields.at("status") == sync::value{"resolved"}));
}

BOOST_AUTO_TEST_SUITE_END()
