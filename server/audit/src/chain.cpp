// link, hex and from_hex: the hash chain's format (chain.hpp).
#include <sotay/audit/chain.hpp>

#include "sodium_ready.hpp"

#include <sodium.h>

#include <stdexcept>

namespace sotay::audit {
namespace detail {

void sodium_ready() {
    // sodium_init is itself idempotent; the static only saves the call after the first.
    static const bool ready = sodium_init() >= 0;
    if (!ready) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace detail

namespace {

constexpr std::string_view link_tag = "sotay.audit.v1\n";
static_assert(link_tag.size() == 15);
static_assert(crypto_hash_sha256_BYTES == sizeof(digest));

void put_u64_be(std::array<unsigned char, 8>& out, std::uint64_t v) {
    for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(v >> (56 - 8 * i));
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

digest link(const digest& prev, std::uint64_t seq, std::string_view body) {
    detail::sodium_ready();
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    auto feed = [&st](const void* p, std::size_t n) {
        crypto_hash_sha256_update(&st, static_cast<const unsigned char*>(p), n);
    };
    std::array<unsigned char, 8> seq_be;
    std::array<unsigned char, 8> len_be;
    put_u64_be(seq_be, seq);
    put_u64_be(len_be, body.size());
    feed(link_tag.data(), link_tag.size());
    feed(prev.data(), prev.size());
    feed(seq_be.data(), seq_be.size());
    feed(len_be.data(), len_be.size());
    feed(body.data(), body.size());
    digest out;
    crypto_hash_sha256_final(&st, out.data());
    return out;
}

std::string hex(const digest& d) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(d.size() * 2);
    for (const std::uint8_t b : d) {
        out += digits[b >> 4];
        out += digits[b & 0xF];
    }
    return out;
}

std::optional<digest> from_hex(std::string_view text) {
    digest out;
    if (text.size() != out.size() * 2) return std::nullopt;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = hex_value(text[2 * i]);
        const int lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return out;
}

}  // namespace sotay::audit
