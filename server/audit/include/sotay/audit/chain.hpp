// The history's hash chain: every entry's hash covers its content and the hash of the
// entry before it, so changing, removing or reordering one entry breaks every link after
// it, and a head signed and kept elsewhere (signing.hpp) pins the whole history up to it.
//
// Link format (sotay.audit.v1). DO NOT CHANGE: stored hashes and exported heads depend on
// every byte. Entries are numbered from 1 without gaps; entry 1 follows the genesis hash,
// 32 zero bytes. The hash of entry `seq` with content `body` (the entry's canonical JSON
// text, entry.hpp) following the hash `prev` is SHA-256 over the concatenation of
//
//   offset  size  bytes
//   0       15    the ASCII domain tag "sotay.audit.v1\n" (the last byte is 0x0a)
//   15      32    prev, raw
//   47      8     seq, unsigned, big endian
//   55      8     the length of body in bytes, unsigned, big endian
//   63      n     body, exactly as stored (UTF-8 JSON text, no trailing newline)
//
// The tag keeps these hashes from ever equalling a hash made for another purpose; the
// length makes the encoding unambiguous. To re-check one link with standard tools, with
// PREV the previous hash in hex, SEQ the entry number and body.json its stored content:
//
//   { printf 'sotay.audit.v1\n'; printf %s "$PREV" | xxd -r -p;
//     printf %016x "$SEQ" | xxd -r -p; printf %016x "$(stat -c %s body.json)" | xxd -r -p;
//     cat body.json; } | sha256sum
//
// or in Python: hashlib.sha256(b"sotay.audit.v1\n" + prev + seq.to_bytes(8, "big") +
// len(body).to_bytes(8, "big") + body).hexdigest().
//
// Everything here is pure and thread-compatible (no shared state); libsodium is started
// on first use.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sotay::audit {

using digest = std::array<std::uint8_t, 32>;

// The hash entry 1 follows: 32 zero bytes.
inline constexpr digest genesis{};

// The hash of entry `seq` whose content is `body`, following `prev` (the format above).
digest link(const digest& prev, std::uint64_t seq, std::string_view body);

// 64 lowercase hexadecimal characters.
std::string hex(const digest& d);
// Inverse of hex: exactly 64 hexadecimal characters, either case; nullopt otherwise.
std::optional<digest> from_hex(std::string_view text);

// What is wrong with a history, as the verifier names it. The numbers are not stored
// anywhere; the sentence in chain_problem::message is what a person reads.
enum class problem_kind {
    missing,       // entries are absent where the numbers jump ("entry 43 follows 41")
    moved,         // an entry is stored under another number than its own
    swapped,       // two entries are stored in each other's place
    duplicated,    // an entry appears twice (listed again, or copied under a new number)
    misplaced,     // a row holds the content of another entry (copied, or out of order)
    renumbered,    // entries were removed and the ones after them renumbered to close the gap
    changed,       // an entry's content no longer matches its hash
    hash_changed,  // an entry's stored hash was changed; its content is intact
    link_broken,   // an entry does not follow the one before it, for no single reason above
    head_differs,  // the history up to a signed head's entry is not what the head signed
    truncated,     // the history ends before the entry a signed head covers
};

struct chain_problem {
    problem_kind kind = problem_kind::changed;
    std::uint64_t seq = 0;  // the entry it concerns (the first one, when it names two)
    std::string message;    // a sentence naming the entries, for the report
    bool operator==(const chain_problem&) const = default;
};

// Walks a history in stored order and names the first thing wrong with it.
//
// Feed every row in the order the store keeps them (ascending seq), then call finish().
// An intact history costs one SHA-256 per entry and keeps no copy of anything. After the
// first row that does not fit, the verifier looks further to name the problem rightly:
//   1. A row whose hash does not match is judged by the row after it: when that row
//      follows the stored hash, the content was changed (`changed`); when it follows the
//      hash the content really has, the stored hash was changed (`hash_changed`); when it
//      is the entry that belongs here and this row is the entry that belongs there, the
//      two were swapped (`swapped`).
//   2. A jump in the numbers (`missing`), or a row that fits nowhere, is kept (at most
//      16 of each) and every later row that does not fit (at most 4096 of them) is tested
//      against them: a row found to be the authentic entry of another place was moved
//      there (`moved`); two rows each authentic at the other's place were swapped
//      (`swapped`).
//   3. A row whose content names another number than the one it is stored under
//      (entry.hpp puts "seq" first in every body) is `renumbered` when the row after it
//      follows it under that other numbering; `duplicated` when it names an entry already
//      verified in its own place; else `misplaced`.
// What the data cannot tell apart: someone who changes an entry AND recomputes its hash
// moves the break to the next entry, which is then reported as `changed` (the message
// says the entry before may have been rewritten instead); someone who deletes the newest
// entries, or recomputes every hash after a change, leaves a chain intact by itself.
// Only a head signed and kept outside reveals those: give it to expect().
//
// Not thread-safe; one verifier per walk.
class chain_verifier {
public:
    // Verifies a history from entry 1, which follows the genesis hash.
    chain_verifier();
    // Verifies the entries after `seq`, trusting `hash` as that entry's hash (a signed
    // head already checked, so that a long history is not walked again from the start).
    chain_verifier(std::uint64_t seq, const digest& hash);

    // A trusted hash of entry `seq` (from a signed head whose signature was checked).
    // Reaching that entry with another hash is `head_differs`; ending before it is
    // `truncated`. Call before the first add().
    void expect(std::uint64_t seq, const digest& hash);

    // The next row: its number as stored, its content, its stored hash.
    void add(std::uint64_t seq, std::string_view body, const digest& stored);

    // True once the first problem is known for certain: later rows cannot change it, and
    // the caller may stop reading and call finish().
    bool settled() const { return problem_.has_value(); }

    // After the last row: the first problem, or nullopt for an intact history. Call once.
    std::optional<chain_problem> finish();

    // Rows given so far, and the last entry verified before the first problem (with its
    // hash): what a head exported now would sign.
    std::uint64_t rows() const { return rows_; }
    std::uint64_t verified_seq() const { return verified_seq_; }
    const digest& verified_hash() const { return verified_hash_; }

private:
    struct row {
        std::uint64_t seq = 0;
        std::string body;
        digest stored{};
    };
    // A place whose authentic entry has not been seen: entry `seq`, following `prev`.
    struct hole {
        std::uint64_t seq = 0;
        digest prev{};
        std::uint64_t filled_by = 0;  // where its entry was found (0: not yet)
        bool found = false;
    };
    // A row that did not fit where it is stored.
    struct stray {
        row r;
        std::uint64_t is_entry = 0;  // the entry it proved to be (valid when `found`)
        bool found = false;
    };
    enum class first_kind { none, gap, early, failing };

    void start_diagnosis(row r, const digest& computed);
    void judge_with_next(const row& next);
    void diagnose(row r);
    void add_hole(std::uint64_t seq, const digest& prev);
    void add_stray(row r);
    void settle(problem_kind kind, std::uint64_t seq, std::string message);
    chain_problem conclude() const;

    // Clean walk.
    digest prev_ = genesis;         // hash the next entry must follow
    digest before_prev_ = genesis;  // hash the last verified entry followed
    std::uint64_t next_ = 1;        // number the next row must have
    std::uint64_t start_seq_ = 0;   // the trusted entry the walk starts after (0: genesis)
    std::uint64_t rows_ = 0;
    std::uint64_t verified_seq_ = 0;
    digest verified_hash_ = genesis;
    std::map<std::uint64_t, digest> expected_;

    // Diagnosis, after the first row that did not fit.
    first_kind first_ = first_kind::none;
    row first_row_;                     // the row that did not fit (early, failing)
    std::uint64_t first_seq_ = 0;       // the place the problem is at
    std::uint64_t gap_end_ = 0;         // gap: the number that came instead of first_seq_
    std::uint64_t first_expected_ = 0;  // the number the walk expected there
    digest first_computed_{};           // failing: what its content hashes to in its place
    bool awaiting_next_ = false;        // failing: the next row decides rule 1
    bool had_next_ = false;
    bool loose_ = false;          // the previous row was not verified: the next may not follow it
    std::uint64_t searched_ = 0;  // rows that did not fit, after the first problem
    std::vector<hole> holes_;
    std::vector<stray> strays_;
    std::optional<chain_problem> problem_;
};

}  // namespace sotay::audit
