// Two officers edit the same petition offline and sync in either order: both phones end
// with the same record, the later edit of the contested field wins (merge.hpp M1, M2) and
// the clash is recorded as exactly one conflict (M3).
#include "e2e_support.hpp"

#include <boost/json.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <thread>

namespace data = boost::unit_test::data;
using namespace sotay;
using namespace sotay::e2e;

namespace {

const std::string summary_created = "Ông Nguyễn Văn Bình phản ánh đường liên thôn bị sạt lở";
const std::string summary_edited =
    "Ông Nguyễn Văn Bình phản ánh đường liên thôn bị sạt lở; xã đã cử cán bộ kiểm tra";

struct order_case {
    bool a_pushes_first;
};
std::ostream& operator<<(std::ostream& os, order_case o) {
    return os << (o.a_pushes_first ? "A then B" : "B then A");
}

std::size_t count_conflicts(const sync::push_result_msg& r, const std::string& field) {
    std::size_t n = 0;
    for (const auto& result : r.results) {
        for (const auto& c : result.conflicts) {
            n += c.field == field ? 1 : 0;
        }
    }
    return n;
}

std::size_t count_all_conflicts(const sync::push_result_msg& r) {
    std::size_t n = 0;
    for (const auto& result : r.results) {
        n += result.conflicts.size();
    }
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(convergence)

BOOST_DATA_TEST_CASE(two_devices_offline_edits_converge_in_either_order,
                     data::make(both_formats) *
                         data::make(std::vector<order_case>{{true}, {false}}),
                     format, order) {
    server_process server;
    const auto creds = server.add_devices("xã Tân Phú", 2);
    test_device a(creds[0]);
    test_device b(creds[1]);
    const std::string record = new_record_id();

    // A creates the petition and syncs; B pulls it: both have seen version `seen`.
    std::uint64_t seen = 0;
    {
        client::sync_client ca;
        a.connect(ca, server.port(), format);
        const auto created = push(ca, {a.create(record, petition(summary_created))});
        BOOST_TEST_REQUIRE(created.results.size() == 1u);
        BOOST_TEST(created.results[0].status == sync::change_status::applied);
        ca.close();

        client::sync_client cb;
        b.connect(cb, server.port(), format);
        const auto pulled = find_record(pull_all(cb), record);
        BOOST_TEST_REQUIRE(pulled.has_value());
        BOOST_TEST(text_field(*pulled, "summary") == summary_created);
        seen = pulled->version;
        BOOST_TEST(seen == 1u);
        cb.close();
    }

    // Offline: A moves the petition to processing and amends the summary; B, a moment
    // later, marks it resolved. Both edit from the version they saw.
    auto a_status = a.edit(record, seen, {{"status", std::string("processing")}});
    auto a_summary = a.edit(record, seen, {{"summary", summary_edited}});
    // 5 ms: B's hlc must be later than both of A's (same wall clock, so later in time).
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto b_status = b.edit(record, seen, {{"status", std::string("resolved")}});
    BOOST_TEST_REQUIRE((sync::parse_hlc(b_status.hlc) > sync::parse_hlc(a_summary.hlc)));

    client::sync_client ca;
    client::sync_client cb;
    a.connect(ca, server.port(), format);
    b.connect(cb, server.port(), format);
    sync::push_result_msg ra;
    sync::push_result_msg rb;
    if (order.a_pushes_first) {
        ra = push(ca, {a_status, a_summary});
        rb = push(cb, {b_status});
    } else {
        rb = push(cb, {b_status});
        ra = push(ca, {a_status, a_summary});
    }
    for (const auto& r : ra.results) {
        BOOST_TEST(r.status == sync::change_status::applied);
    }
    BOOST_TEST_REQUIRE(rb.results.size() == 1u);
    BOOST_TEST(rb.results[0].status == sync::change_status::applied);

    // Exactly one conflict, on status, reported to whichever device pushed second.
    BOOST_TEST(count_all_conflicts(ra) + count_all_conflicts(rb) == 1u);
    BOOST_TEST(count_conflicts(ra, "status") + count_conflicts(rb, "status") == 1u);
    const auto& second = order.a_pushes_first ? rb : ra;
    const sync::change_result& hit = second.results[0];  // its status edit
    BOOST_TEST_REQUIRE(hit.conflicts.size() == 1u);
    BOOST_TEST(hit.conflicts[0].field == "status");
    BOOST_TEST(hit.conflicts[0].outcome == (order.a_pushes_first ? "won" : "lost"));
    BOOST_TEST((hit.conflicts[0].kept == sync::value(std::string("resolved"))));
    BOOST_TEST((hit.conflicts[0].yours ==
                sync::value(std::string(order.a_pushes_first ? "resolved" : "processing"))));

    // Both devices pull the same record: B's later status, A's summary, one version
    // per applied change (M4).
    const auto on_a = find_record(pull_all(ca), record);
    const auto on_b = find_record(pull_all(cb), record);
    BOOST_TEST_REQUIRE(on_a.has_value());
    BOOST_TEST_REQUIRE(on_b.has_value());
    BOOST_TEST((*on_a == *on_b));
    BOOST_TEST(text_field(*on_a, "status") == "resolved");
    BOOST_TEST(text_field(*on_a, "summary") == summary_edited);
    BOOST_TEST(text_field(*on_a, "kind") == "complaint");
    BOOST_TEST(on_a->version == 4u);
    BOOST_TEST(!on_a->deleted);

    // District staff see the same single conflict, as one review item: side 0 the change
    // the second push met, side 1 the second push's (R1).
    const auto listed = server.admin_json({"review", "list", "--json"});
    const auto& items = listed.at("items").as_array();
    BOOST_TEST_REQUIRE(items.size() == 1u);
    const auto& c = items[0].as_object();
    BOOST_TEST(c.at("kind").as_string() == "field");
    BOOST_TEST(c.at("state").as_string() == "open");
    BOOST_TEST(c.at("record").as_string() == record);
    BOOST_TEST(c.at("field").as_string() == "status");
    const auto& sides = c.at("sides").as_array();
    BOOST_TEST_REQUIRE(sides.size() == 2u);
    const test_device& met = order.a_pushes_first ? a : b;
    const test_device& came = order.a_pushes_first ? b : a;
    BOOST_TEST(sides[0].at("device_id").as_string() == met.id());
    BOOST_TEST(sides[1].at("device_id").as_string() == came.id());
    const std::string a_value = "processing";
    const std::string b_value = "resolved";
    BOOST_TEST(sides[0].at("value").as_string() == (order.a_pushes_first ? a_value : b_value));
    BOOST_TEST(sides[1].at("value").as_string() == (order.a_pushes_first ? b_value : a_value));

    ca.close();
    cb.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
