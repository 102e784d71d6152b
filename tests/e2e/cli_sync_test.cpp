// Two officers with the `sotay` CLI edit offline and sync, in both orders, each through a
// link that dies mid-push (device.hpp D3, D4): both devices end with the server's state,
// the one clash is one conflict, nothing is doubled and every offline step is in the
// server's change log. And a server that cannot be reached keeps the work in the outbox.
#include "cli_support.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <thread>

namespace data = boost::unit_test::data;
namespace json = boost::json;
using namespace sotay;
using namespace sotay::e2e;

namespace cli_sync_detail {

struct order_case {
    bool a_first;
};
std::ostream& operator<<(std::ostream& os, order_case o) {
    return os << (o.a_first ? "A syncs first" : "B syncs first");
}

// One offline step and what the server's log must show for it.
struct step {
    std::uint64_t seq;
    std::string record;
    std::string field;  // "" for a delete
    json::value value;
};

// A JSON number as an integer (a data test case's body is a template, where
// v.to_number<T>() would need the `template` keyword).
std::uint64_t num(const json::value& v) { return v.to_number<std::uint64_t>(); }

std::string field_text(const json::object& record, const std::string& field) {
    const auto& fields = record.at("fields").as_object();
    const auto* v = fields.if_contains(field);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : "<absent>";
}

// The log shows each seq 1..n of the device exactly once, each applied.
void check_log_complete(const server_process& server, const cli_device& d) {
    const auto made = d.status().at("last_seq_made").to_number<std::uint64_t>();
    const auto log = log_by_seq(server, d.id());
    BOOST_TEST(log.count == made);  // no seq twice
    BOOST_TEST(log.by_seq.size() == made);
    for (std::uint64_t s = 1; s <= made; ++s) {
        const auto it = log.by_seq.find(s);
        BOOST_TEST_REQUIRE((it != log.by_seq.end()), "seq " << s << " is missing");
        BOOST_TEST(it->second.at("status").as_string() == "applied");
    }
}

// Each offline step is in the log, under its seq, with its own body (not collapsed).
void check_steps_logged(const server_process& server, const cli_device& d,
                        const std::vector<step>& steps) {
    const auto log = log_by_seq(server, d.id());
    for (const auto& s : steps) {
        BOOST_TEST_CONTEXT("seq " << s.seq) {
            const auto it = log.by_seq.find(s.seq);
            BOOST_TEST_REQUIRE((it != log.by_seq.end()));
            const auto& body = it->second.at("body").as_object();
            BOOST_TEST(body.at("record").as_string() == s.record);
            if (s.field.empty()) {
                BOOST_TEST(body.at("delete").as_bool());
            } else {
                const auto& set = body.at("set").as_object();
                BOOST_TEST((set.at(s.field) == s.value));
            }
        }
    }
}

}  // namespace cli_sync_detail

using namespace cli_sync_detail;

BOOST_AUTO_TEST_SUITE(cli_sync)

BOOST_DATA_TEST_CASE(two_cli_devices_converge_through_links_killed_mid_push,
                     data::make(std::vector<order_case>{{true}, {false}}), order) {
    server_process server;
    const auto creds = server.add_devices("xã Tân Phú", 3);
    tcp_proxy proxy(server.port());
    cli_device a;
    cli_device b;
    a.init(proxy.port(), creds[0], "bin");
    b.init(proxy.port(), creds[1], "json");

    // A records a petition and syncs; B receives it. Both have seen version 1.
    const std::string p = a.add("petition", {"kind=complaint", "received_on=2022-03-04",
                                              "status=received",
                                              "summary=Ông Nguyễn Văn Bình phản ánh đường sạt lở"});
    a.ok({"sync"});
    b.ok({"sync"});
    BOOST_TEST_REQUIRE(b.records().count(p) == 1u);

    // Offline, each officer does several things, step by step.
    a.ok({"edit", p, "--set", "status=processing"});
    const std::string summary = "Đường liên thôn sạt lở; xã đã cử cán bộ kiểm tra";
    a.ok({"edit", p, "--set", "summary=" + summary});
    const std::string ra = a.add("citizen_contact", {"held_on=2022-03-05", "kind=dialogue",
                                                     "people_count=42"});
    const std::string q = a.add("petition", {"kind=feedback", "received_on=2022-03-06",
                                             "status=received", "summary=nhập nhầm"});
    a.ok({"delete", q});
    // 5 ms: B's status edit is later than A's on the same wall clock.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    b.ok({"edit", p, "--set", "status=resolved"});
    const std::string rb = b.add("exemplar", {"honoree_kind=individual", "name=Lò Thị Mai",
                                              "honoured_on=2022-05-19", "award=commendation"});
    b.ok({"edit", rb, "--set", "achievement=Vận động 30 hộ hiến đất làm đường"});
    const std::vector<step> a_steps{{2, p, "status", "processing"},
                                    {3, p, "summary", json::value(summary)},
                                    {4, ra, "people_count", 42},
                                    {5, q, "summary", "nhập nhầm"},
                                    {6, q, "", nullptr}};
    const std::vector<step> b_steps{{1, p, "status", "resolved"},
                                    {2, rb, "name", "Lò Thị Mai"},
                                    {3, rb, "achievement", "Vận động 30 hộ hiến đất làm đường"}};

    cli_device& first = order.a_first ? a : b;
    cli_device& second = order.a_first ? b : a;
    const std::size_t first_pending = order.a_first ? 5 : 3;
    const std::size_t second_pending = order.a_first ? 3 : 5;

    // The first device's push is applied but its answer never arrives.
    proxy.arm(tcp_proxy::fault::drop_server_message_2);
    const auto lost = first.run({"sync"});
    BOOST_TEST(proxy.faults_applied() == 1);
    BOOST_TEST(lost.exit_code == 1);
    const std::string url = "ws://127.0.0.1:" + std::to_string(proxy.port()) + "/sync";
    BOOST_TEST(lost.err.find(url) != std::string::npos, lost.err);
    BOOST_TEST(lost.err.find(std::to_string(first_pending) + " changes are kept") !=
                   std::string::npos,
               lost.err);
    BOOST_TEST(num(first.status().at("pending")) == first_pending);
    // Run again: the server already holds them; they come back `duplicate`, not twice.
    const auto resent = first.json({"sync"}).as_object();
    BOOST_TEST(num(resent.at("duplicate")) == first_pending);
    BOOST_TEST(num(resent.at("applied")) == 0u);

    // The second device's link dies half-way through its push: nothing of it applied.
    proxy.arm(tcp_proxy::fault::cut_client_message_2);
    const auto cut = second.run({"sync"});
    BOOST_TEST(proxy.faults_applied() == 2);
    BOOST_TEST(cut.exit_code == 1);
    BOOST_TEST(cut.err.find(std::to_string(second_pending) + " changes are kept") !=
                   std::string::npos,
               cut.err);
    BOOST_TEST(log_by_seq(server, second.id()).count == (order.a_first ? 0u : 1u));
    const auto sent = second.json({"sync"}).as_object();
    BOOST_TEST(num(sent.at("applied")) == second_pending);
    first.ok({"sync"});  // receives the second's changes

    // Identical state on both devices and the server.
    const auto observer = creds[2];
    const auto on_server = server_records(server, observer);
    const auto on_a = a.records();
    const auto on_b = b.records();
    std::size_t live = 0;
    for (const auto& [id, r] : on_server) {
        if (r.at("deleted").as_bool()) {
            BOOST_TEST(on_a.count(id) == 0u);
            BOOST_TEST(on_b.count(id) == 0u);
            continue;
        }
        ++live;
        BOOST_TEST_CONTEXT("record " << id) {
            BOOST_TEST_REQUIRE(on_a.count(id) == 1u);
            BOOST_TEST_REQUIRE(on_b.count(id) == 1u);
            BOOST_TEST(json::serialize(comparable(on_a.at(id))) == json::serialize(r));
            BOOST_TEST(json::serialize(comparable(on_b.at(id))) == json::serialize(r));
            BOOST_TEST(num(on_a.at(id).at("pending")) == 0u);
        }
    }
    BOOST_TEST(live == on_a.size());
    BOOST_TEST(live == on_b.size());
    BOOST_TEST(live == 3u);  // p, ra, rb; q is a tombstone
    BOOST_TEST_REQUIRE(on_server.count(q) == 1u);
    BOOST_TEST(on_server.at(q).at("deleted").as_bool());
    const auto shown_q = a.json({"show", q}).as_object();
    BOOST_TEST(shown_q.at("deleted").as_bool());

    // The merge: B's later status, A's summary, one version per change.
    const auto& merged = on_server.at(p);
    BOOST_TEST(field_text(merged, "status") == "resolved");
    BOOST_TEST(field_text(merged, "summary") == summary);
    BOOST_TEST(num(merged.at("version")) == 4u);

    // One conflict (status), on the server and reported to exactly one device.
    const auto listed = server.admin_json({"review", "list", "--kind", "field", "--json"});
    const auto& conflicts = listed.at("items").as_array();
    BOOST_TEST_REQUIRE(conflicts.size() == 1u);
    BOOST_TEST(conflicts[0].as_object().at("field").as_string() == "status");
    const auto a_conflicts = a.status().at("conflicts").as_array();
    const auto b_conflicts = b.status().at("conflicts").as_array();
    BOOST_TEST(a_conflicts.size() + b_conflicts.size() == 1u);
    const auto& reported = (a_conflicts.empty() ? b_conflicts : a_conflicts)[0].as_object();
    BOOST_TEST(reported.at("record").as_string() == p);
    BOOST_TEST(reported.at("field").as_string() == "status");
    BOOST_TEST((reported.at("kept") == json::value("resolved")));

    // Nothing doubled, every offline step in the log under its own seq.
    check_log_complete(server, a);
    check_log_complete(server, b);
    check_steps_logged(server, a, a_steps);
    check_steps_logged(server, b, b_steps);
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(an_unreachable_server_leaves_the_work_in_the_outbox_and_says_so) {
    // A port with nothing listening: bind one, note it, close it.
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    BOOST_TEST_REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    BOOST_TEST_REQUIRE(::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    const std::uint16_t dead_port = ntohs(addr.sin_port);
    ::close(s);

    server_process server;
    const auto creds = server.add_device("thôn Đồng Tâm");
    cli_device d;
    d.init(dead_port, creds);
    const auto id = d.add("petition", {"kind=petition", "received_on=2022-03-04",
                                       "status=received", "summary=Đề nghị làm đèn đường"});
    d.ok({"edit", id, "--set", "status=processing"});

    const auto r = d.run({"sync"});
    const std::string url = "ws://127.0.0.1:" + std::to_string(dead_port) + "/sync";
    BOOST_TEST(r.exit_code == 1);
    BOOST_TEST(r.err.find("cannot reach " + url) != std::string::npos, r.err);
    BOOST_TEST(r.err.find("2 changes are kept") != std::string::npos, r.err);
    const auto j = d.run({"--json", "sync"});
    BOOST_TEST(j.exit_code == 1);
    const auto failure = json::parse(j.out).as_object();
    BOOST_TEST(failure.at("ok").as_bool() == false);
    BOOST_TEST(failure.at("error").as_string() == "unreachable");
    BOOST_TEST(failure.at("url").as_string() == url);
    BOOST_TEST(failure.at("pending").to_number<int>() == 2);
    const auto st = d.status();
    BOOST_TEST(st.at("pending").to_number<int>() == 2);
    BOOST_TEST(st.at("last_sync_ms").is_null());
    BOOST_TEST(std::string(st.at("last_error").as_string()).find(url) != std::string::npos);
    const auto shown = d.json({"show", id}).as_object();
    BOOST_TEST(field_text(shown, "status") == "processing");

    // Pointed at the real server, the same device delivers both changes.
    d.init(server.port(), creds);
    const auto ok = d.json({"sync"}).as_object();
    BOOST_TEST(ok.at("applied").to_number<int>() == 2);
    BOOST_TEST(d.status().at("pending").to_number<int>() == 0);
    BOOST_TEST(logged_seqs(server, creds.device_id).size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
