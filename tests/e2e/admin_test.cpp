// sotay-admin end to end: the real program on a real database, beside a running server.
//
// Its contract (server/admin/main.cpp): exit 0 done; 1 the store refused, with one line
// "sotay-admin: CODE: sentence" on stderr (after `org import`'s row errors); 2 bad usage.
// A refused command changes nothing. --json output has one shape per kind of thing.
#include <algorithm>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "e2e_support.hpp"

namespace json = boost::json;
using namespace sotay;
using namespace sotay::e2e;

namespace {

const std::string demo_csv =
    (std::filesystem::path(__FILE__).parent_path() / "../../scripts/demo-org.csv").string();

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::set<std::string> keys(const json::object& o) {
    std::set<std::string> k;
    for (const auto& kv : o) k.insert(std::string(kv.key()));
    return k;
}

std::string text(const json::object& o, const char* key) {
    return std::string(o.at(key).as_string());
}

// The data rows of a CSV file (lines after the header, not blank).
std::size_t data_rows(const std::string& path) {
    std::ifstream in(path);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) n += line.empty() ? 0 : 1;
    return n - 1;
}

// A CSV file in the server's directory.
std::string write_csv(const server_process& server, const std::string& name,
                      const std::string& csv) {
    const std::string path = server.dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << csv;
    return path;
}

// The org units by code (org list --json).
std::map<std::string, json::object> units_of(const server_process& server) {
    std::map<std::string, json::object> units;
    // Held in a variable: a range-for over a member of a temporary would dangle.
    const auto list = server.admin_json({"org", "list", "--json"});
    for (const auto& u : list.at("units").as_array()) {
        units[text(u.as_object(), "code")] = u.as_object();
    }
    return units;
}

std::map<std::string, json::object> users_of(const server_process& server) {
    std::map<std::string, json::object> users;
    const auto list = server.admin_json({"user", "list", "--json"});
    for (const auto& u : list.as_array()) {
        users[text(u.as_object(), "username")] = u.as_object();
    }
    return users;
}

std::map<std::string, json::object> devices_of(const server_process& server) {
    std::map<std::string, json::object> devices;
    const auto list = server.admin_json({"device", "list", "--json"});
    for (const auto& d : list.as_array()) {
        devices[text(d.as_object(), "device_id")] = d.as_object();
    }
    return devices;
}

// A refusal: the exit code, and stderr's last line starts "sotay-admin: CODE:".
void expect_refused(const program_output& r, int exit_code, const std::string& code) {
    BOOST_TEST(r.exit_code == exit_code, "exit " << r.exit_code << "; stderr: " << r.err);
    BOOST_TEST(r.out.empty(), "stdout: " << r.out);
    if (!code.empty()) {
        BOOST_TEST(contains(r.err, "sotay-admin: " + code + ": "), "stderr: " << r.err);
    }
}

const std::set<std::string> user_keys{"id",       "username", "display_name", "role",
                                      "org_unit", "disabled", "has_password", "created_ms"};
const std::set<std::string> device_keys{
    "device_id",     "name",       "user_id",      "username",   "role",         "org_unit",
    "user_disabled", "revoked",    "revoked_ms",   "created_ms", "last_seen_ms", "clock_offset_ms",
    "last_seq",      "pulled_seq", "pending_pull", "rejected"};

// The code of a hello's refusal, or "welcomed".
std::string hello_answer(const test_device& device, std::uint16_t port) {
    client::sync_client c;
    try {
        device.connect(c, port, sync::wire_format::json);
        c.close();
        return "welcomed";
    } catch (const client::client_error& e) {
        return std::string(sync::to_code(e.code()));
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(admin)

BOOST_AUTO_TEST_CASE(the_demo_tree_imports_once_and_lists_parents_before_children) {
    server_process server({}, start_with::empty_database);
    const auto rows = data_rows(demo_csv);
    BOOST_TEST_REQUIRE(rows > 40u);

    const auto report = server.admin_json({"org", "import", demo_csv, "--json"}).as_object();
    BOOST_TEST(keys(report) == (std::set<std::string>{"applied", "added", "updated", "unchanged",
                                                      "version", "errors"}));
    BOOST_TEST(report.at("applied").as_bool());
    BOOST_TEST(report.at("added").to_number<std::size_t>() == rows);
    BOOST_TEST(report.at("version").to_number<int>() == 1);
    BOOST_TEST(report.at("errors").as_array().empty());

    // The same file again changes nothing, so the tree keeps its version.
    const auto again = server.admin_json({"org", "import", demo_csv, "--json"}).as_object();
    BOOST_TEST(again.at("applied").as_bool());
    BOOST_TEST(again.at("added").to_number<int>() == 0);
    BOOST_TEST(again.at("unchanged").to_number<std::size_t>() == rows);
    BOOST_TEST(again.at("version").to_number<int>() == 1);

    const auto list = server.admin_json({"org", "list", "--json"}).as_object();
    BOOST_TEST(list.at("version").to_number<int>() == 1);
    const auto& units = list.at("units").as_array();
    BOOST_TEST_REQUIRE(units.size() == rows);
    std::map<std::string, std::size_t> position;
    for (const auto& v : units) {
        const auto& u = v.as_object();
        BOOST_TEST(keys(u) == (std::set<std::string>{"code", "name", "parent", "level", "depth"}));
        position[text(u, "code")] = position.size();
        // Depth first: a unit's parent was listed before it, one level up.
        if (!u.at("parent").is_null()) {
            BOOST_TEST_REQUIRE(position.count(text(u, "parent")) == 1u);
            const auto& parent = units.at(position.at(text(u, "parent"))).as_object();
            BOOST_TEST(u.at("depth").to_number<int>() == parent.at("depth").to_number<int>() + 1);
        }
    }
    const auto& root = units.front().as_object();
    BOOST_TEST(text(root, "code") == "LS");
    BOOST_TEST(text(root, "name") == "Tỉnh ủy Lạng Sơn");
    BOOST_TEST(root.at("parent").is_null());
    for (const char* code :
         {"LS.TP", "LS.CL", "LS.TD", "LS.KCQ", "LS.TP.P1", "LS.TP.P2", "LS.TP.P1.C1"}) {
        BOOST_TEST(position.count(code) == 1u, code << " is in the demo tree");
    }

    // For people: indented two spaces a level, the name beside the code.
    const auto shown = server.admin_run({"org", "list"});
    BOOST_TEST(shown.exit_code == 0);
    BOOST_TEST(contains(shown.out, "\n    LS.TP.P1  "), shown.out);
    BOOST_TEST(contains(shown.out, "Đảng ủy phường Chi Lăng"));
}

BOOST_AUTO_TEST_CASE(a_csv_with_bad_rows_is_refused_whole_with_every_line_named) {
    server_process server;
    const std::string bad = write_csv(server, "bad.csv",
                                      "code,name,parent_code,level_name\n"
                                      "LS.CL,Huyện ủy Cao Lộc,LS,Huyện\n"
                                      "LS.CL.X1,Đảng ủy xã Hợp Thành,LS.XX,Cơ sở\n"
                                      "LS.CL.X2,,LS.CL,Cơ sở\n"
                                      "LS.CL.X3,Đảng ủy xã Gia Cát,LS.CL\n"
                                      "LS CL/X4,Đảng ủy xã Tân Liên,LS.CL,Cơ sở\n");

    const auto people = server.admin_run({"org", "import", bad});
    BOOST_TEST(people.exit_code == 1);
    for (const char* line : {"line 3", "line 4", "line 5", "line 6"}) {
        BOOST_TEST(contains(people.err, line), line << " in: " << people.err);
    }
    BOOST_TEST(!contains(people.err, "line 2"), people.err);
    BOOST_TEST(contains(people.err, "line 3 (LS.CL.X1)"), people.err);
    BOOST_TEST(contains(people.err, "nothing was imported"));

    const auto scripts = server.admin_run({"org", "import", bad, "--json"});
    BOOST_TEST(scripts.exit_code == 1);
    const auto report = json::parse(scripts.out).as_object();
    BOOST_TEST(!report.at("applied").as_bool());
    std::set<std::size_t> lines;
    for (const auto& e : report.at("errors").as_array()) {
        const auto& o = e.as_object();
        BOOST_TEST(keys(o) == (std::set<std::string>{"line", "code", "message"}));
        BOOST_TEST(!text(o, "message").empty());
        lines.insert(o.at("line").to_number<std::size_t>());
    }
    BOOST_TEST((lines == std::set<std::size_t>{3, 4, 5, 6}));

    // Every line parses but one names a parent nowhere to be found: the store refuses.
    const std::string orphan = write_csv(server, "orphan.csv",
                                         "code,name,parent_code,level_name\n"
                                         "LS.CL,Huyện ủy Cao Lộc,LS,Huyện\n"
                                         "LS.CL.X1,Đảng ủy xã Hợp Thành,LS.XX,Cơ sở\n");
    const auto refused = server.admin_run({"org", "import", orphan, "--json"});
    BOOST_TEST(refused.exit_code == 1);
    const auto why = json::parse(refused.out).as_object();
    BOOST_TEST(!why.at("applied").as_bool());
    BOOST_TEST_REQUIRE(why.at("errors").as_array().size() == 1u);
    const auto& only = why.at("errors").as_array().front().as_object();
    BOOST_TEST(only.at("line").to_number<int>() == 3);
    BOOST_TEST(text(only, "code") == "LS.CL.X1");

    // Nothing of either file was applied: the test tree as it was, at version 1.
    const auto units = units_of(server);
    BOOST_TEST(units.size() == 4u);
    BOOST_TEST(units.count("LS.CL") == 0u);
    BOOST_TEST(server.admin_json({"org", "list", "--json"}).at("version").to_number<int>() == 1);

    // The good row alone goes in, as a new version.
    const auto report2 = server.import_org(
        "code,name,parent_code,level_name\n"
        "LS.CL,Huyện ủy Cao Lộc,LS,Huyện\n");
    BOOST_TEST(report2.at("added").to_number<int>() == 1);
    BOOST_TEST(report2.at("version").to_number<int>() == 2);
    BOOST_TEST(units_of(server).count("LS.CL") == 1u);

    // A file that is not there: not_found, and the usage errors exit 2.
    expect_refused(server.admin_run({"org", "import", server.dir() + "/none.csv"}), 1, "not_found");
    expect_refused(server.admin_run({"org", "import"}), 2, "");
    expect_refused(server.admin_run({"org", "import", bad, "--count", "2"}), 2, "");
}

BOOST_AUTO_TEST_CASE(user_add_prints_the_user_and_lists_it) {
    server_process server;
    const auto u =
        server
            .admin_json({"user", "add", "--username", "tuyengiao.tp", "--role", "reviewer", "--org",
                         "LS.TP", "--name", "Nguyễn Thị Hoa", "--password-stdin", "--json"},
                        "mật khẩu đủ dài\n")
            .as_object();
    BOOST_TEST(keys(u) == user_keys);
    BOOST_TEST(u.at("id").to_number<std::int64_t>() > 0);
    BOOST_TEST(text(u, "username") == "tuyengiao.tp");
    BOOST_TEST(text(u, "display_name") == "Nguyễn Thị Hoa");
    BOOST_TEST(text(u, "role") == "reviewer");
    BOOST_TEST(text(u, "org_unit") == "LS.TP");
    BOOST_TEST(!u.at("disabled").as_bool());
    BOOST_TEST(u.at("has_password").as_bool());
    BOOST_TEST(u.at("created_ms").to_number<std::int64_t>() > 0);

    const auto users = users_of(server);
    BOOST_TEST(users.size() == 2u);
    BOOST_TEST_REQUIRE(users.count(test_username) == 1u);
    BOOST_TEST(!users.at(test_username).at("has_password").as_bool());
    BOOST_TEST((users.at("tuyengiao.tp") == u));

    const auto table = server.admin_run({"user", "list"});
    BOOST_TEST(table.exit_code == 0);
    BOOST_TEST(contains(table.out, "USERNAME"));
    BOOST_TEST(contains(table.out, "Nguyễn Thị Hoa"));
}

BOOST_AUTO_TEST_CASE(user_add_refusals_say_why_and_add_nobody) {
    server_process server;
    const auto add = [&](const std::string& username, const std::string& role,
                         const std::string& org) {
        return std::vector<std::string>{"user", "add",   "--username", username, "--role",
                                        role,   "--org", org,          "--json"};
    };
    // The store's refusals: exit 1 with its code.
    expect_refused(server.admin_run(add("canbo.x", "officer", "LS.NOWHERE")), 1, "not_found");
    expect_refused(server.admin_run(add(test_username, "officer", "LS.TP.P1")), 1, "conflict");
    expect_refused(server.admin_run(add("Bad Name!", "officer", "LS.TP.P1")), 1, "validation");
    auto weak = add("canbo.weak", "officer", "LS.TP.P1");
    weak.push_back("--password-stdin");
    expect_refused(server.admin_run(weak, "ngắn\n"), 1, "validation");
    expect_refused(server.admin_run(weak, ""), 1, "validation");  // nothing on stdin

    // The command line's: exit 2.
    expect_refused(server.admin_run(add("canbo.x", "boss", "LS.TP.P1")), 2, "");
    expect_refused(server.admin_run({"user", "add", "--username", "canbo.x", "--role", "officer"}),
                   2, "");
    // Never a password in argv: there is no such option.
    auto in_argv = add("canbo.x", "officer", "LS.TP.P1");
    in_argv.insert(in_argv.end(), {"--password", "mật khẩu đủ dài"});
    expect_refused(server.admin_run(in_argv), 2, "");

    BOOST_TEST(users_of(server).size() == 1u);
}

BOOST_AUTO_TEST_CASE(user_disable_enable_move_role_and_passwd_change_the_user) {
    server_process server;
    server.add_user("canbo.p1", "officer", "LS.TP.P1");
    const auto run = [&](std::vector<std::string> args, const std::string& input = {}) {
        args.push_back("--json");
        const auto u = server.admin_json(args, input).as_object();
        BOOST_TEST(keys(u) == user_keys);
        return u;
    };

    BOOST_TEST(run({"user", "disable", "canbo.p1"}).at("disabled").as_bool());
    BOOST_TEST(users_of(server).at("canbo.p1").at("disabled").as_bool());
    BOOST_TEST(!run({"user", "enable", "canbo.p1"}).at("disabled").as_bool());
    BOOST_TEST(text(run({"user", "move", "canbo.p1", "--org", "LS.TP.P2"}), "org_unit") ==
               "LS.TP.P2");
    BOOST_TEST(text(run({"user", "role", "canbo.p1", "--role", "reviewer"}), "role") == "reviewer");
    BOOST_TEST(!users_of(server).at("canbo.p1").at("has_password").as_bool());
    BOOST_TEST(run({"user", "passwd", "canbo.p1", "--password-stdin"}, "Lạng Sơn 2024!\n")
                   .at("has_password")
                   .as_bool());

    // Refusals change nothing.
    expect_refused(server.admin_run({"user", "move", "canbo.p1", "--org", "LS.NOWHERE"}), 1,
                   "not_found");
    expect_refused(server.admin_run({"user", "role", "canbo.p1", "--role", "boss"}), 2, "");
    expect_refused(server.admin_run({"user", "passwd", "canbo.p1", "--password-stdin"}, "short\n"),
                   1, "validation");
    expect_refused(server.admin_run({"user", "passwd", "canbo.p1"}), 2, "");
    expect_refused(server.admin_run({"user", "disable", "nobody"}), 1, "not_found");
    expect_refused(server.admin_run({"user", "disable"}), 2, "");
    const auto after = users_of(server).at("canbo.p1");
    BOOST_TEST(text(after, "org_unit") == "LS.TP.P2");
    BOOST_TEST(text(after, "role") == "reviewer");
    BOOST_TEST(!after.at("disabled").as_bool());
}

BOOST_AUTO_TEST_CASE(code_create_prints_a_one_time_code_that_expires) {
    server_process server;
    const auto before = now_ms();
    const auto code =
        server.admin_json({"code", "create", "--user", test_username, "--json"}).as_object();
    BOOST_TEST(keys(code) == (std::set<std::string>{"code", "username", "expires_ms"}));
    BOOST_TEST(std::regex_match(text(code, "code"),
                                std::regex("[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")),
               text(code, "code"));
    BOOST_TEST(text(code, "username") == test_username);
    // 72 hours by default (the margin covers the time the command took to run).
    const auto hours72 = std::int64_t{72} * 3600 * 1000;
    const auto expires = code.at("expires_ms").to_number<std::int64_t>();
    BOOST_TEST(expires >= before + hours72);
    BOOST_TEST(expires <= now_ms() + hours72);

    const auto short_lived =
        server.admin_json({"code", "create", "--user", test_username, "--ttl-hours", "1", "--json"})
            .as_object();
    BOOST_TEST(short_lived.at("expires_ms").to_number<std::int64_t>() <= now_ms() + 3600 * 1000);
    BOOST_TEST(text(short_lived, "code") != text(code, "code"));

    const auto people = server.admin_run({"code", "create", "--user", test_username});
    BOOST_TEST(people.exit_code == 0);
    BOOST_TEST(contains(people.out, "sotay enroll --url"), people.out);

    expect_refused(server.admin_run({"code", "create", "--user", "nobody"}), 1, "not_found");
    expect_refused(
        server.admin_run({"code", "create", "--user", test_username, "--ttl-hours", "0"}), 2, "");
    expect_refused(server.admin_run({"code", "create"}), 2, "");
}

BOOST_AUTO_TEST_CASE(device_add_list_and_revoke) {
    server_process server;
    const auto lines = server.admin_json_lines({"device", "add", "--name", "xã Mai Pha", "--user",
                                                test_username, "--count", "3", "--json"});
    BOOST_TEST_REQUIRE(lines.size() == 3u);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& o = lines[i].as_object();
        BOOST_TEST(keys(o) == (std::set<std::string>{"device_id", "token", "name", "username"}));
        BOOST_TEST(text(o, "name") == "xã Mai Pha-" + std::to_string(i + 1));
        BOOST_TEST(text(o, "username") == test_username);
        BOOST_TEST(text(o, "token").size() >= 32u);
        ids.push_back(text(o, "device_id"));
    }

    auto devices = devices_of(server);
    BOOST_TEST(devices.size() == 3u);
    for (const auto& id : ids) {
        BOOST_TEST_REQUIRE(devices.count(id) == 1u);
        const auto& d = devices.at(id);
        BOOST_TEST(keys(d) == device_keys);
        BOOST_TEST(text(d, "username") == test_username);
        BOOST_TEST(text(d, "role") == "officer");
        BOOST_TEST(text(d, "org_unit") == test_user_org);
        BOOST_TEST(!d.at("revoked").as_bool());
        BOOST_TEST(d.at("last_seen_ms").to_number<std::int64_t>() == 0);
        BOOST_TEST(d.at("last_seq").to_number<int>() == 0);
    }

    const auto revoked = server.admin_json({"device", "revoke", ids[0], "--json"}).as_object();
    BOOST_TEST(keys(revoked) == device_keys);
    BOOST_TEST(revoked.at("revoked").as_bool());
    BOOST_TEST(revoked.at("revoked_ms").to_number<std::int64_t>() > 0);
    // Twice is not an error.
    BOOST_TEST(server.admin_json({"device", "revoke", ids[0], "--json"}).at("revoked").as_bool());
    devices = devices_of(server);
    BOOST_TEST(devices.at(ids[0]).at("revoked").as_bool());
    BOOST_TEST(!devices.at(ids[1]).at("revoked").as_bool());

    const auto table = server.admin_run({"device", "list"});
    BOOST_TEST(table.exit_code == 0);
    BOOST_TEST(contains(table.out, "PENDING"));
    BOOST_TEST(contains(table.out, "revoked"));

    expect_refused(server.admin_run({"device", "revoke", new_record_id()}), 1, "not_found");
    expect_refused(server.admin_run({"device", "add", "--name", "x", "--user", "nobody"}), 1,
                   "not_found");
    expect_refused(server.admin_run({"device", "add", "--name", "x"}), 2, "");
    expect_refused(
        server.admin_run({"device", "add", "--name", "x", "--user", test_username, "--count", "0"}),
        2, "");
    BOOST_TEST(devices_of(server).size() == 3u);
}

BOOST_AUTO_TEST_CASE(the_server_refuses_a_revoked_device_and_a_disabled_users_devices) {
    server_process server;
    server.add_user("canbo.p2", "officer", "LS.TP.P2");
    const test_device lost(server.add_device("máy bị mất"));
    const test_device officer(server.add_device("máy cán bộ", "canbo.p2"));
    BOOST_TEST(hello_answer(lost, server.port()) == "welcomed");
    BOOST_TEST(hello_answer(officer, server.port()) == "welcomed");

    server.admin_json({"device", "revoke", lost.id(), "--json"});
    BOOST_TEST(hello_answer(lost, server.port()) == "device_revoked");

    server.admin_json({"user", "disable", "canbo.p2", "--json"});
    BOOST_TEST(hello_answer(officer, server.port()) == "device_revoked");
    server.admin_json({"user", "enable", "canbo.p2", "--json"});
    BOOST_TEST(hello_answer(officer, server.port()) == "welcomed");
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(device_list_shows_what_each_device_has_not_received_and_had_rejected) {
    server_process server;
    server.add_user("canbo.p2", "officer", "LS.TP.P2");
    test_device writer(server.add_device("máy phường Chi Lăng"));
    const test_device reader(server.add_device("máy chưa đồng bộ"));
    test_device outsider(server.add_device("máy phường Đông Kinh", "canbo.p2"));

    client::sync_client c;
    writer.connect(c, server.port(), sync::wire_format::binary);
    const auto applied = push(c, {writer.create(new_record_id(), petition("Đơn thứ nhất")),
                                  writer.create(new_record_id(), petition("Đơn thứ hai"))});
    for (const auto& r : applied.results) BOOST_TEST((r.status == sync::change_status::applied));
    c.close();

    // canbo.p2 works at LS.TP.P2: a record of LS.TP.P1 is outside their scope.
    outsider.connect(c, server.port(), sync::wire_format::json);
    const auto refused = push(c, {outsider.create(new_record_id(), petition("Đơn lạc chỗ"))});
    BOOST_TEST_REQUIRE(refused.results.size() == 1u);
    BOOST_TEST((refused.results[0].status == sync::change_status::rejected));
    c.close();

    const auto devices = devices_of(server);
    BOOST_TEST(devices.at(writer.id()).at("last_seq").to_number<int>() == 2);
    BOOST_TEST(devices.at(writer.id()).at("last_seen_ms").to_number<std::int64_t>() > 0);
    BOOST_TEST(devices.at(reader.id()).at("pulled_seq").to_number<int>() == 0);
    BOOST_TEST(devices.at(reader.id()).at("pending_pull").to_number<int>() == 2);
    // Both records are outside canbo.p2's scope: nothing is pending for that device.
    BOOST_TEST(devices.at(outsider.id()).at("pending_pull").to_number<int>() == 0);
    BOOST_TEST(devices.at(outsider.id()).at("rejected").to_number<int>() == 1);
    BOOST_TEST(devices.at(writer.id()).at("rejected").to_number<int>() == 0);

    // The quarantine names the user as well as the device.
    const auto q = server.admin_json({"quarantine", "--json"}).as_array();
    BOOST_TEST_REQUIRE(q.size() == 1u);
    const auto& entry = q.front().as_object();
    BOOST_TEST(text(entry, "code") == "out_of_scope");
    BOOST_TEST(text(entry, "username") == "canbo.p2");
    BOOST_TEST(text(entry, "device_name") == "máy phường Đông Kinh");
    BOOST_TEST(text(entry, "org_unit") == default_org_unit);
}

BOOST_AUTO_TEST_CASE(usage_mistakes_exit_2_without_touching_the_database) {
    server_process server({}, start_with::empty_database);
    for (const auto& args :
         std::vector<std::vector<std::string>>{{},
                                               {"frobnicate"},
                                               {"user", "list", "extra"},
                                               {"device", "list", "--name", "x"},
                                               {"user", "list", "--no-such-option"}}) {
        const auto r = server.admin_run(args);
        BOOST_TEST(r.exit_code == 2, "args of size " << args.size() << ": " << r.err);
        BOOST_TEST(contains(r.err, "sotay-admin: "));
    }
    const auto no_db = run_program(SOTAY_BIN_DIR "/sotay-admin", {"user", "list"});
    BOOST_TEST(no_db.exit_code == 2);
    BOOST_TEST(contains(no_db.err, "--db"));
    BOOST_TEST(server.admin_json({"user", "list", "--json"}).as_array().empty());
}

BOOST_AUTO_TEST_SUITE_END()
