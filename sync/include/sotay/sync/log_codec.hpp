// JSON forms kept in the change log: the change as received and the answer given.
// The store keeps both so that a resend gets the stored answer (S2) and an auditor reads
// exactly what the device sent. The layout is the wire's JSON layout for one change
// and one result (docs/protocol.md).
#pragma once

#include <sotay/sync/messages.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace sotay::sync {

std::string change_to_json(const change_msg& c);
std::string result_to_json(const change_result& r);
// nullopt on malformed text (a corrupt row).
std::optional<change_result> result_from_json(std::string_view text);

}  // namespace sotay::sync
