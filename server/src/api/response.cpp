#include "response.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace sotay::server::api {

namespace json = boost::json;

http::status status_of(sync::errc code) {
    using sync::errc;
    switch (code) {
        case errc::ok:
            return http::status::ok;
        case errc::auth_failed:
            return http::status::unauthorized;
        case errc::forbidden:
        case errc::device_revoked:
            return http::status::forbidden;
        case errc::not_found:
            return http::status::not_found;
        case errc::conflict:
        case errc::superseded:
            return http::status::conflict;
        case errc::too_large:
            return http::status::payload_too_large;
        case errc::rate_limited:
            return http::status::too_many_requests;
        case errc::internal:
        case errc::shutting_down:
            return http::status::internal_server_error;
        default:
            return http::status::bad_request;
    }
}

response make_json(http::status status, const json::value& body) {
    response res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
}

response no_content() {
    response res{http::status::no_content, 11};
    res.set(http::field::cache_control, "no-store");
    res.prepare_payload();
    return res;
}

namespace {

json::object error_body(sync::errc code, const std::string& message,
                        const std::optional<std::string>& field) {
    json::object o;
    o["code"] = sync::to_code(code);
    o["message"] = message;
    if (field) o["field"] = *field;
    return o;
}

}  // namespace

response error_response(const sync::error_info& e) {
    return make_json(status_of(e.code), error_body(e.code, e.message, e.field));
}

response error_response(sync::errc code, std::string message, std::optional<std::string> field) {
    return error_response(sync::error_info{code, std::move(message), std::move(field)});
}

response error_response(http::status status, sync::errc code, std::string message) {
    return make_json(status, error_body(code, message, std::nullopt));
}

response too_many_attempts(std::chrono::seconds wait) {
    const auto seconds = std::max<std::chrono::seconds::rep>(wait.count(), 1);
    auto res = error_response(sync::errc::rate_limited, "too many failed attempts; try again in " +
                                                            std::to_string(seconds) + " seconds");
    res.set(http::field::retry_after, std::to_string(seconds));
    return res;
}

response page_response(std::string_view key, boost::json::array rows, boost::json::value next,
                       bool more) {
    boost::json::object out;
    out[key] = std::move(rows);
    out["next"] = std::move(next);
    out["more"] = more;
    return make_json(http::status::ok, out);
}

}  // namespace sotay::server::api
