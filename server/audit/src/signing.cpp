// Ed25519 heads: signing, checking, and their exported JSON form (signing.hpp).
#include <sotay/audit/signing.hpp>

#include "sodium_ready.hpp"

#include <sodium.h>

#include <boost/json.hpp>

#include <utility>

namespace sotay::audit {
namespace {

namespace json = boost::json;

constexpr std::string_view head_tag = "sotay.audit.head.v1\n";
constexpr std::string_view head_format = "sotay.audit.head.v1";
// A head is about 300 bytes; anything much larger is not one, and is not parsed.
constexpr std::size_t max_head_text = 4096;

static_assert(crypto_sign_PUBLICKEYBYTES == sizeof(public_key));
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_SEEDBYTES == sizeof(seed));
static_assert(crypto_sign_BYTES == sizeof(signature));

void put_u64_be(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>(v >> shift);
}

template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& bytes) {
    std::array<char, N * 2 + 1> text;
    sodium_bin2hex(text.data(), text.size(), bytes.data(), bytes.size());
    return std::string(text.data(), N * 2);
}

// Exactly 2N hex digits (either case) into N bytes.
template <std::size_t N>
bool read_hex(std::string_view text, std::array<std::uint8_t, N>& out) {
    std::size_t written = 0;
    const char* end = nullptr;
    return text.size() == N * 2 &&
           sodium_hex2bin(out.data(), out.size(), text.data(), text.size(), nullptr, &written,
                          &end) == 0 &&
           written == N && end == text.data() + text.size();
}

sync::error_info bad(std::string message, std::string field) {
    return sync::error_info{sync::errc::bad_message, std::move(message), std::move(field)};
}

}  // namespace

std::string head_message(std::uint64_t seq, const digest& hash, std::int64_t at_ms) {
    std::string m;
    m.reserve(head_tag.size() + 8 + hash.size() + 8);
    m += head_tag;
    put_u64_be(m, seq);
    m.append(reinterpret_cast<const char*>(hash.data()), hash.size());
    put_u64_be(m, static_cast<std::uint64_t>(at_ms));  // two's complement
    return m;
}

signing_key::signing_key(const seed& s) {
    detail::sodium_ready();
    crypto_sign_seed_keypair(public_.data(), secret_.data(), s.data());
}

signing_key::~signing_key() {
    sodium_memzero(secret_.data(), secret_.size());
}

signing_key::signing_key(signing_key&& other) noexcept
    : public_(other.public_), secret_(other.secret_) {
    sodium_memzero(other.secret_.data(), other.secret_.size());
}

signing_key& signing_key::operator=(signing_key&& other) noexcept {
    if (this != &other) {
        public_ = other.public_;
        secret_ = other.secret_;
        sodium_memzero(other.secret_.data(), other.secret_.size());
    }
    return *this;
}

signed_head signing_key::sign(std::uint64_t seq, const digest& hash, std::int64_t at_ms) const {
    signed_head h{seq, hash, at_ms, public_, {}};
    const std::string m = head_message(seq, hash, at_ms);
    crypto_sign_detached(h.sig.data(), nullptr, reinterpret_cast<const unsigned char*>(m.data()),
                         m.size(), secret_.data());
    return h;
}

bool check(const signed_head& head) {
    detail::sodium_ready();
    const std::string m = head_message(head.seq, head.hash, head.at_ms);
    return crypto_sign_verify_detached(head.sig.data(),
                                       reinterpret_cast<const unsigned char*>(m.data()), m.size(),
                                       head.key.data()) == 0;
}

bool check(const signed_head& head, const public_key& trusted) {
    return head.key == trusted && check(head);
}

head_verdict check_against(const signed_head& head, const digest& hash_at_seq) {
    if (!check(head)) return head_verdict::bad_signature;
    return head.hash == hash_at_seq ? head_verdict::matches : head_verdict::differs;
}

json::object to_json(const signed_head& head) {
    json::object o;
    o.reserve(6);
    o.emplace("format", head_format);
    o.emplace("seq", head.seq);
    o.emplace("hash", hex(head.hash));
    o.emplace("at_ms", head.at_ms);
    o.emplace("public_key", to_hex(head.key));
    o.emplace("signature", to_hex(head.sig));
    return o;
}

boost::system::result<signed_head, sync::error_info> head_from_json(std::string_view text) {
    if (text.size() > max_head_text) {
        return bad("this is not a signed head: it is over " + std::to_string(max_head_text) +
                       " bytes long",
                   "");
    }
    boost::system::error_code ec;
    const json::value j = json::parse(text, ec);
    const json::object* o = ec ? nullptr : j.if_object();
    if (o == nullptr) return bad("this is not a signed head: it is not a JSON object", "");
    auto member = [&](std::string_view name) { return o->if_contains(name); };
    auto text_of = [&](std::string_view name) -> std::string_view {
        const json::value* v = member(name);
        return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : "";
    };

    if (text_of("format") != head_format) {
        return bad("this is not a signed head: \"format\" must be \"sotay.audit.head.v1\"",
                   "format");
    }
    signed_head h;
    const json::value* seq = member("seq");
    if (seq != nullptr && seq->is_int64() && seq->get_int64() >= 0) {
        h.seq = static_cast<std::uint64_t>(seq->get_int64());
    } else if (seq != nullptr && seq->is_uint64()) {
        h.seq = seq->get_uint64();
    } else {
        return bad("the head's \"seq\" must be a whole number of zero or more", "seq");
    }
    const json::value* at = member("at_ms");
    if (at == nullptr || !at->is_int64()) {
        return bad("the head's \"at_ms\" must be a whole number of milliseconds", "at_ms");
    }
    h.at_ms = at->get_int64();
    if (!read_hex(text_of("hash"), h.hash)) {
        return bad("the head's \"hash\" must be 64 hexadecimal characters", "hash");
    }
    if (!read_hex(text_of("public_key"), h.key)) {
        return bad("the head's \"public_key\" must be 64 hexadecimal characters", "public_key");
    }
    if (!read_hex(text_of("signature"), h.sig)) {
        return bad("the head's \"signature\" must be 128 hexadecimal characters", "signature");
    }
    return h;
}

}  // namespace sotay::audit
