// libsodium started once, on first use, by whichever function needs it first.
#pragma once

namespace sotay::audit::detail {

// Idempotent and thread-safe (a function-local static); throws std::runtime_error when
// libsodium cannot start (no usable random source).
void sodium_ready();

}  // namespace sotay::audit::detail
