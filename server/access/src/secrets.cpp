// Tokens, enrollment codes and passwords, on libsodium.
#include <sodium.h>

#include <array>
#include <sotay/access/secrets.hpp>
#include <sotay/schema/schema.hpp>
#include <stdexcept>

namespace sotay::access {
namespace {

constexpr std::string_view crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t code_symbols = 10;  // 10 x 5 bits = 50 bits
constexpr std::size_t token_bytes = 32;   // 256 bits: guessing is hopeless

constexpr std::size_t min_password_bytes = 10;
// argon2id costs the same for any length; the bound only keeps requests small.
constexpr std::size_t max_password_bytes = 256;

// The value of a typed symbol in the Crockford alphabet, or -1.
int crockford_value(char c) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';              // the letter O read as zero
    if (c == 'I' || c == 'L') c = '1';  // I and L read as one
    const auto at = crockford.find(c);
    return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

}  // namespace

void init_crypto() {
    // sodium_init is itself idempotent and thread-safe: 0 first time, 1 after.
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

std::string random_token() {
    std::array<unsigned char, token_bytes> bytes;
    randombytes_buf(bytes.data(), bytes.size());
    std::array<char, token_bytes * 2 + 1> hex;
    sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
    sodium_memzero(bytes.data(), bytes.size());
    return std::string(hex.data(), token_bytes * 2);
}

std::string token_hash(std::string_view text) {
    std::array<unsigned char, crypto_generichash_BYTES> out;  // 32 bytes: BLAKE2b-256
    static_assert(crypto_generichash_BYTES == 32);
    crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()),
                       text.size(), nullptr, 0);
    return std::string(reinterpret_cast<const char*>(out.data()), out.size());
}

std::string keyed_digest(std::string_view key, std::string_view message, std::size_t bytes) {
    if (key.size() < crypto_generichash_KEYBYTES_MIN || key.size() > crypto_generichash_KEYBYTES_MAX ||
        bytes < crypto_generichash_BYTES_MIN || bytes > crypto_generichash_BYTES_MAX) {
        throw std::invalid_argument("keyed_digest: key of 16-64 bytes and digest of 16-64 bytes");
    }
    std::string out(bytes, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(key.data()), key.size());
    return out;
}

std::string random_key() {
    std::string out(32, '\0');
    randombytes_buf(out.data(), out.size());
    return out;
}

std::string random_enrollment_code() {
    std::string out;
    out.reserve(code_symbols + 1);
    for (std::size_t i = 0; i < code_symbols; ++i) {
        if (i == code_symbols / 2) out += '-';  // "ABCDE-FGHJK": easier to read aloud
        // Uniform over the 32 symbols: each adds exactly 5 bits.
        out += crockford[randombytes_uniform(static_cast<std::uint32_t>(crockford.size()))];
    }
    return out;
}

std::optional<std::string> normalize_enrollment_code(std::string_view typed) {
    // Anything much longer than "ABCDE-FGHJK" with a few spaces is not a code.
    if (typed.size() > 4 * code_symbols) return std::nullopt;
    std::string out;
    out.reserve(code_symbols);
    for (const char c : typed) {
        if (c == '-' || c == ' ') continue;
        const int v = crockford_value(c);
        if (v < 0 || out.size() == code_symbols) return std::nullopt;
        out += crockford[static_cast<std::size_t>(v)];
    }
    if (out.size() != code_symbols) return std::nullopt;
    return out;
}

std::string hash_password(std::string_view password) {
    std::array<char, crypto_pwhash_STRBYTES> out;
    // crypto_pwhash_str uses argon2id (libsodium >= 1.0.15) with a random salt.
    if (crypto_pwhash_str(out.data(), password.data(), password.size(),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        throw std::runtime_error("password hashing ran out of memory");
    }
    return std::string(out.data());
}

bool verify_password(std::string_view stored_hash, std::string_view password) {
    // The stored string must be NUL-terminated for libsodium and fit its buffer.
    if (stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
    const std::string stored(stored_hash);
    return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

std::optional<std::string> password_problem(std::string_view password) {
    if (password.size() < min_password_bytes) {
        return "The password is too short: use at least 10 characters (a letter with a "
               "Vietnamese mark counts as 2 or 3).";
    }
    if (password.size() > max_password_bytes) {
        return "The password is too long: use at most 256 bytes.";
    }
    if (!schema::is_valid_utf8(password)) {
        return "The password is not valid UTF-8 text; type it again from the keyboard.";
    }
    return std::nullopt;
}

}  // namespace sotay::access
