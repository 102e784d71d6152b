// The default link: sotay::client::sync_client (blocking, one deadline per step) over
// ws:// or wss://.
#include <sotay/client/sync_client.hpp>
#include <sotay/sdk/link.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>

#include <charconv>
#include <stdexcept>

namespace sotay::sdk {

std::optional<server_url> parse_server_url(const std::string& text, std::string& why) {
    const auto parsed = boost::urls::parse_uri(text);
    if (!parsed) {
        why = "'" + text + "' is not a URL (expected wss://HOST:PORT/sync)";
        return std::nullopt;
    }
    const auto& u = *parsed;
    server_url out;
    // scheme_id: a scheme is case-insensitive (WSS:// is wss://).
    if (u.scheme_id() == boost::urls::scheme::wss) {
        out.tls = true;
        out.port = 443;
    } else if (u.scheme_id() != boost::urls::scheme::ws) {
        why = "'" + text + "' must start with wss:// or ws:// (got scheme '" +
              std::string(u.scheme()) + "')";
        return std::nullopt;
    }
    // Boost.URL gives an IPv6 literal without its brackets, as the resolver wants it.
    out.host = u.host_address();
    if (out.host.empty()) {
        why = "'" + text + "' names no host";
        return std::nullopt;
    }
    if (u.has_port()) {
        const auto p = u.port();
        unsigned port = 0;
        const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
        if (ec != std::errc{} || end != p.data() + p.size() || port == 0 || port > 65535) {
            why = "'" + text + "' has a bad port '" + std::string(p) + "'";
            return std::nullopt;
        }
        out.port = static_cast<std::uint16_t>(port);
    }
    // Boost.URL 1.81 reads "host:84x3/sync" as port 84 and path "x3/sync": a path after
    // an authority must start with '/', so such a path means a mistyped port.
    if (!u.path().empty() && u.path().front() != '/') {
        why = "'" + text + "' has a bad port or path";
        return std::nullopt;
    }
    if (!u.path().empty() && u.path() != "/") {
        out.path = u.path();
    }
    if (u.has_query() || u.has_fragment() || u.has_userinfo()) {
        why = "'" + text + "' must not carry a query, fragment or user name";
        return std::nullopt;
    }
    return out;
}

namespace {

// The blocking client owns one connection; one ws_link serves one sync() call.
class ws_link final : public link {
public:
    explicit ws_link(const link_target& target) {
        std::string why;
        const auto url = parse_server_url(target.url, why);
        if (!url) {
            throw std::invalid_argument(why);
        }
        options_.host = url->host;
        options_.port = url->port;
        options_.path = url->path;
        options_.format = target.format;
        options_.timeout = target.timeout;
        options_.tls = url->tls;
        options_.ca_file = target.ca_file;
    }

    sync::welcome_msg open(const sync::hello_msg& hello) override {
        client_.connect(options_);
        return client_.hello(hello.device_id, hello.token, hello.client_time);
    }

    sync::message request(const sync::message& m) override { return client_.request(m); }

    void close() noexcept override { client_.close(); }

private:
    client::connect_options options_;
    client::sync_client client_;
};

}  // namespace

std::unique_ptr<link> make_ws_link(const link_target& target) {
    return std::make_unique<ws_link>(target);
}

}  // namespace sotay::sdk
