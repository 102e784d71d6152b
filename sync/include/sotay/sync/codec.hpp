// Wire codecs for the two subprotocols.
//
//   sotay.v1.json : one JSON object per text frame (Boost.JSON).
//   sotay.v1.bin  : one message per binary frame, cereal PortableBinaryArchive; the byte
//                   layout is written out in docs/protocol.md and codec_binary.cpp.
//
// Decoders take untrusted bytes. Contract for both:
//   1. They never crash and never throw out of decode(): every failure is a result with
//      errc::bad_message (or errc::too_large) and a sentence naming what was wrong.
//   2. They never allocate from an unchecked length: every length prefix is checked
//      against the bytes that remain before anything is reserved.
//   3. Unknown JSON members are ignored (the protocol lets later versions add fields);
//      unknown message types are refused with bad_message.
//   4. decode(encode(m)) == m for every message m (tests/sync/codec_test.cpp).
#pragma once

#include <sotay/sync/messages.hpp>

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sotay::sync {

enum class wire_format { json, binary };

inline constexpr std::string_view subprotocol_json = "sotay.v1.json";
inline constexpr std::string_view subprotocol_binary = "sotay.v1.bin";

// A decode failure: code is bad_message or too_large.
struct decode_error {
    errc code = errc::bad_message;
    std::string message;
    std::optional<std::int64_t> id;  // the request id, when it could be read
};

// Lets decode_result::value() throw (Boost.System finds it by argument-dependent lookup).
[[noreturn]] inline void throw_exception_from_error(const decode_error& e,
                                                    const boost::source_location&) {
    throw std::runtime_error(std::string(to_code(e.code)) + ": " + e.message);
}

using decode_result = boost::system::result<message, decode_error>;

// Bounds applied while decoding, before any allocation they protect.
struct decode_limits {
    std::size_t max_changes = 1000;     // changes in one push
    std::size_t max_fields = 256;       // fields in one change's set / one record
    std::size_t max_string_bytes = 64 * 1024;  // any one string
    std::size_t max_records = 10000;    // records/evictions in one `changes`
    std::size_t max_depth = 16;         // JSON nesting
};

decode_result decode_json(std::string_view text, const decode_limits& limits = {});
std::string encode_json(const message& m);

decode_result decode_binary(std::span<const std::byte> bytes, const decode_limits& limits = {});
std::string encode_binary(const message& m);  // bytes in a std::string

inline decode_result decode(wire_format f, std::string_view bytes,
                            const decode_limits& limits = {}) {
    return f == wire_format::json
               ? decode_json(bytes, limits)
               : decode_binary(std::as_bytes(std::span(bytes.data(), bytes.size())), limits);
}
inline std::string encode(wire_format f, const message& m) {
    return f == wire_format::json ? encode_json(m) : encode_binary(m);
}

}  // namespace sotay::sync
