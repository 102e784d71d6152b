#include "router.hpp"

#include "handlers.hpp"

#include <array>

namespace sotay::server::api {

namespace {

using access::permission;
constexpr auto get = http::verb::get;
constexpr auto post = http::verb::post;
constexpr auto none = body_kind::none;
constexpr auto json = body_kind::json;
constexpr auto csv = body_kind::csv;
constexpr std::optional<permission> any_user = std::nullopt;  // a session, no permission

// {method, pattern, session, permission, body, handler}
const std::array table = {
    // Login and enrollment are how a caller gets a credential, so they cannot need one.
    route{post, "/api/v1/login", false, any_user, json, login},
    route{post, "/api/v1/logout", true, any_user, json, logout},
    route{get, "/api/v1/me", true, any_user, none, me},
    route{get, "/api/v1/org", true, permission::view_org, none, get_org},
    route{post, "/api/v1/org/import", true, permission::manage_org, csv, import_org},
    route{get, "/api/v1/users", true, permission::manage_users, none, list_users},
    route{post, "/api/v1/users", true, permission::manage_users, json, add_user},
    route{post, "/api/v1/users/{username}/disable", true, permission::manage_users, json,
          disable_user},
    route{post, "/api/v1/users/{username}/enable", true, permission::manage_users, json,
          enable_user},
    route{post, "/api/v1/users/{username}/move", true, permission::manage_users, json, move_user},
    route{post, "/api/v1/users/{username}/role", true, permission::manage_users, json,
          set_user_role},
    route{post, "/api/v1/users/{username}/password", true, permission::manage_users, json,
          set_user_password},
    route{post, "/api/v1/enrollment-codes", true, permission::manage_devices, json,
          create_enrollment_code},
    route{post, "/api/v1/enroll", false, any_user, json, enroll},
    route{get, "/api/v1/devices", true, permission::view_devices, none, list_devices},
    route{post, "/api/v1/devices/{device_id}/revoke", true, permission::manage_devices, json,
          revoke_device},
    route{get, "/api/v1/quarantine", true, permission::view_quarantine, none, quarantine},
    route{get, "/api/v1/records", true, permission::read_records, none, records},
    route{get, "/api/v1/review/items", true, permission::review, none, list_review_items},
    route{get, "/api/v1/review/items/{id}", true, permission::review, none, show_review_item},
    route{post, "/api/v1/review/items/{id}/resolve", true, permission::review, json,
          resolve_review_item},
    route{post, "/api/v1/review/items/{id}/merge", true, permission::review, json,
          merge_review_item},
    route{post, "/api/v1/review/items/{id}/dismiss", true, permission::review, json,
          dismiss_review_item},
    route{get, "/api/v1/audit/history", true, permission::read_history, none, audit_history},
    route{get, "/api/v1/audit/records/{id}/timeline", true, permission::read_history, none,
          audit_timeline},
    route{get, "/api/v1/audit/export", true, permission::read_history, none, audit_export},
    route{get, "/api/v1/audit/head", true, permission::read_history, none, audit_head},
    route{get, "/api/v1/reports/indicators", true, permission::view_reports, none,
          report_indicators},
    route{get, "/api/v1/reports", true, permission::view_reports, none, report},
    // The API's description is public, like any API document.
    route{get, "/api/v1/openapi.json", false, any_user, none, openapi},
};

}  // namespace

std::span<const route> routes() {
    return table;
}

}  // namespace sotay::server::api
