// `sotay enroll` against the real server: an enrollment code from sotay-admin becomes a
// device bound to a user, which records and syncs as that user. A code works once; a
// wrong one is refused with the server's code and message; the user's scope and role
// decide what the server accepts, and what it refuses shows in `sotay status`; a revoked
// device is told so and keeps its work.
#include "cli_support.hpp"

#include <sotay/sync/ids.hpp>

#include <boost/test/unit_test.hpp>

namespace json = boost::json;
using namespace sotay;
using namespace sotay::e2e;

namespace {

const std::vector<std::string> petition_sets = {"kind=complaint", "received_on=2024-03-05",
                                                "status=received", "summary=Đường bị sạt lở"};

std::string sync_url(const server_process& server) {
    return "ws://127.0.0.1:" + std::to_string(server.port()) + "/sync";
}

// `sotay-admin code create --user U --json`: the code.
std::string new_code(const server_process& server, const std::string& username = test_username) {
    const auto created = server.admin_json({"code", "create", "--user", username, "--json"});
    return std::string(created.at("code").as_string());
}

// `sotay --json enroll ...`, which must succeed; its output.
json::object enroll(const cli_device& d, const server_process& server, const std::string& code,
                    const std::string& name = "điện thoại thử") {
    return d.json({"enroll", "--url", sync_url(server), "--code", code, "--name", name})
        .as_object();
}

// `sotay --json enroll ...`, which must fail; what it printed on stdout and stderr.
struct refusal {
    json::object answer;
    std::string err;
};
refusal enroll_refused(const cli_device& d, const server_process& server,
                       const std::string& code) {
    const auto r = d.run({"--json", "enroll", "--url", sync_url(server), "--code", code});
    BOOST_TEST(r.exit_code == 1, r.err);
    return {json::parse(r.out).as_object(), r.err};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_enroll)

BOOST_AUTO_TEST_CASE(an_enrolled_device_records_and_syncs_as_its_user) {
    server_process server;
    cli_device phone;
    const auto enrolled = enroll(phone, server, new_code(server), "điện thoại chị Lan");
    BOOST_TEST(enrolled.at("ok").as_bool());
    const std::string device_id(enrolled.at("device_id").as_string());
    BOOST_TEST(sync::is_uuid(device_id));
    BOOST_TEST(enrolled.at("url").as_string() == sync_url(server));
    const auto& user = enrolled.at("user").as_object();
    BOOST_TEST(user.at("username").as_string() == test_username);
    BOOST_TEST(user.at("org_unit").as_string() == test_user_org);
    BOOST_TEST(user.at("role").as_string() == "officer");
    // The server lists the device under the name given.
    bool listed = false;
    const auto devices = server.admin_json({"device", "list", "--json"});
    for (const auto& v : devices.as_array()) {
        const auto& d = v.as_object();
        if (d.at("device_id").as_string() == device_id) {
            listed = true;
            BOOST_TEST(d.at("name").as_string() == "điện thoại chị Lan");
        }
    }
    BOOST_TEST(listed);

    const auto id = phone.add("petition", petition_sets);
    const auto report = phone.json({"sync"}).as_object();
    BOOST_TEST(report.at("applied").to_number<int>() == 1);
    BOOST_TEST(phone.status().at("device_id").as_string() == device_id);
    // On the server: in the change log, applied, and pulled by another device of the user.
    const auto log = log_of(server, device_id);
    BOOST_TEST_REQUIRE(log.size() == 1u);
    BOOST_TEST(log[0].at("status").as_string() == "applied");
    BOOST_TEST(log[0].at("body").as_object().at("record").as_string() == id);
    cli_device second;
    const auto out = second.ok({"enroll", "--url", sync_url(server), "--code", new_code(server)});
    // The human form names the user and the unit the device is bound to.
    BOOST_TEST(contains(out, "(" + std::string(test_username) + ", officer)"), out);
    BOOST_TEST(contains(out, "org unit " + std::string(test_user_org)), out);
    second.ok({"sync"});
    const auto records = second.records();
    BOOST_TEST_REQUIRE(records.count(id) == 1u);
    BOOST_TEST(records.at(id).at("fields").as_object().at("summary").as_string() ==
               "Đường bị sạt lở");
}

BOOST_AUTO_TEST_CASE(a_code_works_once_and_a_wrong_code_is_refused_with_the_servers_message) {
    server_process server;
    const auto code = new_code(server);
    cli_device first;
    enroll(first, server, code);

    cli_device again;
    const auto used = enroll_refused(again, server, code);
    BOOST_TEST(used.answer.at("ok").as_bool() == false);
    BOOST_TEST(used.answer.at("error").as_string() == "refused");
    BOOST_TEST(used.answer.at("code").as_string() == "auth_failed");
    // The server's sentence with its code, on stderr for a person.
    BOOST_TEST(contains(used.err, "auth_failed: "), used.err);
    BOOST_TEST(contains(used.err, std::string(used.answer.at("message").as_string())), used.err);
    BOOST_TEST(again.run({"status"}).exit_code == 1);  // nothing was set up

    const auto wrong = enroll_refused(again, server, "AAAAA-AAAAA");
    BOOST_TEST(wrong.answer.at("code").as_string() == "auth_failed");
    BOOST_TEST(contains(wrong.err, "auth_failed: "), wrong.err);
}

BOOST_AUTO_TEST_CASE(a_data_directory_already_set_up_is_refused_before_the_code_is_spent) {
    server_process server;
    cli_device phone;
    const std::string first_id(enroll(phone, server, new_code(server)).at("device_id").as_string());
    const auto code = new_code(server);
    const auto r = phone.run({"enroll", "--url", sync_url(server), "--code", code});
    BOOST_TEST(r.exit_code == 1);
    BOOST_TEST(contains(r.err, "already set up for device " + first_id), r.err);
    BOOST_TEST(phone.status().at("device_id").as_string() == first_id);
    // The code was never sent: another device can still use it.
    cli_device other;
    BOOST_TEST(enroll(other, server, code).at("ok").as_bool());
}

BOOST_AUTO_TEST_CASE(changes_outside_the_users_scope_or_role_show_as_rejected_in_status) {
    server_process server;
    server.add_user("lan", "officer", "LS.TP.P2");
    server.add_user("kiemtra", "auditor", "LS");
    cli_device officer;
    const auto bound = enroll(officer, server, new_code(server, "lan"));
    BOOST_TEST(bound.at("user").as_object().at("org_unit").as_string() == "LS.TP.P2");
    const auto outside = officer.add("petition", petition_sets, "LS.TP.P1");
    const auto inside = officer.add("petition", petition_sets, "LS.TP.P2");
    const auto report = officer.json({"sync"}).as_object();
    BOOST_TEST(report.at("applied").to_number<int>() == 1);
    BOOST_TEST(report.at("rejected").to_number<int>() == 1);
    const auto status = officer.status();
    const auto& rejected = status.at("rejected").as_array();
    BOOST_TEST_REQUIRE(rejected.size() == 1u);
    BOOST_TEST(rejected[0].as_object().at("record").as_string() == outside);
    BOOST_TEST(rejected[0].as_object().at("code").as_string() == "out_of_scope");
    const auto human = officer.ok({"status"});
    BOOST_TEST(contains(human, "rejected    1"), human);
    BOOST_TEST(contains(human, "record " + outside + ": out_of_scope: "), human);
    BOOST_TEST(officer.records().count(inside) == 1u);

    cli_device auditor;
    enroll(auditor, server, new_code(server, "kiemtra"));
    const auto attempt = auditor.add("petition", petition_sets);
    auditor.ok({"sync"});
    const auto audited = auditor.status().at("rejected").as_array();
    BOOST_TEST_REQUIRE(audited.size() == 1u);
    BOOST_TEST(audited[0].as_object().at("record").as_string() == attempt);
    BOOST_TEST(audited[0].as_object().at("code").as_string() == "forbidden");
}

BOOST_AUTO_TEST_CASE(a_revoked_device_is_told_so_and_keeps_its_unsent_work) {
    server_process server;
    cli_device phone;
    const std::string device_id(enroll(phone, server, new_code(server)).at("device_id").as_string());
    phone.add("petition", petition_sets);
    phone.ok({"sync"});
    server.admin_json({"device", "revoke", device_id, "--json"});

    phone.add("petition", petition_sets);
    const auto r = phone.run({"sync"});
    BOOST_TEST(r.exit_code == 1);
    BOOST_TEST(contains(r.err, "this device was revoked by an administrator"), r.err);
    BOOST_TEST(contains(r.err, "enroll"), r.err);
    BOOST_TEST(contains(r.err, "device_revoked"), r.err);
    BOOST_TEST(contains(r.err, "1 unsent change stays in " + phone.dir()), r.err);
    BOOST_TEST(!contains(r.err, "will be sent by the next"), r.err);  // it will not
    const auto status = phone.status();
    BOOST_TEST(status.at("pending").to_number<int>() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
