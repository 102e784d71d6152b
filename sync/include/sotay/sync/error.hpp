// The one error currency of the wire.
//
// Each value has a fixed number (it is the tag used in the binary subprotocol) and a
// fixed string `code` (the JSON subprotocol and every log line). DO NOT RENUMBER OR
// RENAME: deployed phones compare these. Add new codes at the end.
#pragma once

#include <boost/system/error_code.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>

namespace sotay::sync {

enum class errc : int {
    ok = 0,
    auth_failed = 1,           // hello with an unknown device or a wrong token
    device_revoked = 2,        // the device was revoked by an administrator
    protocol_unsupported = 3,  // hello.protocol is not one the server speaks
    bad_message = 4,           // not a message of the protocol (syntax, types, fields)
    too_large = 5,             // over max_message_bytes or max_changes_per_push
    seq_gap = 6,               // first new seq of a push is not last_seq + 1
    validation = 7,            // a change does not fit the schema
    out_of_scope = 8,          // the record is outside the device user's org subtree
    unknown_type = 9,          // the record type is not in the schema
    rate_limited = 10,         // slow down and retry later
    internal = 11,             // the server failed; the client should retry later
    not_ready = 12,            // a request before hello, or a second hello
    shutting_down = 13,        // the server is stopping; reconnect later
    forbidden = 14,            // the user's role does not allow this (an auditor's push)
    scope_changed = 15,        // the user was moved or the org tree changed: reconnect
    not_found = 16,            // no such user, device, org unit or review item (HTTP API)
    conflict = 17,             // conflicts with the current state (name taken, decided)
    superseded = 18,           // a review item a newer edit already overtook (issue 6)
};

// "auth_failed", ... ; "internal" for a value out of range.
std::string_view to_code(errc e);
// Inverse of to_code; nullopt for an unknown string.
std::optional<errc> from_code(std::string_view code);

// Prints the code string: logs and test failures read "seq_gap", not "6".
inline std::ostream& operator<<(std::ostream& os, errc e) { return os << to_code(e); }

const boost::system::error_category& sync_category();
inline boost::system::error_code make_error_code(errc e) {
    return {static_cast<int>(e), sync_category()};
}

// An error as it travels: machine code, a sentence for a person, the field at fault.
struct error_info {
    errc code = errc::internal;
    std::string message;
    std::optional<std::string> field;

    bool operator==(const error_info&) const = default;
};

}  // namespace sotay::sync

template <>
struct boost::system::is_error_code_enum<sotay::sync::errc> : std::true_type {};
