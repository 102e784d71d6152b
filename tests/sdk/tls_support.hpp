// What the client-side TLS tests need: certificates made on the spot with the OpenSSL C
// API (nothing checked in, nothing that expires), written to PEM files, and a small
// in-process server on 127.0.0.1 that speaks TLS (or plain TCP) and answers one
// WebSocket hello or one HTTP request per connection.
#pragma once

#include "fake_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sotay::sdk_test {

struct test_cert {
    std::string cert_pem;
    std::string key_pem;
};

// A self-signed P-256 certificate, valid from an hour ago for a day, naming the given
// DNS names and IP addresses in its subjectAltName (what host name checks read).
test_cert make_test_cert(const std::vector<std::string>& dns_names,
                         const std::vector<std::string>& ip_addresses);

// Writes `text` to dir/name and returns the path.
std::string write_file(const temp_dir& dir, const std::string& name, const std::string& text);

class test_server {
public:
    enum class kind {
        websocket,  // upgrade with the offered subprotocol, answer hello with welcome
        http,       // read one request, send the canned answer
        silent,     // accept the TCP connection and never say anything
    };

    struct settings {
        kind what = kind::websocket;
        bool tls = true;
        test_cert cert;  // for tls
        // websocket: after the welcome, close with this code instead of reading on.
        std::optional<std::uint16_t> close_after_welcome;
        // http: the answer.
        unsigned status = 201;
        std::string body;
        std::string content_type = "application/json";
    };

    explicit test_server(settings s);
    ~test_server();
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    std::uint16_t port() const { return port_; }

    // What arrived, for the checks.
    struct request_seen {
        std::string method;
        std::string target;
        std::string content_type;
        std::string body;
    };
    std::vector<request_seen> requests() const;
    std::vector<std::string> hello_device_ids() const;
    std::vector<std::string> server_names() const;  // SNI, "" when none was sent
    int failed_connections() const { return failed_; }

private:
    void loop();
    void serve(boost::asio::ip::tcp::socket socket);

    settings settings_;
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> failed_{0};
    mutable std::mutex mutex_;
    std::vector<request_seen> requests_;
    std::vector<std::string> hellos_;
    std::vector<std::string> server_names_;
    std::vector<boost::asio::ip::tcp::socket> held_;  // silent: kept open, never read
    std::thread thread_;
};

}  // namespace sotay::sdk_test
