// libFuzzer target: the JSON subprotocol decoder on arbitrary bytes (codec.hpp contract:
// never crash, never throw; decode(encode(m)) == m for whatever it accepts).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sotay/sync/codec.hpp>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto r = sotay::sync::decode_json(text);
    if (r.has_value()) {
        // What was accepted must re-encode and decode to the same message in both formats.
        const auto again = sotay::sync::decode_json(sotay::sync::encode_json(*r));
        if (!again.has_value() || !(*again == *r)) std::abort();
        const std::string bin = sotay::sync::encode_binary(*r);
        const auto b = sotay::sync::decode_binary(std::as_bytes(std::span(bin.data(), bin.size())));
        if (!b.has_value() || !(*b == *r)) std::abort();
    }
    return 0;
}
