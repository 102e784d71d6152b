// The clock rule: how a device's own timestamp becomes the clock the merge uses.
//
// A phone's date can be wrong by years (set by hand, battery removed). Trusting it
// blindly lets a phone set to 2030 win every later conflict, and silently drops every
// edit of a phone set to 2015. The rule, applied by the server to each pushed change:
//
//   C1. At every hello the server measures offset = server_time - client_time and keeps
//       it with the device (and in history).
//   C2. If |offset| <= trusted_skew, the device clock is trusted as is: ordinary network
//       delay and drift must not reorder edits, and this keeps M1 (merge.hpp) exact for
//       devices with sane clocks.
//   C3. Otherwise the change's wall_ms is shifted by the offset, i.e. read on the
//       server's clock: the phone set to 2030 is brought back to now, the phone set to
//       2015 forward to now. (The clock was wrong the same way when the edit was made:
//       phones rarely fix and unfix their date while offline.)
//   C4. Nothing may come from the future: a wall_ms still above server_now + trusted_skew
//       is clamped to server_now.
//   C5. A device's effective clocks strictly increase with its seq: if the result is not
//       above the device's previous effective clock, it becomes that clock + 1 tick. So
//       a device's later edit of a field always beats its earlier one.
//
// The device's own hlc is kept unchanged in the change log for history.
#pragma once

#include <sotay/sync/hlc.hpp>

#include <cstdint>

namespace sotay::sync {

struct clock_policy {
    // Five minutes: far above network delay and ordinary NTP-less drift over days
    // offline, far below the "wrong date" errors the rule exists for.
    std::int64_t trusted_skew_ms = 5 * 60 * 1000;
};

// offset_ms = server_time - client_time measured at this connection's hello.
// previous = the device's last effective clock (zero hlc for a new device).
hlc effective_clock(const hlc& device_clock, std::int64_t offset_ms, std::uint64_t server_now_ms,
                    const hlc& previous, const clock_policy& policy = {});

}  // namespace sotay::sync
