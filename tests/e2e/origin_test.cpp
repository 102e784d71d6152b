// The checks http_session makes before routing (http_session.hpp H1, H2): the Origin of
// /sync upgrades and /api requests, and the body limit of each route.
#include "origin.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>
#include <vector>

#include "server_process.hpp"

using namespace sotay;
using namespace sotay::e2e;
using sotay::server::normalize_origin;
using sotay::server::origin_allowed;

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

using headers = std::vector<std::pair<http::field, std::string>>;

// One request over a fresh plain connection; the response (header only for a 101).
http::response<http::string_body> exchange(std::uint16_t port, http::verb method,
                                           const std::string& target, const headers& extra,
                                           const std::string& body = {}) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (const auto& [name, value] : extra) req.set(name, value);
    if (!body.empty()) {
        req.body() = body;
        req.prepare_payload();
    }
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return res;
}

// A WebSocket upgrade at /sync offering sotay.v1.json, with this Origin if any.
http::response<http::string_body> upgrade(std::uint16_t port, std::optional<std::string> origin) {
    headers h{{http::field::upgrade, "websocket"},
              {http::field::connection, "Upgrade"},
              {http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ=="},
              {http::field::sec_websocket_version, "13"},
              {http::field::sec_websocket_protocol, "sotay.v1.json"}};
    if (origin) h.emplace_back(http::field::origin, *origin);
    return exchange(port, http::verb::get, "/sync", h);
}

std::string error_code_of(const http::response<http::string_body>& res) {
    const auto v = boost::json::parse(res.body());
    return std::string(v.as_object().at("code").as_string());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(origin)

BOOST_AUTO_TEST_CASE(origins_are_compared_in_canonical_form) {
    BOOST_TEST(normalize_origin("HTTPS://Admin.Example").value() == "https://admin.example");
    BOOST_TEST(normalize_origin("https://admin.example:443").value() == "https://admin.example");
    BOOST_TEST(normalize_origin("http://admin.example:80").value() == "http://admin.example");
    BOOST_TEST(normalize_origin("http://admin.example:443").value() == "http://admin.example:443");
    BOOST_TEST(normalize_origin("http://[::1]:8080").value() == "http://[::1]:8080");
    BOOST_TEST(normalize_origin("http://[::1]").value() == "http://[::1]");
    for (const char* bad :
         {"null", "", "ftp://admin.example", "https://", "https://a/b",
          "https://user@admin.example", "https://admin.example:", "https://admin.example:99999x",
          "admin.example", "https://admin example"}) {
        BOOST_TEST(!normalize_origin(bad).has_value(), bad);
    }
}

BOOST_AUTO_TEST_CASE(the_servers_own_origin_and_allowed_ones_pass_others_do_not) {
    const std::vector<std::string> allowed{"https://admin.example"};
    BOOST_TEST(origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", false, {}));
    BOOST_TEST(origin_allowed("https://sotay.example", "SOTAY.example:443", true, {}));
    // The scheme is part of the origin: http://host is not https://host's own.
    BOOST_TEST(!origin_allowed("http://sotay.example", "sotay.example", true, {}));
    BOOST_TEST(origin_allowed("https://ADMIN.example", "sotay.example", true, allowed));
    BOOST_TEST(!origin_allowed("https://evil.example", "sotay.example", true, allowed));
    BOOST_TEST(
        !origin_allowed("https://admin.example.evil.example", "sotay.example", true, allowed));
    BOOST_TEST(!origin_allowed("null", "sotay.example", true, allowed));
    BOOST_TEST(!origin_allowed("https://sotay.example", "", true, {}));
}

BOOST_AUTO_TEST_CASE(an_upgrade_from_a_foreign_origin_is_refused_403) {
    server_process server({"--allow-origin", "https://admin.example"});
    const auto refused = upgrade(server.port(), "https://evil.example");
    BOOST_TEST(refused.result_int() == 403);
    BOOST_TEST(refused[http::field::content_type] == "application/json");
    BOOST_TEST(error_code_of(refused) == "forbidden");

    const auto allowed = upgrade(server.port(), "https://admin.example");
    BOOST_TEST(allowed.result_int() == 101);
    BOOST_TEST(allowed[http::field::sec_websocket_protocol] == "sotay.v1.json");

    const auto own = upgrade(server.port(), "http://127.0.0.1:" + std::to_string(server.port()));
    BOOST_TEST(own.result_int() == 101);

    // No Origin: a native app, not a browser page.
    const auto native = upgrade(server.port(), std::nullopt);
    BOOST_TEST(native.result_int() == 101);
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(an_api_request_from_a_foreign_origin_is_refused_403) {
    server_process server;
    const auto refused = exchange(server.port(), http::verb::post, "/api/v1/login",
                                  {{http::field::origin, "https://evil.example"},
                                   {http::field::content_type, "application/json"}},
                                  R"({"username":"tester","password":"0123456789"})");
    BOOST_TEST(refused.result_int() == 403);
    BOOST_TEST(error_code_of(refused) == "forbidden");

    // Without Origin the same request reaches the API (whatever it answers, it is not
    // the Origin refusal).
    const auto reached = exchange(server.port(), http::verb::post, "/api/v1/login",
                                  {{http::field::content_type, "application/json"}},
                                  R"({"username":"tester","password":"0123456789"})");
    BOOST_TEST(reached.result_int() != 403);
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(http_limits)

BOOST_AUTO_TEST_CASE(each_route_has_its_own_body_limit) {
    server_process server;
    const std::string over_8k(9 * 1024, 'x');
    const std::string over_64k(65 * 1024, 'x');

    // Outside /api: 8 KiB.
    const auto healthz = exchange(server.port(), http::verb::post, "/healthz", {}, over_8k);
    BOOST_TEST(healthz.result_int() == 413);
    BOOST_TEST(error_code_of(healthz) == "too_large");

    // /api: 64 KiB; 9 KiB is fine there (whatever the API makes of it).
    const auto small = exchange(server.port(), http::verb::post, "/api/v1/login",
                                {{http::field::content_type, "application/json"}}, over_8k);
    BOOST_TEST(small.result_int() != 413);
    const auto big = exchange(server.port(), http::verb::post, "/api/v1/login",
                              {{http::field::content_type, "application/json"}}, over_64k);
    BOOST_TEST(big.result_int() == 413);
    BOOST_TEST(error_code_of(big) == "too_large");

    // The org import: 4 MiB, so 65 KiB passes the limit (and meets the API's checks).
    const auto import = exchange(server.port(), http::verb::post, "/api/v1/org/import",
                                 {{http::field::content_type, "text/csv"}}, over_64k);
    BOOST_TEST(import.result_int() != 413);
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(a_chunked_body_is_counted_against_the_limit_as_it_arrives) {
    server_process server;
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    // No Content-Length: the header alone cannot tell the size.
    std::string request =
        "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string chunk(16 * 1024, 'x');
    for (int i = 0; i < 5; ++i) request += "4000\r\n" + chunk + "\r\n";
    request += "0\r\n\r\n";
    net::write(stream, net::buffer(request));
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    BOOST_TEST(res.result_int() == 413);
    BOOST_TEST(error_code_of(res) == "too_large");
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
