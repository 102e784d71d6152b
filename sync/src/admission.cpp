#include <sotay/sync/admission.hpp>

namespace sotay::sync {

std::variant<admission_plan, admission_refusal> admit(std::uint64_t last_seq,
                                                      std::span<const std::uint64_t> seqs) {
    // A3: consecutive within the push.
    for (std::size_t i = 1; i < seqs.size(); ++i) {
        if (seqs[i] != seqs[i - 1] + 1) {
            return admission_refusal{false, 0,
                                     "push.changes must carry consecutive seq values; seq " +
                                         std::to_string(seqs[i]) + " follows " +
                                         std::to_string(seqs[i - 1])};
        }
    }
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        if (seqs[i] == 0) return admission_refusal{false, 0, "seq starts at 1; 0 is not a seq"};
        if (seqs[i] <= last_seq) continue;  // A1: a resend
        if (seqs[i] != last_seq + 1) {      // A2: a hole would follow
            return admission_refusal{true, last_seq + 1,
                                     "expected seq " + std::to_string(last_seq + 1) +
                                         " next, got " + std::to_string(seqs[i]) +
                                         "; resend every change after " +
                                         std::to_string(last_seq)};
        }
        return admission_plan{i};
    }
    return admission_plan{seqs.size()};  // all resends (or an empty push)
}

}  // namespace sotay::sync
