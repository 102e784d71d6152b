// The catch-up phase: one fresh device pulls the whole store from cursor null.
#pragma once

#include <sotay/sync/codec.hpp>

#include "report.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace sotay::loadgen {

struct pull_options {
    std::string url;  // ws://host:port/sync
    std::string device_id;
    std::string token;
    std::uint32_t limit = 1000;  // records per page
    std::optional<std::uint64_t> expect;  // fail unless exactly this many records arrive
    sync::wire_format format = sync::wire_format::binary;
    unsigned timeout_s = 600;  // whole-run limit
};

// Connects, hellos, and pulls page after page until `more` is false. Every record id
// must arrive once (a catch-up sends each record's current state once: protocol).
// Returns {"phase":"pull","records","pages","seconds","records_per_s","bytes_received",
// "evicted","first_page_ms"}. Throws std::runtime_error on a repeated id, a count other
// than `expect`, a server error, a dropped connection or the timeout.
report run_pull(const pull_options& options);

}  // namespace sotay::loadgen
