// sdk::enroll: one HTTP(S) POST through sotay::client::http_post, its answer checked field
// by field before anything is trusted.
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <filesystem>
#include <sotay/client/http_post.hpp>
#include <sotay/sdk/enroll.hpp>
#include <sotay/sync/error.hpp>
#include <sotay/sync/ids.hpp>

namespace sotay::sdk {
namespace {

namespace json = boost::json;

constexpr const char* enroll_target = "/api/v1/enroll";

// Longer than any code or name a person types; the server has its own, tighter limits.
constexpr std::size_t max_code_bytes = 64;
constexpr std::size_t max_name_bytes = 256;

[[noreturn]] void fail(error_kind kind, const std::string& message, const std::string& url,
                       std::optional<sync::errc> code = {}) {
    error e(kind, message);
    e.url = url;
    e.server_code = code;
    throw e;
}

// A string member of `o`, or nullopt when it is missing or not a string.
std::optional<std::string> text(const json::object& o, const char* name) {
    const auto* v = o.if_contains(name);
    if (v == nullptr || !v->is_string()) {
        return std::nullopt;
    }
    return std::string(v->get_string());
}

[[noreturn]] void unusable(const std::string& url, const std::string& what) {
    fail(error_kind::protocol, "the server's enrollment answer is unusable: " + what, url);
}

// An error answer: {"code","message"} mapped onto what the caller can do.
[[noreturn]] void refused(const client::http_answer& answer, const std::string& url) {
    boost::system::error_code ec;
    const auto body = json::parse(answer.body, ec);
    const json::object* o = !ec && body.is_object() ? &body.get_object() : nullptr;
    const auto code_text = o != nullptr ? text(*o, "code") : std::nullopt;
    const auto code = code_text ? sync::from_code(*code_text) : std::nullopt;
    if (!code) {
        fail(error_kind::protocol,
             "the server answered the enrollment with HTTP " + std::to_string(answer.status) +
                 " and no error this client can read" +
                 (answer.status == 404 ? " (a server older than enrollment?)" : ""),
             url);
    }
    error_kind kind = error_kind::protocol;
    switch (*code) {
        case sync::errc::auth_failed:
        case sync::errc::forbidden:
        case sync::errc::device_revoked:
            kind = error_kind::refused;
            break;
        case sync::errc::validation:
        case sync::errc::bad_message:
        case sync::errc::too_large:
            kind = error_kind::invalid_argument;
            break;
        case sync::errc::rate_limited:
        case sync::errc::internal:
        case sync::errc::shutting_down:
            kind = error_kind::unreachable;  // temporary: try again later
            break;
        default:
            break;
    }
    const auto message = text(*o, "message").value_or("(no message)");
    fail(kind, "the server refused the enrollment: " + *code_text + ": " + message, url, code);
}

}  // namespace

enrollment enroll(const enroll_request& request) {
    const std::string& url = request.url;
    std::string why;
    const auto where = parse_server_url(url, why);
    if (!where) {
        fail(error_kind::invalid_argument, why, url);
    }
    if (request.code.empty() || request.code.size() > max_code_bytes) {
        fail(error_kind::invalid_argument,
             "the enrollment code must be 1 to " + std::to_string(max_code_bytes) + " bytes", url);
    }
    if (request.device_name.empty() || request.device_name.size() > max_name_bytes) {
        fail(error_kind::invalid_argument,
             "the device name must be 1 to " + std::to_string(max_name_bytes) + " bytes", url);
    }

    std::error_code ignored;
    if (!request.ca_file.empty() && !std::filesystem::is_regular_file(request.ca_file, ignored)) {
        fail(error_kind::invalid_argument, "the CA file '" + request.ca_file + "' does not exist",
             url);
    }

    client::connect_options options;
    options.host = where->host;
    options.port = where->port;
    options.tls = where->tls;
    options.ca_file = request.ca_file;
    options.timeout = request.timeout;
    const std::string api = std::string(where->tls ? "https://" : "http://") + where->host + ":" +
                            std::to_string(where->port) + enroll_target;
    client::http_answer answer;
    try {
        answer =
            client::http_post(options, enroll_target, "application/json",
                              json::serialize(json::object{{"code", request.code},
                                                           {"device_name", request.device_name}}));
    } catch (const client::transport_error& e) {
        fail(error_kind::unreachable, "cannot reach " + api + ": " + e.what(), url);
    }
    if (answer.status < 200 || answer.status > 299) {
        refused(answer, url);
    }

    // 2xx: every member checked before it is stored as this device's identity.
    boost::system::error_code ec;
    const auto body = json::parse(answer.body, ec);
    if (ec || !body.is_object()) {
        unusable(url, "not a JSON object");
    }
    const auto& o = body.get_object();
    enrollment out;
    auto& s = out.settings;
    s.device_id = text(o, "device_id").value_or("");
    s.token = text(o, "token").value_or("");
    if (!sync::is_uuid(s.device_id)) {
        unusable(url, "device_id is not a lowercase UUID");
    }
    if (s.token.empty()) {
        unusable(url, "no token");
    }
    const auto* user = o.if_contains("user");
    if (user == nullptr || !user->is_object()) {
        unusable(url, "no user");
    }
    const auto& u = user->get_object();
    out.user.username = text(u, "username").value_or("");
    out.user.display_name = text(u, "display_name").value_or("");
    out.user.role = text(u, "role").value_or("");
    out.user.org_unit = text(u, "org_unit").value_or("");
    if (out.user.username.empty() || out.user.org_unit.empty()) {
        unusable(url, "the user has no username or org unit");
    }

    // The sync URL: the one given, with the path the server named (it may serve the
    // sync endpoint elsewhere than /sync).
    boost::urls::url sync_url(*boost::urls::parse_uri(url));
    if (const auto path = text(o, "sync_path")) {
        if (path->empty() || path->front() != '/') {
            unusable(url, "sync_path '" + *path + "' is not an absolute path");
        }
        sync_url.set_path(*path);
    }
    s.url = std::string(sync_url.buffer());
    s.format = request.format;
    s.ca_file = request.ca_file;
    return out;
}

}  // namespace sotay::sdk
