// Secrets: device tokens, web session tokens, enrollment codes and passwords (libsodium).
//
// Tokens and codes are stored only as their BLAKE2b-256 hash (token_hash): they are long
// random strings, so a fast hash suffices and a stolen database holds nothing to replay.
// Passwords are chosen by people and guessable, so they get argon2id
// (crypto_pwhash_str, the INTERACTIVE limits: ~64 MiB and ~0.1 s per check), which makes
// each guess against a stolen database expensive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sotay::access {

// Must be called once before anything here (idempotent; throws std::runtime_error if
// libsodium cannot start).
void init_crypto();

// 32 random bytes as 64 lowercase hex characters: device tokens, web session tokens.
std::string random_token();

// BLAKE2b-256 of text, as 32 raw bytes.
std::string token_hash(std::string_view text);

// BLAKE2b keyed with `key` (16 to 64 bytes), `bytes` long (16 to 64), raw: a MAC for
// values the server hands out and must recognise again unaltered (pull cursors).
std::string keyed_digest(std::string_view key, std::string_view message, std::size_t bytes = 16);

// 32 random bytes, raw: keys for keyed_digest.
std::string random_key();

// Enrollment codes: 10 symbols of Crockford base32 (no I, L, O, U), printed
// "ABCDE-FGHJK": 50 random bits, short enough to read out over the phone.
std::string random_enrollment_code();
// Canonical form of what a person typed: upper case, dashes and spaces dropped,
// I/L -> 1 and O -> 0 (Crockford). nullopt when it is not 10 symbols of the alphabet.
std::optional<std::string> normalize_enrollment_code(std::string_view typed);

// argon2id string (algorithm, limits, salt and hash in one ASCII string).
std::string hash_password(std::string_view password);
bool verify_password(std::string_view stored_hash, std::string_view password);

// Password policy: at least 10 bytes, at most 256, valid UTF-8. nullopt = acceptable,
// else the sentence to show.
std::optional<std::string> password_problem(std::string_view password);

}  // namespace sotay::access
