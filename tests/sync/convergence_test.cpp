// Convergence: every replica and the server end with identical state, whatever the
// order in which devices sync (merge.hpp invariant M1).
//
// Each scenario fixes, from its seed, what every device does offline (its edits, with
// the device's own HLC). Then the same edits are delivered to an in-process server under
// several random schedules: partial pushes, pushes whose answer is lost (the connection
// dropped after the server committed), resends, pulls at random times. Finally each
// device pushes what is left and pulls. The checker asserts:
//   1. every device's replica equals the server's visible state;
//   2. the server's visible state is identical under every schedule;
//   3. it equals a naive reference model computed from the set of changes alone;
//   4. each (device, seq) was applied exactly once.
// A deliberately wrong merge (last arrival wins) must make the checker fail.
#include <sotay/sync/admission.hpp>
#include <sotay/sync/clock_rule.hpp>
#include <sotay/sync/ids.hpp>
#include <sotay/sync/merge.hpp>

#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <set>

namespace {
using namespace sotay::sync;

constexpr std::uint32_t base_seed = 20261122;  // scenario i uses base_seed + i
constexpr int scenario_count = 1000;
constexpr int schedules_per_scenario = 3;

// What a client sees of a record.
struct visible {
    std::string type;
    std::string org_unit;
    std::uint64_t version = 0;
    bool deleted = false;
    field_map fields;
    bool operator==(const visible&) const = default;
};

visible view_of(const record_state& r) {
    return {r.type, r.org_unit_code(), r.version, r.is_deleted(), r.visible_fields()};
}

struct scripted_change {
    std::string device;
    std::uint64_t seq = 0;
    std::string record;
    std::string type;
    std::string org_unit;
    hlc clock;
    std::uint64_t base = 0;
    field_map set;
    bool del = false;
};

enum class merge_kind { engine, last_arrival_wins };

// The in-process server: admission, clock rule, merge; no I/O.
struct sim_server {
    merge_kind kind = merge_kind::engine;
    std::map<std::string, record_state> records;
    std::map<std::string, std::uint64_t> record_seq;  // record -> server_seq of last change
    std::map<std::string, std::uint64_t> last_seq;    // device -> durable last seq
    std::map<std::string, hlc> last_hlc;
    std::set<std::pair<std::string, std::uint64_t>> applied;
    std::uint64_t head = 0;
    int applied_twice = 0;

    // Returns the device's last_seq after the push (what push_result carries).
    std::uint64_t push(const std::string& device, const std::vector<scripted_change>& changes) {
        std::vector<std::uint64_t> seqs;
        for (const auto& c : changes) seqs.push_back(c.seq);
        auto plan = admit(last_seq[device], seqs);
        BOOST_REQUIRE(std::holds_alternative<admission_plan>(plan));
        for (std::size_t i = std::get<admission_plan>(plan).first_new; i < changes.size(); ++i) {
            const auto& c = changes[i];
            const hlc eff = effective_clock(c.clock, 0, 4'000'000'000'000ULL, last_hlc[device]);
            last_hlc[device] = eff;
            change ch{c.record, c.type, c.org_unit, device, c.seq, eff, c.base, c.set, c.del};
            record_state& r = records[c.record];
            if (kind == merge_kind::engine) {
                BOOST_REQUIRE(apply(r, ch).has_value());
            } else {
                // Wrong on purpose: whatever arrives last wins.
                if (r.id.empty()) r.id = c.record, r.type = c.type;
                r.org_unit.v = c.org_unit;
                if (c.del) r.deleted.v = true;
                for (const auto& [k, v] : c.set) r.fields[k].v = v;
                ++r.version;
            }
            record_seq[c.record] = ++head;
            if (!applied.insert({device, c.seq}).second) ++applied_twice;
            last_seq[device] = c.seq;
        }
        return last_seq[device];
    }

    // Records changed after `after`, each once in its latest state.
    std::vector<std::pair<std::uint64_t, std::string>> pull(std::uint64_t after) const {
        std::vector<std::pair<std::uint64_t, std::string>> out;
        for (const auto& [id, s] : record_seq)
            if (s > after) out.emplace_back(s, id);
        std::sort(out.begin(), out.end());
        return out;
    }

    std::map<std::string, visible> state() const {
        std::map<std::string, visible> out;
        for (const auto& [id, r] : records) out[id] = view_of(r);
        return out;
    }
};

struct sim_device {
    std::string id;
    std::vector<scripted_change> outbox;  // the whole script, in seq order
    std::size_t acked = 0;                // changes known durable
    std::uint64_t cursor = 0;
    std::map<std::string, visible> replica;

    void pull_from(const sim_server& s) {
        for (const auto& [seq, record] : s.pull(cursor)) {
            replica[record] = view_of(s.records.at(record));
            cursor = seq;
        }
    }
};

// Phase 1: what each device does offline, fixed by the seed.
std::vector<sim_device> make_script(std::mt19937& rng) {
    const int devices = std::uniform_int_distribution<int>(3, 5)(rng);
    const int record_count = std::uniform_int_distribution<int>(1, 4)(rng);
    const std::vector<std::string> types = {"petition", "pressing_issue"};
    const std::vector<std::string> units = {"LS.TP.P1", "LS.TP.P2"};
    const std::vector<std::string> names = {"status", "summary", "kind", "owner"};
    const std::vector<value> values = {value{"received"}, value{"resolved"}, value{"Nguyễn Văn A"},
                                       value{std::int64_t{42}}, value{true}, value{}};
    std::vector<std::string> record_ids;
    for (int r = 0; r < record_count; ++r) {
        std::array<std::uint8_t, 10> rnd{};
        for (auto& b : rnd) b = static_cast<std::uint8_t>(rng());
        record_ids.push_back(format_uuid(make_uuid_v7(1'700'000'000'000ULL + r, rnd)));
    }
    std::vector<sim_device> out(devices);
    for (int d = 0; d < devices; ++d) {
        out[d].id = "0000000" + std::to_string(d) + "-0000-7000-8000-000000000000";
        // Device clocks disagree by up to a minute: within the trusted skew.
        std::uint64_t physical = 1'700'000'000'000ULL + rng() % 60'000;
        hlc_clock clock;
        const int edits = std::uniform_int_distribution<int>(1, 8)(rng);
        for (int e = 0; e < edits; ++e) {
            physical += rng() % 3;  // often the same ms: exercises the counter
            scripted_change c;
            c.device = out[d].id;
            c.seq = static_cast<std::uint64_t>(e + 1);
            const int r = static_cast<int>(rng() % record_ids.size());
            c.record = record_ids[r];
            c.type = types[r % types.size()];
            c.org_unit = units[rng() % 4 == 0 ? 1 : 0];
            c.clock = *clock.tick(physical);
            c.base = rng() % 6;
            c.del = rng() % 10 == 0;
            if (!c.del) {
                const int n = 1 + static_cast<int>(rng() % 3);
                for (int k = 0; k < n; ++k)
                    c.set[names[rng() % names.size()]] = values[rng() % values.size()];
            }
            out[d].outbox.push_back(std::move(c));
        }
    }
    return out;
}

// Phase 2: deliver under one random schedule, then a final full sync.
std::map<std::string, visible> run_schedule(std::vector<sim_device> devices, std::mt19937& rng,
                                            merge_kind kind, bool& replicas_agree,
                                            int& applied_twice) {
    sim_server server;
    server.kind = kind;
    const int steps = std::uniform_int_distribution<int>(5, 30)(rng);
    for (int s = 0; s < steps; ++s) {
        auto& d = devices[rng() % devices.size()];
        switch (rng() % 4) {
            case 0:
            case 1: {  // push a prefix of what is not yet acknowledged, maybe with resends
                const std::size_t from = d.acked > 0 && rng() % 3 == 0 ? rng() % d.acked : d.acked;
                if (from >= d.outbox.size()) break;
                const std::size_t to = from + 1 + rng() % (d.outbox.size() - from);
                std::vector<scripted_change> batch(d.outbox.begin() + from, d.outbox.begin() + to);
                const std::uint64_t last = server.push(d.id, batch);
                if (rng() % 4 != 0) d.acked = last;  // else: the answer was lost
                break;
            }
            case 2: d.pull_from(server); break;
            default: break;  // the device stays offline
        }
    }
    for (auto& d : devices) {  // everyone gets a signal at last
        std::vector<scripted_change> rest(d.outbox.begin() + d.acked, d.outbox.end());
        if (!rest.empty()) d.acked = server.push(d.id, rest);
    }
    const auto final_state = server.state();
    replicas_agree = true;
    for (auto& d : devices) {
        d.pull_from(server);
        if (d.replica != final_state) replicas_agree = false;
    }
    applied_twice = server.applied_twice;
    return final_state;
}

// The naive reference: per register, the value of the greatest (hlc, device) writer.
std::map<std::string, visible> reference_model(const std::vector<sim_device>& devices) {
    struct acc {
        visible v;
        writer org_writer;
        std::map<std::string, writer> field_writers;
    };
    std::map<std::string, acc> out;
    for (const auto& d : devices) {
        for (const auto& c : d.outbox) {
            auto& a = out[c.record];
            a.v.type = c.type;
            ++a.v.version;
            const writer w{c.clock, c.device};
            if (a.org_writer < w) a.org_writer = w, a.v.org_unit = c.org_unit;
            if (c.del) a.v.deleted = true;
            for (const auto& [k, val] : c.set) {
                auto& fw = a.field_writers[k];
                if (fw < w) {
                    fw = w;
                    if (is_null(val)) {
                        a.v.fields.erase(k);
                    } else {
                        a.v.fields[k] = val;
                    }
                }
            }
        }
    }
    std::map<std::string, visible> result;
    for (auto& [id, a] : out) result[id] = a.v;
    return result;
}

// Runs one scenario; returns true when every check holds.
bool scenario_converges(std::uint32_t seed, merge_kind kind, std::string& why) {
    std::mt19937 rng(seed);
    const auto devices = make_script(rng);
    const auto expected = reference_model(devices);
    for (int s = 0; s < schedules_per_scenario; ++s) {
        bool agree = false;
        int twice = 0;
        const auto got = run_schedule(devices, rng, kind, agree, twice);
        if (!agree) return why = "a device replica differs from the server", false;
        if (twice != 0) return why = "a change was applied twice", false;
        if (got != expected) {
            return why = "schedule " + std::to_string(s) + " differs from the reference model",
                   false;
        }
    }
    return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(convergence)

// Invariant M1, with the seed and count stated: base_seed + i for i < scenario_count.
BOOST_AUTO_TEST_CASE(every_replica_converges_whatever_the_sync_order) {
    int failures = 0;
    for (int i = 0; i < scenario_count; ++i) {
        std::string why;
        if (!scenario_converges(base_seed + static_cast<std::uint32_t>(i), merge_kind::engine, why)) {
            ++failures;
            BOOST_TEST_MESSAGE("seed " << base_seed + i << ": " << why);
        }
    }
    BOOST_TEST(failures == 0);
}

// The checker must be able to fail: last-arrival-wins diverges under some schedule.
BOOST_AUTO_TEST_CASE(a_last_arrival_wins_merge_is_caught_by_the_checker) {
    int caught = 0;
    for (int i = 0; i < 100; ++i) {
        std::string why;
        if (!scenario_converges(base_seed + static_cast<std::uint32_t>(i),
                                merge_kind::last_arrival_wins, why))
            ++caught;
    }
    BOOST_TEST(caught > 50);
}

BOOST_AUTO_TEST_SUITE_END()
