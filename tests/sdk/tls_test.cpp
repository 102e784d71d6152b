// wss:// and https:// on the client side: sync_client over TLS (the certificate checked
// against the CA file and the host name, SNI, timeouts, close codes, abort) and
// sdk::enroll over https:// and http://, against the in-process test_server with
// certificates made on the spot (tls_support.hpp). No sotay-server: the server's own TLS
// is tested end to end in tests/e2e.
#include "tls_support.hpp"

#include <sotay/client/sync_client.hpp>
#include <sotay/sdk/enroll.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

using namespace sotay;
using namespace sotay::sdk_test;

namespace {

const std::string device_id = "0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b";

client::connect_options tls_options(std::uint16_t port, const std::string& ca_file,
                                    const std::string& host = "127.0.0.1") {
    client::connect_options o;
    o.host = host;
    o.port = port;
    o.tls = true;
    o.ca_file = ca_file;
    o.format = sync::wire_format::json;
    return o;
}

// The message of the transport_error that connect() throws (fails the test if none).
std::string connect_failure(const client::connect_options& o) {
    client::sync_client c;
    try {
        c.connect(o);
    } catch (const client::transport_error& e) {
        BOOST_TEST(!c.is_open());
        return e.what();
    }
    BOOST_FAIL("connect() was expected to fail");
    return {};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The server answers an enrollment with this.
std::string enrolled_answer(const std::string& sync_path = "/sync") {
    return R"({"device_id":")" + device_id +
           R"(","token":"tok-123","user":{"username":"tester","display_name":"Người Thử",)"
           R"("role":"officer","org_unit":"LS.TP"},"sync_path":")" +
           sync_path + R"("})";
}

sdk::error enroll_failure(const sdk::enroll_request& r) {
    try {
        sdk::enroll(r);
    } catch (const sdk::error& e) {
        return e;
    }
    BOOST_FAIL("enroll() was expected to fail");
    return sdk::error(sdk::error_kind::protocol, "");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_tls)

BOOST_AUTO_TEST_CASE(a_wss_connection_to_a_trusted_certificate_says_hello_and_closes_politely) {
    temp_dir dir;
    const auto cert = make_test_cert({"localhost"}, {"127.0.0.1"});
    const auto ca = write_file(dir, "ca.pem", cert.cert_pem);
    test_server server({test_server::kind::websocket, true, cert});

    for (const auto format : {sync::wire_format::json, sync::wire_format::binary}) {
        client::sync_client c;
        auto o = tls_options(server.port(), ca);
        o.format = format;
        c.connect(o);
        BOOST_TEST(c.is_open());
        const auto welcome = c.hello(device_id, "secret", real_now_ms());
        BOOST_TEST(welcome.server_time > 0);
        c.close();
        BOOST_TEST(!c.is_open());
    }
    BOOST_TEST(server.hello_device_ids() == (std::vector<std::string>{device_id, device_id}));
    // An address is not sent as the server name (RFC 6066 section 3).
    BOOST_TEST(server.server_names() == (std::vector<std::string>{"", ""}));
}

BOOST_AUTO_TEST_CASE(a_host_name_is_sent_as_sni_and_checked_against_the_certificate) {
    temp_dir dir;
    const auto cert = make_test_cert({"localhost"}, {});
    const auto ca = write_file(dir, "ca.pem", cert.cert_pem);
    test_server server({test_server::kind::websocket, true, cert});

    client::sync_client c;
    c.connect(tls_options(server.port(), ca, "localhost"));
    c.hello(device_id, "secret", real_now_ms());
    c.close();
    BOOST_TEST(server.server_names() == (std::vector<std::string>{"localhost"}));

    // The same certificate does not name 127.0.0.1.
    const auto why = connect_failure(tls_options(server.port(), ca, "127.0.0.1"));
    BOOST_TEST(contains(why, "certificate was not trusted"), why);
    BOOST_TEST(contains(why, "not issued for '127.0.0.1'"), why);
    BOOST_TEST(server.hello_device_ids().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_certificate_that_no_trusted_ca_signed_is_refused_with_a_sentence) {
    temp_dir dir;
    const auto cert = make_test_cert({"localhost"}, {"127.0.0.1"});
    const auto other = make_test_cert({"localhost"}, {"127.0.0.1"});
    const auto other_ca = write_file(dir, "other.pem", other.cert_pem);
    test_server server({test_server::kind::websocket, true, cert});

    // The system's trust store knows nothing of a certificate made a moment ago.
    const auto system = connect_failure(tls_options(server.port(), ""));
    BOOST_TEST(contains(system, "certificate was not trusted"), system);
    BOOST_TEST(contains(system, "self-signed"), system);
    // Another certificate in the CA file does not make this one trusted.
    const auto wrong = connect_failure(tls_options(server.port(), other_ca));
    BOOST_TEST(contains(wrong, "certificate was not trusted"), wrong);
    BOOST_TEST(contains(wrong, other_ca), wrong);
    BOOST_TEST(server.hello_device_ids().empty());
}

BOOST_AUTO_TEST_CASE(a_ca_file_that_is_missing_or_not_pem_is_named_in_the_error) {
    temp_dir dir;
    const auto cert = make_test_cert({}, {"127.0.0.1"});
    test_server server({test_server::kind::websocket, true, cert});
    const auto missing = dir.file("missing.pem").string();
    const auto why = connect_failure(tls_options(server.port(), missing));
    BOOST_TEST(contains(why, "'" + missing + "' does not exist"), why);
    const auto junk = write_file(dir, "junk.pem", "not a certificate\n");
    const auto why2 = connect_failure(tls_options(server.port(), junk));
    BOOST_TEST(contains(why2, "'" + junk + "' holds no usable PEM certificate"), why2);
}

BOOST_AUTO_TEST_CASE(a_server_that_never_answers_the_tls_handshake_times_out) {
    temp_dir dir;
    const auto cert = make_test_cert({}, {"127.0.0.1"});
    test_server server({test_server::kind::silent, true, cert});
    auto o = tls_options(server.port(), write_file(dir, "ca.pem", cert.cert_pem));
    o.timeout = std::chrono::milliseconds(300);
    client::sync_client c;
    try {
        c.connect(o);
        BOOST_FAIL("connect() was expected to time out");
    } catch (const client::transport_error& e) {
        BOOST_TEST(e.timed_out(), e.what());
        BOOST_TEST(contains(e.what(), "TLS handshake timed out"), e.what());
    }
    BOOST_TEST(!c.is_open());
}

BOOST_AUTO_TEST_CASE(the_servers_close_code_is_kept_over_tls) {
    temp_dir dir;
    const auto cert = make_test_cert({}, {"127.0.0.1"});
    test_server::settings s{test_server::kind::websocket, true, cert};
    s.close_after_welcome = 1008;
    test_server server(s);
    client::sync_client c;
    c.connect(tls_options(server.port(), write_file(dir, "ca.pem", cert.cert_pem)));
    c.hello(device_id, "secret", real_now_ms());
    BOOST_CHECK_THROW(c.receive(), client::transport_error);
    BOOST_TEST(!c.is_open());
    BOOST_TEST_REQUIRE(c.close_code().has_value());
    BOOST_TEST(*c.close_code() == 1008);
}

BOOST_AUTO_TEST_CASE(abort_drops_a_tls_connection_and_connect_opens_a_new_one) {
    temp_dir dir;
    const auto cert = make_test_cert({}, {"127.0.0.1"});
    test_server server({test_server::kind::websocket, true, cert});
    const auto o = tls_options(server.port(), write_file(dir, "ca.pem", cert.cert_pem));
    client::sync_client c;
    c.connect(o);
    c.hello(device_id, "secret", real_now_ms());
    c.abort();
    BOOST_TEST(!c.is_open());
    BOOST_CHECK_THROW(c.send(sync::get_schema_msg{}), client::transport_error);
    // The same object connects again (a fresh TLS session and context).
    c.connect(o);
    c.hello(device_id, "secret", real_now_ms());
    c.close();
    BOOST_TEST(server.hello_device_ids().size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_plain_ws_connection_still_works_beside_tls) {
    test_server server({test_server::kind::websocket, false, {}});
    client::connect_options o;
    o.port = server.port();
    client::sync_client c;
    c.connect(o);
    c.hello(device_id, "secret", real_now_ms());
    c.close();
    BOOST_TEST(server.hello_device_ids().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(enrollment)

BOOST_AUTO_TEST_CASE(enroll_over_https_returns_the_credentials_the_user_and_the_sync_url) {
    temp_dir dir;
    const auto cert = make_test_cert({"localhost"}, {});
    const auto ca = write_file(dir, "ca.pem", cert.cert_pem);
    test_server::settings s{test_server::kind::http, true, cert};
    s.body = enrolled_answer();
    test_server server(s);

    sdk::enroll_request r;
    r.url = "wss://localhost:" + std::to_string(server.port());  // no path: the server names it
    r.code = "ABCDE-FGHJK";
    r.device_name = "điện thoại của Lan";
    r.ca_file = ca;
    r.format = sync::wire_format::json;
    const auto e = sdk::enroll(r);
    BOOST_TEST(e.settings.url == "wss://localhost:" + std::to_string(server.port()) + "/sync");
    BOOST_TEST(e.settings.device_id == device_id);
    BOOST_TEST(e.settings.token == "tok-123");
    BOOST_TEST(e.settings.ca_file == ca);
    BOOST_TEST((e.settings.format == sync::wire_format::json));
    BOOST_TEST(e.user.username == "tester");
    BOOST_TEST(e.user.display_name == "Người Thử");
    BOOST_TEST(e.user.role == "officer");
    BOOST_TEST(e.user.org_unit == "LS.TP");

    const auto seen = server.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].method == "POST");
    BOOST_TEST(seen[0].target == "/api/v1/enroll");
    BOOST_TEST(seen[0].content_type == "application/json");
    const auto body = boost::json::parse(seen[0].body).as_object();
    BOOST_TEST(body.at("code").as_string() == "ABCDE-FGHJK");
    BOOST_TEST(body.at("device_name").as_string() == "điện thoại của Lan");
    BOOST_TEST(server.server_names() == (std::vector<std::string>{"localhost"}));

    // What enroll returns is what configure takes.
    sdk::device d(dir.file());
    d.configure(e.settings);
    BOOST_TEST(d.settings()->ca_file == ca);
    BOOST_TEST(d.settings()->url == e.settings.url);
}

BOOST_AUTO_TEST_CASE(enroll_over_http_for_a_ws_url_keeps_the_path_the_server_names) {
    test_server::settings s{test_server::kind::http, false, {}};
    s.body = enrolled_answer("/v1/sync");
    test_server server(s);
    sdk::enroll_request r;
    r.url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/sync";
    r.code = "ABCDE-FGHJK";
    r.device_name = "CLI";
    const auto e = sdk::enroll(r);
    BOOST_TEST(e.settings.url == "ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/sync");
    BOOST_TEST(server.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_refused_enrollment_carries_the_servers_code_and_message) {
    struct refusal {
        unsigned status;
        std::string body;
        sdk::error_kind kind;
        std::optional<sync::errc> code;
    };
    const std::vector<refusal> cases = {
        {401, R"({"code":"auth_failed","message":"the code is unknown, used or expired"})",
         sdk::error_kind::refused, sync::errc::auth_failed},
        {400, R"({"code":"validation","message":"the device name is too long","field":"x"})",
         sdk::error_kind::invalid_argument, sync::errc::validation},
        {429, R"({"code":"rate_limited","message":"too many failed codes; wait a minute"})",
         sdk::error_kind::unreachable, sync::errc::rate_limited},
        {404, "Not Found", sdk::error_kind::protocol, std::nullopt},
        // 2xx, but nothing this device could use as its identity.
        {201, R"({"device_id":"not-a-uuid","token":"t","user":{"username":"u","org_unit":"X"}})",
         sdk::error_kind::protocol, std::nullopt},
        {201, R"({"device_id":")" + device_id + R"(","token":"t"})", sdk::error_kind::protocol,
         std::nullopt},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("HTTP " << c.status << " " << c.body) {
            test_server::settings s{test_server::kind::http, false, {}};
            s.status = c.status;
            s.body = c.body;
            test_server server(s);
            sdk::enroll_request r;
            r.url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/sync";
            r.code = "ABCDE-FGHJK";
            r.device_name = "CLI";
            const auto e = enroll_failure(r);
            BOOST_TEST((e.kind() == c.kind));
            BOOST_TEST((e.server_code == c.code));
            BOOST_TEST(e.url == r.url);
            if (c.code) {
                // The CLI prints what(): the server's code and its own sentence.
                const auto message = boost::json::parse(c.body).as_object().at("message");
                BOOST_TEST(contains(e.what(), std::string(sync::to_code(*c.code)) + ": " +
                                                  std::string(message.as_string())),
                           e.what());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(enroll_checks_its_input_and_the_servers_certificate_before_trusting_it) {
    temp_dir dir;
    sdk::enroll_request r;
    r.url = "https://127.0.0.1:1/sync";
    r.code = "ABCDE-FGHJK";
    r.device_name = "CLI";
    BOOST_TEST((enroll_failure(r).kind() == sdk::error_kind::invalid_argument));
    r.url = "ws://127.0.0.1:1/sync";
    r.code = "";
    BOOST_TEST((enroll_failure(r).kind() == sdk::error_kind::invalid_argument));
    r.code = "ABCDE-FGHJK";
    r.device_name = "";
    BOOST_TEST((enroll_failure(r).kind() == sdk::error_kind::invalid_argument));
    r.device_name = "CLI";
    r.ca_file = dir.file("missing.pem").string();
    BOOST_TEST((enroll_failure(r).kind() == sdk::error_kind::invalid_argument));
    r.ca_file.clear();

    const auto cert = make_test_cert({}, {"127.0.0.1"});
    test_server::settings s{test_server::kind::http, true, cert};
    s.body = enrolled_answer();
    test_server server(s);
    r.url = "wss://127.0.0.1:" + std::to_string(server.port()) + "/sync";
    r.code = "ABCDE-FGHJK";
    const auto e = enroll_failure(r);  // no CA file: the system's store does not know it
    BOOST_TEST((e.kind() == sdk::error_kind::unreachable));
    BOOST_TEST(contains(e.what(), "certificate was not trusted"), e.what());
    BOOST_TEST(server.requests().empty());  // the code never left the device
}

BOOST_AUTO_TEST_SUITE_END()
