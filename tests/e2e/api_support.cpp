#include "api_support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <stdexcept>

namespace sotay::e2e {

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

struct raw_answer {
    api_answer answer;
    std::string set_cookie;
};

raw_answer exchange(std::uint16_t port, http::verb method, const std::string& target,
                    const std::string& cookie, const std::string& body) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    // Generous: a decision waits for the server's writer thread, never for long.
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    if (method == http::verb::post) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
        req.prepare_payload();
    }
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    raw_answer out;
    out.answer.status = res.result_int();
    if (!res.body().empty()) {
        boost::system::error_code ec;
        out.answer.body = boost::json::parse(res.body(), ec);
        if (ec) out.answer.body = boost::json::string(res.body());
    }
    out.set_cookie = std::string(res[http::field::set_cookie]);
    return out;
}

}  // namespace

api_session::api_session(std::uint16_t port, const std::string& username,
                         const std::string& password)
    : port_(port) {
    const auto login = exchange(port, http::verb::post, "/api/v1/login", {},
                                boost::json::serialize(boost::json::object{
                                    {"username", username}, {"password", password}}));
    if (login.answer.status != 200 || login.set_cookie.empty()) {
        throw std::runtime_error("login as " + username + " answered " +
                                 std::to_string(login.answer.status) + ": " +
                                 boost::json::serialize(login.answer.body));
    }
    cookie_ = login.set_cookie.substr(0, login.set_cookie.find(';'));
}

api_answer api_session::get(const std::string& target) const {
    return exchange(port_, http::verb::get, target, cookie_, {}).answer;
}

api_answer api_session::post(const std::string& target, const boost::json::value& body) const {
    return exchange(port_, http::verb::post, target, cookie_, boost::json::serialize(body)).answer;
}

}  // namespace sotay::e2e
