// Names of the message enums as they travel in the JSON subprotocol.
#include <sotay/sync/messages.hpp>

namespace sotay::sync {

std::string_view status_name(change_status s) {
    switch (s) {
        case change_status::applied:
            return "applied";
        case change_status::duplicate:
            return "duplicate";
        case change_status::rejected:
            return "rejected";
    }
    // Out-of-range values never come from the decoders (they refuse unknown tags); a
    // name no decoder accepts keeps such a value from passing as a real status.
    return "unknown";
}

}  // namespace sotay::sync
