// chain_verifier: the walk, and naming what is wrong (chain.hpp, rules 1-3).
#include <sotay/audit/chain.hpp>
#include <sotay/audit/entry.hpp>

#include <utility>

namespace sotay::audit {
namespace {

// Enough to name the tampering of a few rows; a history where more than this many rows
// do not fit is named by its first problem without the search.
constexpr std::size_t max_kept = 16;
// Rows that do not fit, looked at after the first problem before the verifier stops
// searching: a renumbered history makes every later row one, and each costs up to
// max_kept hashes.
constexpr std::uint64_t max_searched = 4096;

std::string entry(std::uint64_t seq) {
    return "entry " + std::to_string(seq);
}

std::string entries(std::uint64_t first, std::uint64_t last) {
    return first == last ? entry(first)
                         : "entries " + std::to_string(first) + " to " + std::to_string(last);
}

}  // namespace

chain_verifier::chain_verifier() = default;

chain_verifier::chain_verifier(std::uint64_t seq, const digest& hash)
    : prev_(hash), next_(seq + 1), start_seq_(seq), verified_seq_(seq), verified_hash_(hash) {}

void chain_verifier::expect(std::uint64_t seq, const digest& hash) {
    expected_[seq] = hash;
}

void chain_verifier::add(std::uint64_t seq, std::string_view body, const digest& stored) {
    ++rows_;
    if (problem_) return;
    if (first_ != first_kind::none) {
        diagnose(row{seq, std::string(body), stored});
        return;
    }
    // The clean walk: one hash per entry, nothing kept.
    digest computed{};
    if (seq == next_) {
        computed = link(prev_, seq, body);
        if (computed == stored) {
            const auto want = expected_.find(seq);
            if (want != expected_.end() && want->second != computed) {
                settle(problem_kind::head_differs, seq,
                       entry(seq) + " differs from the signed head: the history up to " +
                           entry(seq) + " was rewritten after the head was signed");
                return;
            }
            before_prev_ = prev_;
            prev_ = computed;
            verified_seq_ = seq;
            verified_hash_ = computed;
            ++next_;
            return;
        }
    }
    start_diagnosis(row{seq, std::string(body), stored}, computed);
}

void chain_verifier::start_diagnosis(row r, const digest& computed) {
    const std::uint64_t expected = next_;
    first_expected_ = expected;
    if (r.seq > expected) {
        // Rule 2: entries are absent. The row after the gap cannot be checked (the hash
        // it follows is gone); the walk goes on from its stored hash.
        first_ = first_kind::gap;
        first_seq_ = expected;
        gap_end_ = r.seq;
        add_hole(expected, prev_);
        if (link(prev_, expected, r.body) == r.stored) {
            // The entry itself, stored under a higher number.
            holes_.back().found = true;
            holes_.back().filled_by = r.seq;
        }
        prev_ = r.stored;
        next_ = r.seq + 1;
    } else if (r.seq < expected) {
        if (r.seq + 1 == expected && expected - 1 == verified_seq_ && r.stored == prev_ &&
            link(before_prev_, r.seq, r.body) == r.stored) {
            settle(problem_kind::duplicated, r.seq, entry(r.seq) + " appears twice");
            return;
        }
        first_ = first_kind::early;
        first_seq_ = r.seq;
        first_row_ = r;
        add_stray(std::move(r));
    } else {
        // Rule 1 waits for the next row.
        first_ = first_kind::failing;
        first_seq_ = r.seq;
        first_computed_ = computed;
        awaiting_next_ = true;
        add_hole(r.seq, prev_);
        prev_ = r.stored;
        next_ = r.seq + 1;
        loose_ = true;
        first_row_ = r;
        add_stray(std::move(r));
    }
    if (!problem_ && first_ != first_kind::failing) {
        const chain_problem p = conclude();
        if (p.kind == problem_kind::moved) problem_ = p;
    }
}

void chain_verifier::judge_with_next(const row& next) {
    const row& r = first_row_;
    const std::uint64_t at = first_seq_;
    if (next.seq == at + 1) {
        if (link(first_computed_, next.seq, next.body) == next.stored) {
            settle(problem_kind::hash_changed, at,
                   entry(at) +
                       "'s stored hash was changed: its content is intact (the entry "
                       "after it follows the hash the content has)");
            return;
        }
        if (link(r.stored, next.seq, next.body) == next.stored) {
            std::string why = entry(at) + " was changed: its hash does not match its content";
            // Unless a signed head vouches for the entry before (or the walk began there).
            if (verified_seq_ == at - 1 && verified_seq_ > start_seq_ &&
                expected_.count(at - 1) == 0) {
                why += " (or " + entry(at - 1) + " was rewritten and its hash recomputed)";
            }
            settle(problem_kind::changed, at, std::move(why));
            return;
        }
        if (link(holes_.front().prev, at, next.body) == next.stored &&
            link(next.stored, next.seq, r.body) == r.stored) {
            settle(problem_kind::swapped, at,
                   "entries " + std::to_string(at) + " and " + std::to_string(next.seq) +
                       " are swapped: each is stored in the other's place");
            return;
        }
    }
    // Rule 3: both rows say they are other entries, and the second follows the first
    // under that numbering.
    const auto claimed = entry_seq(r.body);
    const auto next_claimed = entry_seq(next.body);
    if (claimed && *claimed != at && next_claimed &&
        link(r.stored, *next_claimed, next.body) == next.stored) {
        settle(problem_kind::renumbered, at,
               *claimed > at
                   ? entries(at, *claimed - 1) + (*claimed - 1 > at ? " are" : " is") +
                         " missing, and the entries after were renumbered to close the gap "
                         "(the row stored as " +
                         entry(at) + " is " + entry(*claimed) + ")"
                   : "the entries from " + entry(at) + " on were renumbered: the row stored as " +
                         entry(at) + " is " + entry(*claimed));
    }
}

void chain_verifier::diagnose(row n) {
    if (awaiting_next_) {
        awaiting_next_ = false;
        had_next_ = true;
        judge_with_next(n);
        if (problem_) return;
    }
    if (n.seq == next_ && link(prev_, n.seq, n.body) == n.stored) {
        prev_ = n.stored;
        ++next_;
        loose_ = false;
        return;
    }
    // A row that does not fit: is it the authentic entry of a place seen empty?
    if (++searched_ > max_searched) {
        problem_ = conclude();
        return;
    }
    bool matched = false;
    for (hole& h : holes_) {
        if (!h.found && link(h.prev, h.seq, n.body) == n.stored) {
            h.found = true;
            h.filled_by = n.seq;
            matched = true;
            break;
        }
    }
    if (n.seq < next_) {
        if (!matched) add_stray(std::move(n));  // out of order: may belong in a later gap
    } else if (n.seq > next_) {
        add_hole(next_, prev_);  // a gap: the row after it cannot be checked
        prev_ = n.stored;
        next_ = n.seq + 1;
        loose_ = false;
    } else if (loose_ && !matched) {
        // The row after one that did not fit: it follows a hash nobody stored. Taken as
        // it is, like the row after a gap.
        prev_ = n.stored;
        ++next_;
        loose_ = false;
    } else {
        // This place's entry is elsewhere (or nowhere): a hole, which a stray seen
        // earlier may fill (a swap with an earlier row).
        const digest here = prev_;
        prev_ = n.stored;
        ++next_;
        loose_ = true;
        const std::uint64_t at = n.seq;
        if (!matched) add_stray(std::move(n));
        add_hole(at, here);
    }
    const chain_problem p = conclude();
    if (p.kind == problem_kind::moved || p.kind == problem_kind::swapped) problem_ = p;
}

void chain_verifier::add_hole(std::uint64_t seq, const digest& prev) {
    if (holes_.size() >= max_kept) return;
    hole h{seq, prev};
    for (stray& s : strays_) {
        if (!s.found && link(prev, seq, s.r.body) == s.r.stored) {
            s.found = true;
            s.is_entry = seq;
            h.found = true;
            h.filled_by = s.r.seq;
            break;
        }
    }
    holes_.push_back(h);
}

void chain_verifier::add_stray(row r) {
    if (strays_.size() < max_kept) strays_.push_back(stray{std::move(r)});
}

void chain_verifier::settle(problem_kind kind, std::uint64_t seq, std::string message) {
    problem_ = chain_problem{kind, seq, std::move(message)};
}

chain_problem chain_verifier::conclude() const {
    // The hole at the first problem's place, and what the first odd row proved to be.
    const hole* place = nullptr;
    for (const hole& h : holes_) {
        if (h.seq == first_seq_) {
            place = &h;
            break;
        }
    }
    const stray* odd = nullptr;
    if (first_ != first_kind::gap && !strays_.empty() && strays_.front().r.seq == first_row_.seq)
        odd = &strays_.front();
    const std::uint64_t at = first_seq_;

    switch (first_) {
        case first_kind::none:
            break;
        case first_kind::gap:
            if (place != nullptr && place->found) {
                return {problem_kind::moved, at,
                        entry(at) + " was moved: it is stored as " + entry(place->filled_by)};
            }
            return {problem_kind::missing, at,
                    (at == 1 ? "the history starts at " + entry(gap_end_)
                             : entry(gap_end_) + " follows " + entry(at - 1)) +
                        ": " + entries(at, gap_end_ - 1) + (gap_end_ - 1 > at ? " are" : " is") +
                        " missing"};
        case first_kind::early:
            if (odd != nullptr && odd->found) {
                return {problem_kind::moved, odd->is_entry,
                        entry(odd->is_entry) + " was moved: it is stored as " + entry(at)};
            }
            return {problem_kind::misplaced, at,
                    "a row numbered " + std::to_string(at) + " comes " +
                        (first_expected_ == 1 ? "before " + entry(1)
                                              : "after " + entry(first_expected_ - 1)) +
                        ": the rows are out of order"};
        case first_kind::failing: {
            const bool here_found = place != nullptr && place->found;
            const bool odd_found = odd != nullptr && odd->found;
            if (here_found && odd_found && odd->is_entry == place->filled_by) {
                const std::uint64_t other = place->filled_by;
                return {problem_kind::swapped, std::min(at, other),
                        "entries " + std::to_string(std::min(at, other)) + " and " +
                            std::to_string(std::max(at, other)) +
                            " are swapped: each is stored in the other's place"};
            }
            if (here_found) {
                return {problem_kind::moved, at,
                        entry(at) + " was moved: it is stored as " + entry(place->filled_by) +
                            (odd_found ? ", and the row stored as " + entry(at) + " is " +
                                             entry(odd->is_entry)
                                       : ", and the row stored as " + entry(at) +
                                             " does not belong there")};
            }
            if (odd_found) {
                return {problem_kind::moved, odd->is_entry,
                        entry(odd->is_entry) + " was moved: it is stored as " + entry(at) +
                            ", in place of " + entry(at) + ", which is not in the history"};
            }
            const auto claimed = entry_seq(first_row_.body);
            if (claimed && *claimed != at) {
                if (*claimed < at && *claimed <= verified_seq_) {
                    return {problem_kind::duplicated, at,
                            "the row stored as " + entry(at) + " says it is " + entry(*claimed) +
                                ", which is also in its place: it was copied "
                                "there (or forged)"};
                }
                return {problem_kind::misplaced, at,
                        "the row stored as " + entry(at) + " holds the content of " +
                            entry(*claimed) + ": it was moved or copied there"};
            }
            if (!had_next_) {
                // The last row: only a signed head at this entry tells which part changed.
                const auto want = expected_.find(at);
                if (want != expected_.end() && want->second == first_computed_) {
                    return {problem_kind::hash_changed, at,
                            entry(at) +
                                "'s stored hash was changed: its content is what the "
                                "signed head signed"};
                }
                return {problem_kind::changed, at,
                        entry(at) +
                            " was changed: its hash does not match its content (or its "
                            "stored hash was changed)"};
            }
            return {problem_kind::link_broken, at,
                    entry(at) + " does not follow " + entry(at - 1) +
                        ": its content or its stored hash was changed, and so was the entry "
                        "after it, or an earlier entry was rewritten"};
        }
    }
    return {};
}

std::optional<chain_problem> chain_verifier::finish() {
    if (problem_) return problem_;
    if (first_ != first_kind::none) {
        problem_ = conclude();
        return problem_;
    }
    // Intact by itself; a signed head may know of entries that are no longer here.
    const auto beyond = expected_.upper_bound(verified_seq_);
    if (beyond != expected_.end()) {
        const std::uint64_t last = expected_.rbegin()->first;
        settle(problem_kind::truncated, verified_seq_ + 1,
               (verified_seq_ == 0 ? std::string("the history is empty")
                                   : "the history ends at " + entry(verified_seq_)) +
                   ", but a signed head covers " + entry(last) + ": " +
                   entries(verified_seq_ + 1, last) +
                   (last > verified_seq_ + 1 ? " were" : " was") + " removed");
    }
    return problem_;
}

}  // namespace sotay::audit
