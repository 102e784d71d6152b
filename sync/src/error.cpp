// The wire's error codes: their strings and their boost::system category.
//
// The strings are part of the protocol (JSON `code`, the binary error_info code, every
// log line) and are exactly the enumerator names of errc. Keep the table in enum order.
#include <sotay/sync/error.hpp>

#include <array>
#include <string>

namespace sotay::sync {
namespace {

// Indexed by the enum's value; a test checks to_code/from_code agree on every entry.
constexpr std::array<std::string_view, 19> codes = {
    "ok",           "auth_failed", "device_revoked", "protocol_unsupported", "bad_message",
    "too_large",    "seq_gap",     "validation",     "out_of_scope",         "unknown_type",
    "rate_limited", "internal",    "not_ready",      "shutting_down",        "forbidden",
    "scope_changed", "not_found",  "conflict",       "superseded",
};

// A sentence per code for error_code::message(); the wire carries its own sentences.
constexpr std::array<std::string_view, 19> descriptions = {
    "success",
    "unknown device or wrong token",
    "the device was revoked by an administrator",
    "protocol version not supported",
    "not a message of the protocol",
    "message or push too large",
    "first new seq of a push is not last_seq + 1",
    "change does not fit the schema",
    "record outside the device user's scope",
    "record type not in the schema",
    "rate limited, retry later",
    "internal server error, retry later",
    "request before hello, or a second hello",
    "the server is shutting down",
    "the user's role does not allow this",
    "the user's scope changed; reconnect",
    "no such user, device, org unit or item",
    "the request conflicts with the current state",
    "a newer edit overtook what this decision would settle",
};

class sync_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sotay.sync"; }

    std::string message(int ev) const override {
        if (ev < 0 || static_cast<std::size_t>(ev) >= descriptions.size()) {
            return "unknown sotay.sync error " + std::to_string(ev);
        }
        return std::string(descriptions[static_cast<std::size_t>(ev)]);
    }
};

}  // namespace

std::string_view to_code(errc e) {
    const auto i = static_cast<int>(e);
    if (i < 0 || static_cast<std::size_t>(i) >= codes.size()) {
        return codes[static_cast<std::size_t>(errc::internal)];
    }
    return codes[static_cast<std::size_t>(i)];
}

std::optional<errc> from_code(std::string_view code) {
    // Fourteen short strings: a linear scan is as fast as any map here.
    for (std::size_t i = 0; i < codes.size(); ++i) {
        if (codes[i] == code) {
            return static_cast<errc>(i);
        }
    }
    return std::nullopt;
}

const boost::system::error_category& sync_category() {
    // A function-local static: one instance, initialised thread-safely on first use.
    static const sync_category_impl instance;
    return instance;
}

}  // namespace sotay::sync
