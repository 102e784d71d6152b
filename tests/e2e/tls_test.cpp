// TLS (docs/protocol.md section 1): with --tls-cert and --tls-key every connection is
// TLS: devices sync over wss://, /healthz answers over https://, and a client that does
// not trust the certificate, or speaks plain ws://, gets nowhere.
#include <openssl/ssl.h>
#include <stdlib.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>

#include "scope_support.hpp"
#include "test_cert.hpp"

using namespace sotay;
using namespace sotay::e2e;

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;

// A directory for the certificates, which must exist before the server starts.
struct temp_dir {
    std::string path;
    temp_dir() {
        std::string templ = "/tmp/sotay-tls-XXXXXX";
        if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp");
        path = templ;
    }
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

client::connect_options wss(std::uint16_t port, const std::string& ca_file,
                            sync::wire_format format = sync::wire_format::binary) {
    client::connect_options o;
    o.port = port;
    o.format = format;
    o.tls = true;
    o.ca_file = ca_file;
    return o;
}

// GET target over https://127.0.0.1:port, trusting ca_file only.
http::response<http::string_body> https_get(std::uint16_t port, const std::string& ca_file,
                                            const std::string& target) {
    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(ca_file);
    ctx.set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    beast::get_lowest_layer(stream).connect(
        net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    stream.handshake(ssl::stream_base::client);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.keep_alive(false);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    boost::system::error_code ignored;
    stream.shutdown(ignored);
    return res;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(a_device_syncs_over_wss_and_healthz_answers_over_https) {
    temp_dir dir;
    const auto cert = write_test_cert(dir.path, "server");
    server_process server({"--tls-cert", cert.cert, "--tls-key", cert.key});
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    test_device a(add_user_with_device(*db, "officer.a", access::role::officer, tree.communes[0]));

    // Both subprotocols, the same scope rules: a push and a pull over wss://.
    for (const auto format : both_formats) {
        client::sync_client c;
        c.connect(wss(server.port(), cert.cert, format));
        c.hello(a.id(), a.token(), a.wall_ms());
        const std::string record = new_record_id();
        const auto result =
            push(c, {a.create(record, petition("Đơn gửi qua wss"), "petition", tree.communes[0])});
        BOOST_TEST((result.results.at(0).status == sync::change_status::applied));
        BOOST_TEST(find_record(pull_all(c), record).has_value());
        c.close();
    }

    const auto health = https_get(server.port(), cert.cert, "/healthz");
    BOOST_TEST(health.result_int() == 200);
    BOOST_TEST(health.body().find("\"status\":\"ok\"") != std::string::npos);
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(untrusted_and_plain_clients_get_nowhere_on_the_tls_port) {
    temp_dir dir;
    const auto cert = write_test_cert(dir.path, "server");
    const auto stranger = write_test_cert(dir.path, "stranger");
    server_process server({"--tls-cert", cert.cert, "--tls-key", cert.key});
    auto db = open_store(server);
    const district_tree tree = make_district(*db);
    test_device a(add_user_with_device(*db, "officer.a", access::role::officer, tree.communes[0]));

    // A client that trusts another certificate: the handshake fails.
    client::sync_client untrusting;
    BOOST_CHECK_THROW(untrusting.connect(wss(server.port(), stranger.cert)),
                      client::transport_error);
    BOOST_CHECK_THROW(https_get(server.port(), stranger.cert, "/healthz"),
                      boost::system::system_error);

    // Plain ws:// to the TLS port: the server reads no HTTP there, the upgrade fails.
    client::sync_client plain;
    client::connect_options o;
    o.port = server.port();
    BOOST_CHECK_THROW(plain.connect(o), client::transport_error);

    // The server is none the worse: a trusting client still syncs.
    client::sync_client c;
    c.connect(wss(server.port(), cert.cert));
    BOOST_TEST(c.hello(a.id(), a.token(), a.wall_ms()).last_seq == 0u);
    c.close();
    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(a_key_that_is_not_the_certificates_stops_the_server_at_start) {
    temp_dir dir;
    const auto cert = write_test_cert(dir.path, "server");
    const auto other = write_test_cert(dir.path, "other");
    try {
        server_process server({"--tls-cert", cert.cert, "--tls-key", other.key});
        BOOST_FAIL("the server started with a key of another certificate");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("cannot use the private key --tls-key " +
                                              other.key) != std::string::npos,
                   e.what());
    }
}

BOOST_AUTO_TEST_CASE(tls_cert_without_tls_key_is_a_usage_error) {
    temp_dir dir;
    const auto cert = write_test_cert(dir.path, "server");
    const auto out = run_program(
        std::string(SOTAY_BIN_DIR) + "/sotay-server",
        {"--db", dir.path + "/sotay.db", "--listen", "127.0.0.1:0", "--tls-cert", cert.cert});
    BOOST_TEST(out.exit_code == 2);
    BOOST_TEST(out.err.find("--tls-cert and --tls-key go together") != std::string::npos, out.err);
}

BOOST_AUTO_TEST_SUITE_END()
