// How the CLI shows review items (docs/review.md): `sotay conflicts` and `sotay show`.
#pragma once

#include <sotay/sdk/device.hpp>

#include <boost/json/object.hpp>

#include <ostream>
#include <string>

namespace sotay::cli {

// The whole item, several lines: what it is about, each side's value with who made it,
// on which device, when (the device's clock) and when the server received it, then the
// decision once there is one. Sides made by `this_device` say so.
void print_review_item(std::ostream& out, const sdk::review_item& item,
                       const std::string& this_device);

// One line for a decided item: "settled by huong on 2026-03-05T08:00:00Z: status =
// resolved", "... : 0190... merged into 0190...", "dismissed by huong on ...: <reason>".
// Empty for an open item.
std::string review_decision_text(const sdk::review_item& item);

// The item as the JSON subprotocol and the HTTP API carry it (sync::review_item_to_json).
boost::json::object review_item_json(const sdk::review_item& item);

}  // namespace sotay::cli
