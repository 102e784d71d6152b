#include "review_view.hpp"

#include "text.hpp"

#include <sotay/sync/hlc.hpp>
#include <sotay/sync/json_values.hpp>
#include <sotay/sync/value.hpp>

namespace sotay::cli {
namespace {

// The item's record type and id, as the officer knows them from `sotay list`.
std::string about(const sdk::review_item& item) {
    if (item.kind == "field") {
        return item.type + " " + item.record + ": field " + item.field +
               " was changed on two devices";
    }
    if (item.kind == "delete_edit") {
        return item.type + " " + item.record + " was deleted on one device and edited on another";
    }
    if (item.kind == "duplicate") {
        std::string line = item.type + " " + item.record + " (" + item.org_unit + ") and " +
                           item.other_record + " (" + item.other_org_unit +
                           ") may be the same one";
        if (!item.natural_key.empty()) {
            line += "; natural key: " + item.natural_key;
        }
        return line;
    }
    return item.type + " " + item.record + ": " + item.kind;  // a kind newer than this CLI
}

// What one side left: a field's value, the tombstone, or the record it created.
std::string side_value(const sdk::review_item& item, const sync::review_side_msg& side) {
    if (item.kind == "duplicate") {
        return "record " + side.record;
    }
    if (item.kind == "delete_edit") {
        if (const auto* deleted = std::get_if<bool>(&side.val)) {
            return *deleted ? "deleted" : "kept (edited)";
        }
    }
    if (sync::is_null(side.val)) {
        return "(cleared)";
    }
    return value_text(side.val);
}

// "by lan on device 0190... (this device), made <device clock>, received <server time>".
std::string side_origin(const sdk::review_item& item, const sync::review_side_msg& side,
                        const std::string& this_device) {
    std::string line = item.kind == "duplicate" ? "created by " : "by ";
    line += side.username.empty() ? "an unknown user" : side.username;
    line += " on device " + side.device_id;
    if (!this_device.empty() && side.device_id == this_device) {
        line += " (this device)";
    }
    // The device's own clock: when the officer made the edit, even if it synced days later.
    if (const auto h = sync::parse_hlc(side.device_hlc)) {
        line += ", made " + iso_time(static_cast<std::int64_t>(h->wall_ms));
    }
    if (side.received_ms > 0) {
        line += ", received " + iso_time(side.received_ms);
    }
    return line;
}

std::string state_text(const sdk::review_item& item) {
    if (item.state == "open") {
        std::string s = "open since " + iso_time(item.created_ms);
        if (item.superseded) {
            s += "; a newer edit has overtaken it";
        }
        return s;
    }
    return item.state;
}

// "status = resolved", or "status cleared" for a null.
std::string assignment(const std::string& field, const sync::value& v) {
    if (sync::is_null(v)) {
        return field + " cleared";
    }
    return field + " = " + value_text(v);
}

// The record of a duplicate pair that did not survive the merge.
std::string merged_away(const sdk::review_item& item) {
    return item.survivor == item.record ? item.other_record : item.record;
}

}  // namespace

void print_review_item(std::ostream& out, const sdk::review_item& item,
                       const std::string& this_device) {
    out << "item " << item.item << " (" << state_text(item) << ")\n  " << about(item) << "\n";
    for (std::size_t i = 0; i < item.sides.size(); ++i) {
        const auto& side = item.sides[i];
        out << "  side " << i << ": " << side_value(item, side) << "\n     "
            << side_origin(item, side, this_device) << "\n";
    }
    if (const auto decided = review_decision_text(item); !decided.empty()) {
        out << "  " << decided << "\n";
    }
}

std::string review_decision_text(const sdk::review_item& item) {
    if (item.state == "open") {
        return {};
    }
    const std::string who =
        (item.decided_by.empty() ? std::string("an unknown user") : item.decided_by) +
        (item.decided_ms > 0 ? " on " + iso_time(item.decided_ms) : std::string());
    if (item.state == "dismissed") {
        return "dismissed by " + who + (item.reason.empty() ? "" : ": " + item.reason);
    }
    const std::string& d = item.decision;
    std::string line = "settled by " + who;
    if (d == "settled") {
        // Another item's decision settled this one (the same field, tombstone or pair).
        line += " with item " + std::to_string(item.settled_by);
        if (item.kind == "field" && !sync::is_null(item.chosen)) {
            line += ": " + assignment(item.field, item.chosen);
        }
        return line;
    }
    if (d == "side" || d == "value") {
        if (item.kind == "field") {
            return line + ": " + assignment(item.field, item.chosen);
        }
        return line + ": one side kept";
    }
    if (d == "restore") {
        return line + ": restored, the record is live again";
    }
    if (d == "delete") {
        return line + ": the delete stands";
    }
    if (d == "merge") {
        return line + ": " + merged_away(item) + " merged into " + item.survivor;
    }
    return line + " (" + d + ")";  // a decision newer than this CLI
}

boost::json::object review_item_json(const sdk::review_item& item) {
    return sync::review_item_to_json(item);
}

}  // namespace sotay::cli
