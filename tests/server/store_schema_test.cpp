// The store with a schema: every new change validated and NFC-normalised; a failing one
// rejected with the field and a message in both languages, kept in the log (the
// quarantine) and using up its seq; incompatible schema changes refused at open.
#include "fixture.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <random>
#include <sotay/store/sqlite_store.hpp>
#include <sotay/sync/hlc.hpp>

namespace {
using namespace sotay;
namespace fs = std::filesystem;

std::shared_ptr<const schema::schema> default_schema() {
    static const auto s = std::make_shared<const schema::schema>(
        schema::load_schema_file(std::string(SOTAY_SOURCE_DIR) + "/schema/default.json"));
    return s;
}

struct schema_db {
    fs::path dir;
    schema_db() {
        std::random_device rd;
        dir = fs::temp_directory_path() / ("sotay-store-schema-test-" + std::to_string(rd()));
        fs::create_directories(dir);
    }
    ~schema_db() { fs::remove_all(dir); }
    std::string path() const { return (dir / "central.db").string(); }
    std::unique_ptr<store::store> open(std::shared_ptr<const schema::schema> s = default_schema(),
                                       bool allow = false) const {
        store::sqlite_options o;
        o.now_ms = [] { return std::int64_t{1'795'000'000'000}; };
        o.schema = std::move(s);
        o.allow_incompatible_schema = allow;
        auto st = store::open_sqlite_store(path(), o);
        test::seed(*st);
        return st;
    }
};

std::string rec(int n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "0190f5a2-7c41-7d3e-8a5b-%012d", n);
    return buf;
}

sync::change_msg change(std::uint64_t seq, int r, sync::field_map set,
                        std::string type = "petition") {
    sync::change_msg c;
    c.seq = seq;
    c.record = rec(r);
    c.type = std::move(type);
    c.org_unit = "LS.TP.P1";
    c.hlc = sync::format_hlc({1'795'000'000'000ULL + seq, 0});
    c.set = std::move(set);
    return c;
}

sync::field_map good_petition() {
    return {{"received_on", std::string("2024-03-05")},
            {"kind", std::string("complaint")},
            {"status", std::string("received")}};
}

store::push_outcome push(store::store& s, const std::string& device,
                         std::vector<sync::change_msg> changes) {
    store::write_batch b;
    b.pushes.push_back({device, 0, std::move(changes)});
    auto out = s.write(b);
    BOOST_REQUIRE(out.has_value());
    return out->pushes.at(0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_schema)

// The server checks values on its I/O threads (push_request::checked); the writer then
// applies the caller's verdict and still enforces the create rule itself.
BOOST_AUTO_TEST_CASE(a_push_checked_by_the_caller_keeps_its_verdict_and_the_create_rule) {
    schema_db t;
    auto s = t.open();
    const auto dev = s->add_device("phone", test::officer)->device_id;
    store::push_request p{dev, 0, {change(1, 1, good_petition()),
                                   change(2, 2, {{"status", std::string("received")}}),
                                   change(3, 3, good_petition())}};
    p.checked = {std::nullopt, std::nullopt,
                 sync::error_info{sync::errc::validation, "caller's verdict", std::string("kind")}};
    store::write_batch b;
    b.pushes.push_back(std::move(p));
    auto out = s->write(b);
    BOOST_REQUIRE(out.has_value());
    const auto& r = out->pushes.at(0).results;
    BOOST_REQUIRE(r.size() == 3u);
    BOOST_TEST(r[0].status == sync::change_status::applied);
    // Values passed, but a create without kind and received_on still fails.
    BOOST_TEST(r[1].status == sync::change_status::rejected);
    BOOST_TEST(r[1].error->code == sync::errc::validation);
    const std::string missing = r[1].error->field.value_or("");
    BOOST_TEST((missing == "kind" || missing == "received_on"), missing);
    BOOST_TEST(r[2].status == sync::change_status::rejected);
    BOOST_TEST(r[2].error->message == "caller's verdict");
    BOOST_TEST(out->pushes.at(0).last_seq == 3u);
}

BOOST_AUTO_TEST_CASE(bad_changes_are_rejected_with_field_and_both_languages_and_kept) {
    schema_db t;
    auto s = t.open();
    const auto dev = s->add_device("phone", test::officer)->device_id;
    auto no_date = good_petition();
    no_date.erase("received_on");
    auto bad_status = good_petition();
    bad_status["status"] = std::string("lost");
    const auto out =
        push(*s, dev,
             {change(1, 1, no_date), change(2, 2, good_petition()), change(3, 3, bad_status),
              change(4, 4, {}, "spaceship"), change(5, 2, {{"status", std::string("resolved")}})});
    BOOST_TEST_REQUIRE(out.results.size() == 5u);
    BOOST_TEST(out.last_seq == 5u);  // rejected changes use up their seq
    const auto& r1 = out.results[0];
    BOOST_TEST(r1.status == sync::change_status::rejected);
    BOOST_TEST(r1.error->code == sync::errc::validation);
    BOOST_TEST(r1.error->field.value() == "received_on");
    BOOST_TEST(r1.error->message ==
               "Thiếu ngày nhận đơn (received_on) / received_on is required when a petition is "
               "created");
    BOOST_TEST(out.results[1].status == sync::change_status::applied);
    BOOST_TEST(out.results[2].error->field.value() == "status");
    BOOST_TEST(out.results[3].error->code == sync::errc::unknown_type);
    // An edit need not repeat the required fields.
    BOOST_TEST(out.results[4].status == sync::change_status::applied);

    std::vector<store::logged_change> rejected;
    for (const auto& c : s->change_log(std::nullopt))
        if (c.status == "rejected") rejected.push_back(c);
    BOOST_TEST_REQUIRE(rejected.size() == 3u);
    BOOST_TEST(rejected[0].seq == 1u);
    BOOST_TEST(rejected[0].server_seq == 0u);
    BOOST_TEST(rejected[0].result_json.find("received_on") != std::string::npos);
    BOOST_TEST(rejected[0].body_json.find("\"kind\":\"complaint\"") != std::string::npos);
    auto page = s->pull(0, 100);
    BOOST_TEST_REQUIRE(page->records.size() == 1u);
    BOOST_TEST(page->records[0].record == rec(2));
}

BOOST_AUTO_TEST_CASE(a_resent_rejected_change_gets_the_same_answer) {
    schema_db t;
    auto s = t.open();
    const auto dev = s->add_device("phone", test::officer)->device_id;
    const auto bad = change(1, 1, {{"kind", std::string("complaint")}});
    const auto first = push(*s, dev, {bad});
    const auto again = push(*s, dev, {bad});
    BOOST_TEST(first.results.at(0).status == sync::change_status::rejected);
    BOOST_TEST((again.results.at(0) == first.results.at(0)));
}

BOOST_AUTO_TEST_CASE(nfd_text_is_stored_as_nfc) {
    schema_db t;
    auto s = t.open();
    const auto dev = s->add_device("phone", test::officer)->device_id;
    auto p = good_petition();
    p["summary"] = std::string("Nguye\xCC\x82\xCC\x83n");  // NFD "Nguyễn"
    BOOST_TEST(push(*s, dev, {change(1, 1, p)}).results.at(0).status ==
               sync::change_status::applied);
    const auto page = s->pull(0, 10);
    BOOST_TEST(std::get<std::string>(page->records.at(0).fields.at("summary")) ==
               "Nguy\xE1\xBB\x85n");
}

BOOST_AUTO_TEST_CASE(without_a_schema_nothing_is_validated) {
    schema_db t;
    auto s = t.open(nullptr);
    const auto dev = s->add_device("phone", test::officer)->device_id;
    BOOST_TEST(
        push(*s, dev, {change(1, 1, {{"anything", true}}, "whatever")}).results.at(0).status ==
        sync::change_status::applied);
}

BOOST_AUTO_TEST_CASE(schema_version_is_stored_and_reported) {
    schema_db t;
    auto s = t.open();
    BOOST_TEST(s->schema_version() == default_schema()->version);
}

BOOST_AUTO_TEST_CASE(an_incompatible_schema_is_refused_at_open_unless_allowed) {
    schema_db t;
    t.open();  // stores v1
    auto smaller = std::make_shared<schema::schema>(*default_schema());
    smaller->types.erase("exemplar");
    smaller->types.at("petition").fields.erase("summary");
    std::string message;
    try {
        t.open(smaller);
    } catch (const std::exception& e) {
        message = e.what();
    }
    BOOST_TEST(message.find("type exemplar was removed") != std::string::npos, message);
    BOOST_TEST(message.find("type petition, field summary: removed") != std::string::npos);
    BOOST_TEST(message.find("--allow-incompatible-schema") != std::string::npos);
    BOOST_CHECK_NO_THROW(t.open(smaller, true));
}

BOOST_AUTO_TEST_CASE(a_compatible_newer_schema_is_accepted_and_its_version_stored) {
    schema_db t;
    t.open();
    auto v2 = std::make_shared<schema::schema>(*default_schema());
    v2->version = 2;
    // The text is what gets stored and compared next time: keep it in step.
    auto doc = boost::json::parse(v2->text).as_object();
    doc["version"] = 2;
    doc["types"].as_object()["petition"].as_object()["fields"].as_object()["channel"] =
        boost::json::parse(R"({"type":"string","label":{"vi":"kênh","en":"channel"}})");
    v2->text = boost::json::serialize(doc);
    auto s = t.open(std::make_shared<schema::schema>(schema::parse_schema(v2->text, "v2")));
    BOOST_TEST(s->schema_version() == 2);
}

BOOST_AUTO_TEST_SUITE_END()
