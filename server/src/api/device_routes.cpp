// POST /api/v1/enrollment-codes, POST /api/v1/enroll, GET /api/v1/devices and
// POST /api/v1/devices/{device_id}/revoke.
#include "body.hpp"
#include "handlers.hpp"
#include "json_out.hpp"
#include "response.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace sotay::server::api {

namespace json = boost::json;

namespace {

// A name a person gives the phone ("Điện thoại chị Lan"); 100 bytes holds any such name
// in Vietnamese with diacritics and keeps device lists readable.
constexpr std::size_t max_device_name = 100;

// Where the phone connects next; relative, so it follows whatever host and scheme the
// phone used for enrollment.
constexpr std::string_view sync_path = "/sync";

bool has_control_characters(std::string_view s) {
    for (const unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) return true;
    }
    return false;
}

}  // namespace

response create_enrollment_code(api_call& call) {
    body_reader body(call.req.body(), {"username"});
    const std::string username = body.string("username");
    if (body.error()) return error_response(*body.error());
    if (!visible_user(call, username)) return no_such_user(username);

    auto code = call.ctx.db.create_enrollment_code(username, call.ctx.settings.enrollment_ttl,
                                                   call.actor());
    if (!code) return error_response(code.error());
    json::object out;
    out["code"] = code->code;
    out["username"] = code->username;
    out["expires_ms"] = code->expires_ms;
    return make_json(http::status::created, out);
}

response enroll(api_call& call) {
    body_reader body(call.req.body(), {"code", "device_name"});
    const std::string code = body.string("code");
    const std::string device_name = body.string("device_name");
    if (body.error()) return error_response(*body.error());
    // The body's text is valid UTF-8 (body_reader); only the length and control
    // characters remain to check.
    if (device_name.empty() || device_name.size() > max_device_name ||
        has_control_characters(device_name)) {
        return error_response(sync::errc::validation,
                              "device_name must be 1 to " + std::to_string(max_device_name) +
                                  " bytes of text without control characters",
                              "device_name");
    }

    // H5: codes are 50 random bits, but a cap per address keeps guessing hopeless.
    const std::string key = "enroll:" + call.address;
    auto& limiter = call.ctx.enroll_limiter;
    if (const auto wait = limiter.retry_after(key); wait.count() > 0) {
        return too_many_attempts(wait);
    }
    // No session: the actor has no username here; the store names the code's user (H1).
    auto enrolled = call.ctx.db.enroll(code, device_name, call.actor());
    if (!enrolled) {
        if (enrolled.error().code == sync::errc::auth_failed) limiter.record_failure(key);
        return error_response(enrolled.error());
    }
    json::object out;
    out["device_id"] = enrolled->device.device_id;
    out["token"] = enrolled->device.token;
    out["user"] = user_summary_json(enrolled->user);
    out["sync_path"] = sync_path;
    return make_json(http::status::created, out);
}

response list_devices(api_call& call) {
    json::array devices;
    for (const auto& d : call.ctx.db.list_devices(call.scope)) {
        devices.emplace_back(device_json(d));
    }
    json::object out;
    out["devices"] = std::move(devices);
    return make_json(http::status::ok, out);
}

response revoke_device(api_call& call) {
    body_reader body(call.req.body(), {});
    if (body.error()) return error_response(*body.error());
    const std::string& device_id = call.params.at(0);
    auto current = call.ctx.db.device_access(device_id);
    if (!current || !call.scope.contains(current->org_unit)) {
        return error_response(
            sync::errc::not_found,
            "there is no device \"" + device_id.substr(0, 64) + "\" in your part of the tree",
            "device_id");
    }
    auto revoked = call.ctx.db.revoke_device(device_id, call.actor());
    if (!revoked) return error_response(revoked.error());
    json::object out;
    out["device"] = device_json(*revoked);
    return make_json(http::status::ok, out);
}

}  // namespace sotay::server::api
