// What the server refuses, and that a refusal harms no one else (protocol contract:
// "a malformed or oversized message never crashes the server or harms other
// connections").
#include "e2e_support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

namespace data = boost::unit_test::data;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace sotay;
using namespace sotay::e2e;

namespace {

using http_response = http::response<http::string_body>;

// One plain HTTP request on a new connection, bounded by a 10 s deadline (a refusal
// takes milliseconds; the bound turns a hang into a failure).
http_response http_request(std::uint16_t port, http::request<http::empty_body> req) {
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(10));
    const boost::asio::ip::tcp::endpoint server(boost::asio::ip::make_address("127.0.0.1"), port);
    beast::flat_buffer buffer;
    http_response res;
    boost::system::error_code failure;
    stream.async_connect(server, [&](boost::system::error_code ec) {
        if (ec) {
            failure = ec;
            return;
        }
        http::async_write(stream, req, [&](boost::system::error_code wec, std::size_t) {
            if (wec) {
                failure = wec;
                return;
            }
            http::async_read(stream, buffer, res,
                             [&](boost::system::error_code rec, std::size_t) { failure = rec; });
        });
    });
    ioc.run();
    if (failure) {
        throw boost::system::system_error(failure, "HTTP request");
    }
    return res;
}

http::request<http::empty_body> upgrade_request(std::uint16_t port,
                                                std::optional<std::string> subprotocol) {
    http::request<http::empty_body> req{http::verb::get, "/sync", 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(http::field::sec_websocket_version, "13");
    if (subprotocol) {
        req.set(http::field::sec_websocket_protocol, *subprotocol);
    }
    return req;
}

// Reads until the server closes the connection; the messages it sent before closing.
// Fails the test if the connection is still open after `bound`.
std::vector<sync::message> read_until_closed(client::sync_client& c,
                                             std::chrono::milliseconds bound) {
    std::vector<sync::message> seen;
    // 8 messages: a closing server sends at most an error before its close frame.
    for (int i = 0; i < 8; ++i) {
        try {
            seen.push_back(c.receive(bound));
        } catch (const client::transport_error& e) {
            BOOST_TEST(!e.timed_out(), "the server did not close the connection: " << e.what());
            return seen;
        }
    }
    BOOST_FAIL("the server kept talking instead of closing the connection");
    return seen;
}

std::string code_of(const sync::message& m) {
    const auto* e = std::get_if<sync::error_msg>(&m);
    return e != nullptr ? std::string(sync::to_code(e->error.code)) : "<not an error>";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(refusals)

BOOST_DATA_TEST_CASE(hello_with_a_wrong_token_is_refused_with_auth_failed, data::make(both_formats),
                     format) {
    server_process server;
    const auto creds = server.add_device("máy bị mất");
    client::connect_options options;
    options.port = server.port();
    options.format = format;

    client::sync_client c;
    c.connect(options);
    try {
        c.hello(creds.device_id, creds.token + "x", now_ms());
        BOOST_FAIL("hello with a wrong token was welcomed");
    } catch (const client::client_error& e) {
        BOOST_TEST(sync::to_code(e.code()) == "auth_failed");
    }
    // Error, then close: nothing more happens on this connection.
    BOOST_TEST(read_until_closed(c, std::chrono::seconds(5)).empty());

    // An unknown device gets the same answer (no hint which part was wrong).
    c.connect(options);
    try {
        c.hello(new_record_id(), creds.token, now_ms());
        BOOST_FAIL("hello of an unknown device was welcomed");
    } catch (const client::client_error& e) {
        BOOST_TEST(sync::to_code(e.code()) == "auth_failed");
    }

    // The right token still works.
    c.connect(options);
    BOOST_TEST(c.hello(creds.device_id, creds.token, now_ms()).last_seq == 0u);
    c.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_DATA_TEST_CASE(a_message_before_hello_is_answered_not_ready, data::make(both_formats),
                     format) {
    server_process server;
    client::connect_options options;
    options.port = server.port();
    options.format = format;
    client::sync_client c;
    c.connect(options);

    sync::pull_msg pull;
    pull.id = 41;
    const auto answer = c.request(pull);
    BOOST_TEST(code_of(answer) == "not_ready");
    BOOST_TEST((std::get<sync::error_msg>(answer).id == std::optional<std::int64_t>(41)));
    c.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_DATA_TEST_CASE(malformed_bytes_are_answered_bad_message_and_the_connection_stays_usable,
                     data::make(both_formats), format) {
    server_process server;
    test_device device(server.add_device("chi bộ thôn 3"));
    client::sync_client c;
    device.connect(c, server.port(), format);

    const bool binary = format == sync::wire_format::binary;
    const std::vector<std::string> garbage =
        // Unknown tag 9; a push cut inside its id; a bad endianness flag; plain text.
        binary ? std::vector<std::string>{std::string("\x01\x09", 2),
                                          std::string("\x01\x02\x07\x00\x00", 5),
                                          std::string("\x00\x02", 2), "cần cẩu"}
               : std::vector<std::string>{R"({"type":"push","id":9,"changes":[)", "[]",
                                          R"({"type":"launch_rockets","id":10})",
                                          R"({"type":"push","id":"eleven","changes":[]})"};
    for (const auto& bytes : garbage) {
        BOOST_TEST_CONTEXT("frame of " << bytes.size() << " bytes") {
            c.send_raw(bytes, binary);
            BOOST_TEST(code_of(c.receive()) == "bad_message");
        }
    }

    // Still the same, working session.
    const std::string record = new_record_id();
    const auto pushed = push(c, {device.create(record, petition("Sau các khung hỏng"))});
    BOOST_TEST(pushed.results.at(0).status == sync::change_status::applied);
    BOOST_TEST(find_record(pull_all(c), record).has_value());
    c.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_DATA_TEST_CASE(a_message_over_max_message_bytes_closes_only_that_connection,
                     data::make(both_formats), format) {
    server_process server;
    const auto creds = server.add_devices("xã Yên Bình", 2);
    test_device greedy(creds[0]);
    test_device bystander(creds[1]);
    client::sync_client cg;
    client::sync_client cb;
    const auto welcome = greedy.connect(cg, server.port(), format);
    bystander.connect(cb, server.port(), format);
    BOOST_TEST_REQUIRE(welcome.limits.max_message_bytes > 0u);

    // One byte over the announced limit, in the connection's own frame type.
    const bool binary = format == sync::wire_format::binary;
    const std::string head = R"({"type":"push","id":1,"changes":[],"pad":")";
    std::string big(welcome.limits.max_message_bytes + 1, 'x');
    if (!binary) {
        big.replace(0, head.size(), head);
        big.replace(big.size() - 2, 2, "\"}");
    }
    bool closed = false;
    try {
        cg.send_raw(big, binary);
    } catch (const client::transport_error&) {
        closed = true;  // the server closed while the frame was still being written
    }
    if (!closed) {
        for (const auto& m : read_until_closed(cg, std::chrono::seconds(10))) {
            BOOST_TEST(code_of(m) == "too_large");
        }
    }
    BOOST_TEST(!cg.is_open());

    // The other device's connection is untouched.
    const std::string record = new_record_id();
    const auto pushed = push(cb, {bystander.create(record, petition("Vẫn đồng bộ bình thường"))});
    BOOST_TEST(pushed.results.at(0).status == sync::change_status::applied);
    BOOST_TEST(find_record(pull_all(cb), record).has_value());
    // And the greedy device may come back with normal messages.
    greedy.connect(cg, server.port(), format);
    BOOST_TEST(find_record(pull_all(cg), record).has_value());
    cg.close();
    cb.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(an_upgrade_without_a_known_subprotocol_is_refused_with_http_400) {
    server_process server;
    for (const std::optional<std::string>& offered :
         {std::optional<std::string>{}, std::optional<std::string>{"sotay.v0.xml"}}) {
        BOOST_TEST_CONTEXT("offered " << offered.value_or("nothing")) {
            const auto res = http_request(server.port(), upgrade_request(server.port(), offered));
            BOOST_TEST(res.result_int() == 400u);
            BOOST_TEST(!res.body().empty(), "the refusal gives a reason");
        }
    }
    // The same request with a subprotocol is accepted (101), so the 400 above is about
    // the subprotocol and nothing else.
    const auto ok =
        http_request(server.port(), upgrade_request(server.port(), std::string("sotay.v1.json")));
    BOOST_TEST(ok.result_int() == 101u);
    BOOST_TEST(ok[http::field::sec_websocket_protocol] == "sotay.v1.json");
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(healthz_answers_200) {
    server_process server;
    http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(server.port()));
    const auto res = http_request(server.port(), req);
    BOOST_TEST(res.result_int() == 200u);
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
