// The client library's own contract (sync_client.hpp): subprotocol negotiation, how
// failures surface, and what a timeout does to the connection.
#include "e2e_support.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

namespace data = boost::unit_test::data;
using namespace sotay;
using namespace sotay::e2e;

BOOST_AUTO_TEST_SUITE(sync_client)

BOOST_AUTO_TEST_CASE(negotiation_accepts_only_the_subprotocol_offered) {
    using sync::wire_format;
    BOOST_TEST(client::negotiated(wire_format::json, "sotay.v1.json"));
    BOOST_TEST(client::negotiated(wire_format::binary, "sotay.v1.bin"));
    BOOST_TEST(!client::negotiated(wire_format::json, "sotay.v1.bin"));
    BOOST_TEST(!client::negotiated(wire_format::binary, ""));
    BOOST_TEST(!client::negotiated(wire_format::binary, "sotay.v1.bin, sotay.v1.json"));
    BOOST_TEST(!client::negotiated(wire_format::json, "SOTAY.V1.JSON"));
    for (const auto f : both_formats) {
        BOOST_TEST((client::format_of(client::subprotocol_of(f)) == f));
    }
    BOOST_TEST(!client::format_of("sotay.v2.bin").has_value());
}

BOOST_AUTO_TEST_CASE(an_http_refusal_of_the_upgrade_is_reported_with_its_status) {
    server_process server;
    client::connect_options options;
    options.port = server.port();
    options.path = "/no-such-endpoint";
    client::sync_client c;
    try {
        c.connect(options);
        BOOST_FAIL("an upgrade to an unknown path was accepted");
    } catch (const client::transport_error& e) {
        BOOST_TEST(std::string(e.what()).find("HTTP 404") != std::string::npos, e.what());
    }
    BOOST_TEST(!c.is_open());
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(connecting_to_a_closed_port_throws_transport_error) {
    std::uint16_t port = 0;
    {
        server_process server;  // a port that was just free, now closed again
        port = server.port();
        server.stop();
    }
    client::connect_options options;
    options.port = port;
    client::sync_client c;
    BOOST_CHECK_THROW(c.connect(options), client::transport_error);
    BOOST_TEST(!c.is_open());
}

BOOST_DATA_TEST_CASE(a_receive_timeout_throws_and_closes_the_connection, data::make(both_formats),
                     format) {
    server_process server;
    test_device device(server.add_device("máy thử"));
    client::sync_client c;
    device.connect(c, server.port(), format);
    BOOST_TEST((c.format() == format));
    BOOST_TEST(c.is_open());

    // Nothing was asked, so nothing comes: 200 ms is enough to show the deadline works.
    const auto started = std::chrono::steady_clock::now();
    try {
        c.receive(std::chrono::milliseconds(200));
        BOOST_FAIL("receive returned a message nobody asked for");
    } catch (const client::transport_error& e) {
        BOOST_TEST(e.timed_out());
    }
    BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(5)));
    BOOST_TEST(!c.is_open());
    BOOST_CHECK_THROW(c.send(sync::pull_msg{}), client::transport_error);

    // connect() again gives a fresh, working connection with ids from 1.
    device.connect(c, server.port(), format);
    BOOST_TEST(c.next_id() == 1);
    BOOST_TEST(pull_all(c).empty());
    c.close();
    BOOST_TEST(!c.is_open());
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(expect_unwraps_the_wanted_answer_and_throws_on_any_other) {
    sync::welcome_msg welcome;
    welcome.last_seq = 4;
    BOOST_TEST(client::expect<sync::welcome_msg>(welcome).last_seq == 4u);

    const sync::error_msg gap{7, {sync::errc::seq_gap, "expected seq 3 next", "seq"}};
    try {
        client::expect<sync::push_result_msg>(gap);
        BOOST_FAIL("an error answer was unwrapped as push_result");
    } catch (const client::client_error& e) {
        BOOST_TEST(sync::to_code(e.code()) == "seq_gap");
        BOOST_TEST((e.id() == std::optional<std::int64_t>(7)));
        BOOST_TEST((e.info() == gap.error));
    }
    try {
        client::expect<sync::push_result_msg>(welcome);
        BOOST_FAIL("a welcome was unwrapped as push_result");
    } catch (const client::client_error& e) {
        BOOST_TEST(sync::to_code(e.code()) == "bad_message");
        BOOST_TEST(!e.id().has_value());
    }
}

BOOST_AUTO_TEST_SUITE_END()
