// Random org trees and records for the reports properties (rollup_test, facts_test):
// every field a shipped measure reads, with random values, some records deleted or merged.
#pragma once

#include <random>

#include "fixture.hpp"

namespace sotay::reports::test {

// A random forest of 1..40 units: unit i's parent is one of units 0..i-1 (or none for 0).
inline access::org_tree random_tree(std::mt19937& rng) {
    const int n = std::uniform_int_distribution<int>(1, 40)(rng);
    std::vector<access::org_unit> units;
    for (int i = 0; i < n; ++i) {
        const std::string parent =
            i == 0 ? "" : "u" + std::to_string(std::uniform_int_distribution<int>(0, i - 1)(rng));
        units.push_back({"u" + std::to_string(i), "unit", parent, "level"});
    }
    return *access::org_tree::build(std::move(units));
}

// Records of the types the shipped measures cover, with random fields, units and dates.
inline std::vector<owned_record> random_records(std::mt19937& rng, const access::org_tree& tree) {
    auto pick = [&](std::initializer_list<const char*> xs) {
        return std::string(
            *(xs.begin() + std::uniform_int_distribution<std::size_t>(0, xs.size() - 1)(rng)));
    };
    auto coin = [&] { return std::uniform_int_distribution<int>(0, 1)(rng) == 1; };
    auto date = [&] {
        return std::string(coin() ? "2022" : "2021") + "-0" +
               std::to_string(std::uniform_int_distribution<int>(1, 9)(rng)) + "-15";
    };
    const int n = std::uniform_int_distribution<int>(0, 200)(rng);
    std::vector<owned_record> out;
    for (int i = 0; i < n; ++i) {
        owned_record r;
        r.org_unit =
            tree.units()[std::uniform_int_distribution<std::size_t>(0, tree.size() - 1)(rng)].code;
        r.type = pick({"member", "commitment", "petition", "model_work", "citizen_contact",
                       "inspection", "exemplar", "study_session", "pressing_issue"});
        auto& f = r.fields;
        f["status"] = pick({"active", "resolved", "completed", "registered", "open"});
        f["kind"] = pick({"complaint", "denunciation", "reception", "inspection", "supervision"});
        f["within_authority"] = coin();
        f["has_study_content"] = coin();
        f["disciplined"] = coin();
        f["target_kind"] = pick({"organisation", "member"});
        f["honoree_kind"] = pick({"collective", "individual"});
        for (const char* d : {"received_on", "registered_on", "completed_on", "held_on",
                              "honoured_on", "identified_on"})
            f[d] = date();
        f["year"] = std::int64_t{coin() ? 2022 : 2021};
        f["member"] = "m" + std::to_string(std::uniform_int_distribution<int>(0, 9)(rng));
        f["value_vnd"] =
            std::int64_t{std::uniform_int_distribution<std::int64_t>(0, 9'000'000'000)(rng)};
        f["people_count"] = std::int64_t{std::uniform_int_distribution<int>(0, 500)(rng)};
        r.deleted = std::uniform_int_distribution<int>(0, 9)(rng) == 0;
        if (std::uniform_int_distribution<int>(0, 9)(rng) == 0)
            f["_merged_into"] = std::string("x");
        out.push_back(std::move(r));
    }
    return out;
}


}  // namespace sotay::reports::test
