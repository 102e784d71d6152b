// The handlers of the route table (router.cpp), one file per resource group:
// auth_routes.cpp, org_routes.cpp, user_routes.cpp, device_routes.cpp, record_routes.cpp,
// review_routes.cpp, audit_routes.cpp, report_routes.cpp, openapi.cpp.
// Each runs after the router's checks (router.hpp) and never throws on bad input: it
// answers with an error body (H3). Storage exceptions are caught by handle_api (500).
#pragma once

#include "call.hpp"

#include <optional>
#include <string>

namespace sotay::server::api {

// auth_routes.cpp
response login(api_call& call);
response logout(api_call& call);
response me(api_call& call);

// openapi.cpp
response openapi(api_call& call);

// org_routes.cpp
response get_org(api_call& call);
response import_org(api_call& call);

// user_routes.cpp
response list_users(api_call& call);
response add_user(api_call& call);
response disable_user(api_call& call);
response enable_user(api_call& call);
response move_user(api_call& call);
response set_user_role(api_call& call);
response set_user_password(api_call& call);

// The user named, if it exists and lies in the caller's scope; otherwise nullopt and the
// caller answers no_such_user (H2: the same answer whether it exists elsewhere or not).
std::optional<store::user_info> visible_user(api_call& call, const std::string& username);
response no_such_user(const std::string& username);

// device_routes.cpp
response create_enrollment_code(api_call& call);
response enroll(api_call& call);
response list_devices(api_call& call);
response revoke_device(api_call& call);

// record_routes.cpp
response quarantine(api_call& call);
response records(api_call& call);

// review_routes.cpp
response list_review_items(api_call& call);
response show_review_item(api_call& call);
response resolve_review_item(api_call& call);
response merge_review_item(api_call& call);
response dismiss_review_item(api_call& call);

// audit_routes.cpp
response audit_history(api_call& call);
response audit_timeline(api_call& call);
response audit_export(api_call& call);
response audit_head(api_call& call);

// report_routes.cpp
response report_indicators(api_call& call);
response report(api_call& call);

}  // namespace sotay::server::api
