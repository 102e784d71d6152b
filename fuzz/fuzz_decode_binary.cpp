// libFuzzer target: the binary subprotocol decoder on arbitrary bytes (codec.hpp contract:
// never crash, never throw, never allocate from an unchecked length).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sotay/sync/codec.hpp>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = std::as_bytes(std::span(data, size));
    const auto r = sotay::sync::decode_binary(bytes);
    if (r.has_value()) {
        const std::string bin = sotay::sync::encode_binary(*r);
        const auto again =
            sotay::sync::decode_binary(std::as_bytes(std::span(bin.data(), bin.size())));
        if (!again.has_value() || !(*again == *r)) std::abort();
    }
    return 0;
}
