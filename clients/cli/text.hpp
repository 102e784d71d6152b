// Small pieces of the CLI's human output, shared by the commands.
#pragma once

#include <sotay/sync/value.hpp>

#include <cstdint>
#include <string>

namespace sotay::cli {

// "2026-03-04T05:06:07Z" for ms since the epoch (UTC, as `status` prints times).
std::string iso_time(std::int64_t ms);

// Strings bare (Vietnamese text as typed); everything else as JSON (42, true, null).
std::string value_text(const sync::value& v);

// "1 change", "2 changes".
std::string plural(std::size_t n, const char* one, const char* many);

}  // namespace sotay::cli
