// The schema end to end: a CLI device pushes good and bad changes (--no-check) and every
// bad one is in `sotay-admin quarantine` with its reason while every good one is applied;
// the CLI refuses a bad record offline; a device on an older schema keeps the fields it
// does not know; a broken or incompatible schema stops the server.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "cli_support.hpp"

using namespace sotay;
using namespace sotay::e2e;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// A temp directory for schema files, removed at the end.
struct schema_dir {
    fs::path dir;
    schema_dir() {
        std::random_device rd;
        dir = fs::temp_directory_path() / ("sotay-schema-e2e-" + std::to_string(rd()));
        fs::create_directories(dir);
    }
    ~schema_dir() { fs::remove_all(dir); }
    std::string write(const std::string& name, const json::value& doc) const {
        const auto path = (dir / name).string();
        std::ofstream(path) << json::serialize(doc);
        return path;
    }
};

json::object default_schema() {
    std::ifstream in(std::string(SOTAY_BIN_DIR) + "/default.json");
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str()).as_object();
}

json::object& petition_fields(json::object& schema) {
    return schema["types"].as_object()["petition"].as_object()["fields"].as_object();
}

// `sotay add` that must fail: the output.
program_output add_fails(const cli_device& d, const std::vector<std::string>& sets,
                         const std::string& type = "petition") {
    std::vector<std::string> args{"add", type, "--org", default_org_unit};
    for (const auto& s : sets) args.insert(args.end(), {"--set", s});
    return d.run(args);
}

// `sotay add --no-check`: the id of the record recorded without checking.
std::string add_unchecked(const cli_device& d, const std::string& type,
                          const std::vector<std::string>& sets) {
    std::vector<std::string> args{"add", type, "--org", default_org_unit, "--no-check"};
    for (const auto& s : sets) args.insert(args.end(), {"--set", s});
    std::string out = d.ok(args);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

const std::vector<std::string> good_petition = {"received_on=2024-03-05", "kind=complaint",
                                                "status=received", "summary=Đường bị sạt lở"};

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_schema)

BOOST_AUTO_TEST_CASE(bad_changes_are_quarantined_with_their_reason_and_good_ones_applied) {
    server_process server;
    const auto creds = server.add_device("xã Nà Khương");
    cli_device d;
    d.init(server.port(), creds);

    std::vector<std::string> good, bad;
    good.push_back(d.add("petition", good_petition));
    bad.push_back(add_unchecked(d, "petition", {"kind=complaint", "status=received"}));
    bad.push_back(add_unchecked(
        d, "commitment",
        {"member=\"0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b\"", "year=3021", "status=registered"}));
    good.push_back(d.add("member", {"full_name=Nguyễn Văn Hùng", "id_number=\"001203004567\"",
                                    "joined_on=2001-05-19", "status=active"}));
    bad.push_back(
        add_unchecked(d, "petition", {"received_on=2024-03-05", "kind=complaint", "status=lost"}));
    bad.push_back(add_unchecked(d, "spaceship", {"name=x"}));
    good.push_back(
        d.add("study_session", {"held_on=2024-01-09", "attendance=17", "has_study_content=true"}));

    const auto report = d.json({"sync"}).as_object();
    BOOST_TEST(report.at("rejected").to_number<int>() == 4);
    BOOST_TEST(report.at("applied").to_number<int>() == 3);

    // Every bad change, with the field and the reason in both languages.
    const auto q = server.admin_json({"quarantine", "--json"}).as_array();
    BOOST_TEST_REQUIRE(q.size() == bad.size());
    const std::map<std::string, std::pair<std::string, std::string>> want = {
        {bad[0], {"validation", "received_on"}},
        {bad[1], {"validation", "year"}},
        {bad[2], {"validation", "status"}},
        {bad[3], {"unknown_type", "type"}}};
    for (const auto& v : q) {
        const auto& e = v.as_object();
        const std::string record(e.at("record").as_string());
        BOOST_TEST_CONTEXT("record " << record) {
            BOOST_TEST_REQUIRE(want.count(record) == 1u);
            BOOST_TEST(e.at("code").as_string() == want.at(record).first);
            BOOST_TEST(e.at("field").as_string() == want.at(record).second);
            BOOST_TEST(e.at("device_id").as_string() == creds.device_id);
            BOOST_TEST(e.at("device_name").as_string() == "xã Nà Khương");
            BOOST_TEST(e.at("received_ms").as_int64() > 0);
            BOOST_TEST(!e.at("device_hlc").as_string().empty());
            BOOST_TEST(e.at("body").as_object().at("record").as_string() == record);
            // "<vi> / <en>"
            BOOST_TEST(std::string(e.at("message").as_string()).find(" / ") != std::string::npos);
        }
    }
    const auto first = std::find_if(q.begin(), q.end(), [&](const json::value& v) {
        return v.as_object().at("record").as_string() == bad[0];
    });
    BOOST_TEST(first->as_object().at("message").as_string() ==
               "Thiếu ngày nhận đơn (received_on) / received_on is required when a petition is "
               "created");

    // Every good change applied, no bad one; the device's later changes still flowed.
    const auto observer = server.add_device("observer");
    const auto on_server = server_records(server, observer);
    BOOST_TEST(on_server.size() == good.size());
    for (const auto& id : good) BOOST_TEST(on_server.count(id) == 1u, id);
    const auto st = d.status();
    BOOST_TEST(st.at("pending").to_number<int>() == 0);
    BOOST_TEST(st.at("rejected").as_array().size() == bad.size());
}

BOOST_AUTO_TEST_CASE(the_cli_refuses_a_bad_record_offline_and_records_nothing) {
    server_process server;
    cli_device d;
    d.init(server.port(), server.add_device("phone"));
    d.ok({"sync"});  // fetches the schema
    BOOST_TEST(d.status().at("schema_version").to_number<int>() == 1);
    server.stop();  // offline from here on

    const auto before = d.status().at("last_seq_made").to_number<int>();
    const auto out = add_fails(d, {"kind=complaint", "status=received"});
    BOOST_TEST(out.exit_code == 1);
    BOOST_TEST(out.err.find("received_on: Thiếu ngày nhận đơn (received_on)") != std::string::npos,
               out.err);
    BOOST_TEST(out.err.find("received_on: received_on is required when a petition is created") !=
               std::string::npos);
    const auto year = add_fails(
        d, {"member=\"0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b\"", "year=3021", "status=registered"},
        "commitment");
    BOOST_TEST(year.exit_code == 1);
    BOOST_TEST(year.err.find("year: year must be between 1930 and 2100") != std::string::npos,
               year.err);
    const auto j =
        d.run({"--json", "add", "petition", "--org", default_org_unit, "--set", "status=lost"});
    BOOST_TEST(j.exit_code == 1);
    const auto answer = json::parse(j.out).as_object();
    BOOST_TEST(answer.at("error").as_string() == "validation");
    BOOST_TEST(answer.at("violations").as_array().size() == 3u);  // status, received_on, kind

    BOOST_TEST(d.status().at("last_seq_made").to_number<int>() == before);
    BOOST_TEST(d.records().empty());
    // A good record is still recorded offline.
    d.add("petition", good_petition);
    BOOST_TEST(d.status().at("pending").to_number<int>() == 1);
}

// Issue 6, at entry: the same citizen's petition typed twice (here once in NFD, upper
// case and with spaces, as another phone might) is refused with the first one named,
// and recorded only with --allow-duplicate.
BOOST_AUTO_TEST_CASE(the_cli_warns_before_recording_a_record_with_the_same_natural_key) {
    server_process server;
    cli_device d;
    d.init(server.port(), server.add_device("phone"));
    d.ok({"sync"});  // fetches the schema
    const auto first = d.add("petition", {"received_on=2024-03-05", "kind=complaint",
                                          "status=received", "petitioner_id=Nguyễn Văn A"});
    const std::string again_nfd = "petitioner_id=  NGUYE\xCC\x82\xCC\x83N VA\xCC\x86N A ";
    std::vector<std::string> args{"add", "petition", "--org", default_org_unit,
                                  "--set", "received_on=2024-03-05", "--set", "kind=complaint",
                                  "--set", "status=received", "--set", again_nfd};
    const auto refused = d.run(args);
    BOOST_TEST(refused.exit_code == 1);
    BOOST_TEST(refused.err.find(first) != std::string::npos, refused.err);
    BOOST_TEST(refused.err.find("--allow-duplicate") != std::string::npos, refused.err);
    BOOST_TEST(d.records().size() == 1u);

    // Another kind is another petition: no warning.
    d.add("petition", {"received_on=2024-03-05", "kind=feedback", "status=received",
                       "petitioner_id=Nguyễn Văn A"});
    BOOST_TEST(d.records().size() == 2u);

    args.push_back("--allow-duplicate");
    const auto forced = d.run(args);
    BOOST_TEST(forced.exit_code == 0, forced.err);
    BOOST_TEST(forced.err.find(first) != std::string::npos, forced.err);
    BOOST_TEST(d.records().size() == 3u);
}

BOOST_AUTO_TEST_CASE(an_older_schema_device_keeps_fields_it_does_not_know) {
    schema_dir files;
    auto v1 = default_schema();
    const std::string path = files.write("schema.json", v1);
    server_process server({"--schema", path});
    const auto creds_a = server.add_device("old phone");
    const auto creds_b = server.add_device("new phone");
    cli_device a;
    a.init(server.port(), creds_a);
    const std::string p = a.add("petition", good_petition);
    a.ok({"sync"});
    BOOST_TEST(a.status().at("schema_version").to_number<int>() == 1);

    // The server moves to v2: a new optional field on petitions (compatible).
    server.stop();
    auto v2 = v1;
    v2["version"] = 2;
    petition_fields(v2)["channel"] =
        json::parse(R"({"type":"string","label":{"vi":"kênh tiếp nhận","en":"channel"}})");
    files.write("schema.json", v2);
    server.restart();
    a.init(server.port(), creds_a);  // the port may have changed; same device

    cli_device b;
    b.init(server.port(), creds_b, "json");
    b.ok({"sync"});
    BOOST_TEST(b.status().at("schema_version").to_number<int>() == 2);
    b.ok({"edit", p, "--set", "channel=đường dây nóng"});
    b.ok({"sync"});

    // A still has v1: it does not know `channel` and refuses to set it...
    const auto refused = a.run({"edit", p, "--set", "channel=x"});
    BOOST_TEST(refused.exit_code == 1);
    BOOST_TEST(refused.err.find("channel") != std::string::npos);
    // ...but its edit of another field keeps B's value.
    a.ok({"edit", p, "--set", "status=processing"});
    a.ok({"sync"});
    BOOST_TEST(a.status().at("schema_version").to_number<int>() == 2);  // fetched at sync

    const auto on_server = server_records(server, server.add_device("observer"));
    const auto& f = on_server.at(p).at("fields").as_object();
    BOOST_TEST(f.at("channel").as_string() == "đường dây nóng");
    BOOST_TEST(f.at("status").as_string() == "processing");
    BOOST_TEST(a.records().at(p).at("fields").as_object().at("channel").as_string() ==
               "đường dây nóng");
}

BOOST_AUTO_TEST_CASE(a_broken_or_incompatible_schema_stops_the_server_with_the_reason) {
    schema_dir files;
    const std::string server_bin = std::string(SOTAY_BIN_DIR) + "/sotay-server";
    const std::string db = (files.dir / "central.db").string();

    auto broken = default_schema();
    petition_fields(broken)["kind"].as_object()["values"] = json::object{};
    const std::string broken_path = files.write("broken.json", broken);
    const auto out =
        run_program(server_bin, {"--db", db, "--listen", "127.0.0.1:0", "--schema", broken_path});
    BOOST_TEST(out.exit_code == 1);
    BOOST_TEST(out.err.find(broken_path + ": type petition, field kind: enum needs at least one "
                                          "value") != std::string::npos,
               out.err);

    // Served once with the default schema, then offered one without `exemplar`.
    {
        server_process server({"--schema", std::string(SOTAY_BIN_DIR) + "/default.json"});
        server.stop();
        auto smaller = default_schema();
        smaller["types"].as_object().erase("exemplar");
        const auto smaller_path = files.write("smaller.json", smaller);
        const auto refused = run_program(server_bin, {"--db", server.db_path(), "--listen",
                                                      "127.0.0.1:0", "--schema", smaller_path});
        BOOST_TEST(refused.exit_code == 1);
        BOOST_TEST(refused.err.find("type exemplar was removed") != std::string::npos, refused.err);
        BOOST_TEST(refused.err.find("--allow-incompatible-schema") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(get_schema)

// Both subprotocols: the server answers get_schema with the schema it loaded, and only
// after hello.
BOOST_AUTO_TEST_CASE(the_server_sends_its_schema_after_hello_in_both_formats) {
    server_process server;
    const auto creds = server.add_device("phone");
    const auto expected = default_schema();
    for (const auto format : both_formats) {
        BOOST_TEST_CONTEXT("format " << (format == sync::wire_format::json ? "json" : "bin")) {
            client::connect_options options;
            options.port = server.port();
            options.format = format;
            client::sync_client c;
            c.connect(options);
            const auto early = c.request(sync::get_schema_msg{3});
            BOOST_TEST_REQUIRE(std::holds_alternative<sync::error_msg>(early));
            BOOST_TEST(std::get<sync::error_msg>(early).error.code == sync::errc::not_ready);

            const auto welcome = c.hello(creds.device_id, creds.token, 0);
            BOOST_TEST(welcome.schema_version == 1);
            const auto answer = c.request(sync::get_schema_msg{4});
            BOOST_TEST_REQUIRE(std::holds_alternative<sync::schema_msg>(answer));
            const auto& s = std::get<sync::schema_msg>(answer);
            BOOST_TEST(s.id == 4);
            BOOST_TEST(s.version == welcome.schema_version);
            BOOST_TEST((json::parse(s.schema).as_object() == expected));
            c.close();
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
