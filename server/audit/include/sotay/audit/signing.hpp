// Signed heads: the server's Ed25519 signature over the hash of the history's newest
// entry, exported and kept outside the server (by an inspector, in a mail, on paper), so
// that whoever can rewrite the database later still cannot rewrite the history before it.
//
// Signed message (sotay.audit.head.v1). DO NOT CHANGE: exported heads are checked years
// later. Ed25519 (RFC 8032, libsodium crypto_sign_detached) over these 68 bytes:
//
//   offset  size  bytes
//   0       20    the ASCII domain tag "sotay.audit.head.v1\n" (the last byte is 0x0a)
//   20      8     seq, unsigned, big endian: the entry the head covers
//   28      32    hash, raw: that entry's chain hash (chain.hpp)
//   60      8     at_ms, two's complement, big endian: when the head was signed, ms since
//                 the Unix epoch
//
// Exported form (to_json), one JSON object, every binary value in lowercase hex:
//   {"format":"sotay.audit.head.v1","seq":42,"hash":"<64 hex>","at_ms":1718000000000,
//    "public_key":"<64 hex>","signature":"<128 hex>"}
//
// The key. The 32-byte Ed25519 seed lives in a file of its own, OUTSIDE the database:
// someone who can rewrite the database file (and so recompute every chain hash) must not
// also be able to sign the rewritten chain. The file holds the seed as 64 hex characters
// and a newline, is created with mode 0600, and is refused when group or others may read
// or write it. A head carries the public key, so it can be checked on its own; trust in
// that key comes from comparing it with the server's (sotay-admin prints it).
#pragma once

#include <sotay/audit/chain.hpp>
#include <sotay/sync/error.hpp>

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sotay::audit {

using seed = std::array<std::uint8_t, 32>;
using public_key = std::array<std::uint8_t, 32>;
using signature = std::array<std::uint8_t, 64>;

struct signed_head {
    std::uint64_t seq = 0;   // the newest entry it covers
    digest hash{};           // that entry's chain hash
    std::int64_t at_ms = 0;  // when it was signed
    public_key key{};        // who signed it
    signature sig{};
    bool operator==(const signed_head&) const = default;
};

// The exact bytes a head's signature covers (the table above).
std::string head_message(std::uint64_t seq, const digest& hash, std::int64_t at_ms);

// A key file that cannot be used: unreadable, too open, or not a key. The message names
// the file and what to do.
class key_file_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The server's signing key. Holds the secret in memory and wipes it when destroyed;
// movable, not copyable. Thread-safe for concurrent sign() calls (const, no state).
class signing_key {
public:
    explicit signing_key(const seed& s);
    ~signing_key();
    signing_key(signing_key&& other) noexcept;
    signing_key& operator=(signing_key&& other) noexcept;
    signing_key(const signing_key&) = delete;
    signing_key& operator=(const signing_key&) = delete;

    // Reads the key file, or creates it with a new random seed (mode 0600, written and
    // synced before it is used) when it does not exist. Throws key_file_error when the
    // file is readable or writable by group or others, is not a regular file, or does not
    // hold exactly 64 hex characters (and an optional newline).
    static signing_key load_or_create(const std::filesystem::path& file);

    const public_key& public_part() const { return public_; }

    // A head over entry `seq` whose chain hash is `hash`, signed now-ish (`at_ms`).
    signed_head sign(std::uint64_t seq, const digest& hash, std::int64_t at_ms) const;

private:
    public_key public_{};
    std::array<std::uint8_t, 64> secret_{};  // libsodium's form: seed then public key
};

// Is the signature valid for the head's fields under the head's own key? (Any change to
// seq, hash, at_ms or the key makes it false.)
bool check(const signed_head& head);
// ... and was it made with `trusted`, the server's public key?
bool check(const signed_head& head, const public_key& trusted);

enum class head_verdict {
    matches,        // validly signed, and the history has that hash at head.seq
    bad_signature,  // the head itself was altered or forged
    differs,        // validly signed, but the history up to head.seq is not what it signed
};
// `hash_at_seq`: the history's chain hash at entry head.seq, as a verifier computed it.
head_verdict check_against(const signed_head& head, const digest& hash_at_seq);

boost::json::object to_json(const signed_head& head);
// Reads the exported form; errc::bad_message naming the member at fault. Members other
// than the six are ignored. The signature is NOT checked here: call check().
boost::system::result<signed_head, sync::error_info> head_from_json(std::string_view text);

}  // namespace sotay::audit
