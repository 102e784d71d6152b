// The commands of sotay-admin, one file per group. Each returns the exit code (0, or 1
// when it printed its own failure, as `org import` does with its row errors) and throws
// usage_error or command_failed (invocation.hpp) otherwise.
#pragma once

#include "invocation.hpp"

namespace sotay::admin {

// org_commands.cpp
int org_import(const invocation& in);  // operand: FILE
int org_list(const invocation& in);

// user_commands.cpp
int user_add(const invocation& in);
int user_list(const invocation& in);
int user_disable(const invocation& in);  // operand: USERNAME
int user_enable(const invocation& in);   // operand: USERNAME
int user_move(const invocation& in);     // operand: USERNAME
int user_role(const invocation& in);     // operand: USERNAME
int user_passwd(const invocation& in);   // operand: USERNAME

// device_commands.cpp
int code_create(const invocation& in);
int device_add(const invocation& in);
int device_list(const invocation& in);
int device_revoke(const invocation& in);  // operand: DEVICE_ID

// log_commands.cpp
int log_show(const invocation& in);
int quarantine_show(const invocation& in);

// review_commands.cpp
int review_list(const invocation& in);
int review_show(const invocation& in);      // operand: ITEM_ID
int review_resolve(const invocation& in);   // operand: ITEM_ID
int review_merge(const invocation& in);     // operand: ITEM_ID
int review_dismiss(const invocation& in);   // operand: ITEM_ID
int conflicts_alias(const invocation& in);  // the old `conflicts`: a hint, then review list

// audit_commands.cpp
int audit_verify(const invocation& in);
int audit_head(const invocation& in);
int audit_timeline(const invocation& in);  // operand: RECORD
int audit_log(const invocation& in);
int audit_export(const invocation& in);

// report_commands.cpp
int report_show(const invocation& in);

}  // namespace sotay::admin
