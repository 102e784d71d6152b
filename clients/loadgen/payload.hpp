// What the benchmarks write: time-ordered record ids and realistic petition records.
//
// Header-only and free of sotay libraries on purpose: the load generator (sotay-loadgen)
// and the raw SQLite baseline (bench/sqlite_raw_insert.cpp) both include it, so the
// baseline inserts rows of exactly the shape and size the devices push.
//
// UUIDv7 layout (RFC 9562, section 5.7), big-endian:
//   bits   0..47  unix_ts_ms   milliseconds since the Unix epoch
//   bits  48..51  ver = 0111
//   bits  52..63  rand_a       here a counter (RFC 9562 6.2 method 1), so ids minted in
//                              the same millisecond still sort in minting order
//   bits  64..65  var = 10
//   bits  66..127 rand_b       random
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sotay::loadgen {

using uuid16 = std::array<std::uint8_t, 16>;

// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for test data.
// Deterministic for a seed, so a run can be reproduced. Not for secrets.
class splitmix64 {
public:
    explicit splitmix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform enough in [0, n) for n far below 2^64 (bias below 2^-40 for our n).
    std::uint64_t below(std::uint64_t n) { return next() % n; }

private:
    std::uint64_t state_;
};

// Mints UUIDv7 for one device. Not thread-safe: one owner, like the device it models.
class uuid_v7_source {
public:
    explicit uuid_v7_source(std::uint64_t seed) : rng_(seed) {}

    // A new id for wall clock `unix_ms`. Ids from one source strictly increase even when
    // the clock stands still or steps back: the counter carries into the timestamp.
    uuid16 next(std::uint64_t unix_ms) {
        if (unix_ms > last_ms_) {
            last_ms_ = unix_ms;
            // Start the counter in its lower half so a burst within one millisecond
            // has at least 2048 increments before it must borrow the next millisecond.
            counter_ = static_cast<std::uint16_t>(rng_.below(0x800));
        } else if (++counter_ > 0xFFF) {
            ++last_ms_;
            counter_ = 0;
        }
        uuid16 id{};
        for (int i = 0; i < 6; ++i) {
            id[i] = static_cast<std::uint8_t>(last_ms_ >> (40 - 8 * i));
        }
        id[6] = static_cast<std::uint8_t>(0x70 | (counter_ >> 8));
        id[7] = static_cast<std::uint8_t>(counter_);
        const std::uint64_t rand_b = rng_.next();
        for (int i = 0; i < 8; ++i) {
            id[8 + i] = static_cast<std::uint8_t>(rand_b >> (56 - 8 * i));
        }
        id[8] = static_cast<std::uint8_t>(0x80 | (id[8] & 0x3F));
        return id;
    }

private:
    splitmix64 rng_;
    std::uint64_t last_ms_ = 0;
    std::uint16_t counter_ = 0;
};

// A random (version 4) UUID: the baseline's "what if ids were random" comparison.
inline uuid16 uuid_v4(splitmix64& rng) {
    uuid16 id{};
    const std::uint64_t hi = rng.next();
    const std::uint64_t lo = rng.next();
    for (int i = 0; i < 8; ++i) {
        id[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
        id[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
    }
    id[6] = static_cast<std::uint8_t>(0x40 | (id[6] & 0x0F));
    id[8] = static_cast<std::uint8_t>(0x80 | (id[8] & 0x3F));
    return id;
}

// The canonical lowercase text form, as the protocol requires.
inline std::string uuid_text(const uuid16& id) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (std::size_t i = 0; i < id.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
        s.push_back(hex[id[i] >> 4]);
        s.push_back(hex[id[i] & 0xF]);
    }
    return s;
}

// One petition (đơn thư) as a commune officer would enter it: the fields of the
// default schema's `petition` type (see shared/domain.md), status "received".
struct petition_fields {
    std::string kind;           // complaint / denunciation / petition / feedback
    std::string received_on;    // YYYY-MM-DD
    std::string status;         // received
    std::string petitioner_id;  // 12-digit citizen id
    bool within_authority = false;
    std::string summary;  // Vietnamese, NFC, with diacritics
};

// The fields as one JSON object, keys in canonical (sorted) order: the form a record's
// visible fields take in `changes` and, byte for byte, the baseline's row body.
// No string we generate holds a quote, a backslash or a control character, so nothing
// needs escaping.
inline std::string petition_json(const petition_fields& p) {
    std::string s;
    s.reserve(64 + p.summary.size() + p.petitioner_id.size());
    s += "{\"kind\":\"" + p.kind + "\"";
    s += ",\"petitioner_id\":\"" + p.petitioner_id + "\"";
    s += ",\"received_on\":\"" + p.received_on + "\"";
    s += ",\"status\":\"" + p.status + "\"";
    s += ",\"summary\":\"" + p.summary + "\"";
    s += std::string(",\"within_authority\":") + (p.within_authority ? "true" : "false") + "}";
    return s;
}

namespace detail {

// Cuts s to at most n bytes at a word boundary (a space is one byte, so the cut never
// splits a UTF-8 character) and ends it with a full stop.
inline void cut_at_word(std::string& s, std::size_t n) {
    if (s.size() <= n || n == 0) return;
    const std::size_t space = s.rfind(' ', n - 1);
    s.resize(space == std::string::npos ? 0 : space);
    while (!s.empty() && (s.back() == ',' || s.back() == ' ')) s.pop_back();
    if (!s.empty() && s.back() != '.') s.push_back('.');
}

}  // namespace detail

// A petition whose petition_json() is about `record_bytes` long (up to one word under,
// never over unless record_bytes is below the fixed fields' size). Deterministic in rng.
inline petition_fields make_petition(splitmix64& rng, std::size_t record_bytes = 300) {
    static constexpr std::string_view kinds[] = {"complaint", "denunciation", "petition",
                                                 "feedback"};
    static constexpr std::string_view people[] = {
        "Ông Nguyễn Văn Hùng, thôn Bản Chắt,", "Bà Trần Thị Mai, tổ dân phố số 3,",
        "Ông Lò Văn Páo, bản Nà Khương,",     "Bà Hoàng Thị Thu Hương, khu phố Chiềng Lề,",
        "Ông Đặng Quốc Việt, xóm Đồng Tâm,",  "Bà Vũ Thị Hằng, thôn Phúc Lợi,"};
    static constexpr std::string_view subjects[] = {
        "phản ánh đường liên thôn bị sạt lở sau mưa lớn, xe máy không đi lại được",
        "kiến nghị việc cấp giấy chứng nhận quyền sử dụng đất chậm so với giấy hẹn",
        "khiếu nại việc chia tiền hỗ trợ hộ nghèo chưa công khai, minh bạch",
        "phản ánh tiếng ồn và bụi từ xưởng chế biến gỗ hoạt động ban đêm",
        "tố cáo việc lấn chiếm đất công để xây dựng lều quán trái phép",
        "kiến nghị kiểm tra nguồn nước sinh hoạt bị nhiễm bẩn, có mùi lạ"};
    static constexpr std::string_view tails[] = {
        "Đề nghị Ủy ban nhân dân xã xem xét, giải quyết dứt điểm.",
        "Người dân đã gửi đơn lần thứ hai nhưng chưa được trả lời.",
        "Đề nghị trả lời bằng văn bản trong thời hạn luật định.",
        "Đã có biên bản làm việc với trưởng thôn và đại diện các hộ liên quan.",
        "Sự việc ảnh hưởng đến sinh hoạt của khoảng hai mươi hộ gia đình."};
    auto pick = [&rng](const auto& list) {
        return std::string(list[rng.below(std::size(list))]);
    };

    petition_fields p;
    p.kind = pick(kinds);
    p.status = "received";
    p.within_authority = rng.below(4) != 0;
    // Dates spread over 2024; day capped at 28 so every month is valid.
    const auto month = 1 + rng.below(12);
    const auto day = 1 + rng.below(28);
    p.received_on = "2024-" + std::string(month < 10 ? "0" : "") + std::to_string(month) + "-" +
                    std::string(day < 10 ? "0" : "") + std::to_string(day);
    // Citizen ids: 3-digit province code, then 9 digits.
    p.petitioner_id = "0" + std::to_string(10 + rng.below(90));
    for (int i = 0; i < 9; ++i) p.petitioner_id.push_back(static_cast<char>('0' + rng.below(10)));

    const std::size_t fixed = petition_json(p).size();
    const std::size_t want = record_bytes > fixed ? record_bytes - fixed : 0;
    std::string s = pick(people) + " " + pick(subjects) + ".";
    while (s.size() < want) s += " " + pick(tails);
    detail::cut_at_word(s, want);
    p.summary = std::move(s);
    return p;
}

}  // namespace sotay::loadgen
