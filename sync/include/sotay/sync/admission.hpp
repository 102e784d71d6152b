// Admission of a push against a device's durable log: which changes are new, which are
// resends, and whether the push leaves a gap. Pure; the store calls it inside the
// transaction that applies the push.
//
// Rules (protocol contract):
//   A1. seq <= last_seq: already held, answered `duplicate` with the stored answer.
//   A2. The first seq above last_seq must be last_seq + 1, else the whole push is
//       refused with seq_gap (naming the expected seq) and nothing in it is applied.
//   A3. Within a push, seqs strictly increase by one; anything else is a bad_message.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>

namespace sotay::sync {

struct admission_plan {
    std::size_t first_new = 0;  // index of the first change with seq > last_seq
};
struct admission_refusal {
    bool gap = false;  // true: seq_gap; false: bad_message
    std::uint64_t expected = 0;
    std::string message;
};

// seqs: the push's seqs in order. Returns the plan, or why it is refused.
std::variant<admission_plan, admission_refusal> admit(std::uint64_t last_seq,
                                                      std::span<const std::uint64_t> seqs);

}  // namespace sotay::sync
