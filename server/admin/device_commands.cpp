// code create / device add / device list / device revoke.
//
// A phone normally enrols itself with a one-time code (`code create`, then `sotay enroll`
// on the phone); `device add` registers one directly, for tests, the demo and benchmarks.
// Tokens and codes are printed once: only their hashes are stored.
#include <boost/json.hpp>
#include <chrono>
#include <iostream>

#include "commands.hpp"
#include "output.hpp"

namespace sotay::admin {

namespace json = boost::json;

namespace {

std::string state_of(const store::device_info& d) {
    if (d.revoked) return "revoked";
    if (d.user_disabled) return "user disabled";
    if (d.user_id == 0) return "no user";
    return "active";
}

}  // namespace

int code_create(const invocation& in) {
    const auto username = in.required("user");
    // 72 hours: long enough to reach a commune officer over a weekend; at most 30 days,
    // because an unused code is a standing way in.
    const auto hours = in.integer("ttl-hours", 72, 1, 720);
    auto r = in.db().create_enrollment_code(username, std::chrono::hours(hours), in.actor());
    if (!r) fail(r.error());
    if (in.json()) {
        print_json(json::object{
            {"code", r->code}, {"username", r->username}, {"expires_ms", r->expires_ms}});
        return 0;
    }
    std::cout << "enrollment code for " << r->username << ": " << r->code << "\n"
              << "  valid until " << format_time(r->expires_ms) << " (" << hours << " h), once\n"
              << "  on the phone: sotay enroll --url ws://HOST:PORT/sync --code " << r->code
              << "\n(the code is shown once; only its hash is stored)\n";
    return 0;
}

int device_add(const invocation& in) {
    const auto name = in.required("name");
    const auto username = in.required("user");
    // 100,000: the largest benchmark fleet; a typo such as --count 1000000 is refused.
    const auto count = in.integer("count", 1, 1, 100000);
    for (std::int64_t i = 0; i < count; ++i) {
        const std::string n = count == 1 ? name : name + "-" + std::to_string(i + 1);
        auto d = in.db().add_device(n, username, in.actor());
        if (!d) fail(d.error());
        if (in.json()) {
            // One line per device (sotay-loadgen --devices reads these lines).
            print_json(json::object{{"device_id", d->device_id},
                                    {"token", d->token},
                                    {"name", n},
                                    {"username", username}});
        } else {
            std::cout << "device " << n << " of " << username << "\n  device_id: " << d->device_id
                      << "\n  token:     " << d->token
                      << "\n(the token is shown once; only its hash is stored)\n";
        }
    }
    return 0;
}

int device_list(const invocation& in) {
    const auto devices = in.db().list_devices(store::scope_filter::all());
    if (in.json()) {
        json::array out;
        for (const auto& d : devices) out.push_back(device_json(d));
        print_json(out);
        return 0;
    }
    if (devices.empty()) {
        std::cout << "no devices; issue an enrollment code with `sotay-admin code create`\n";
        return 0;
    }
    // SEQ: the device's last change held; PULLED: the server_seq it said it holds;
    // PENDING: records in its scope changed since (what it has not received yet).
    table t({"DEVICE", "NAME", "USER", "ROLE", "ORG", "STATE", "LAST SEEN", "SEQ", "PULLED",
             "PENDING", "REJECTED"});
    for (const auto& d : devices) {
        t.add({d.device_id, d.name, d.username.empty() ? "-" : d.username,
               std::string(access::role_name(d.role)), d.org_unit.empty() ? "-" : d.org_unit,
               state_of(d), format_time(d.last_seen_ms), std::to_string(d.last_seq),
               std::to_string(d.pulled_seq), std::to_string(d.pending_pull),
               std::to_string(d.rejected)});
    }
    t.print(std::cout);
    return 0;
}

int device_revoke(const invocation& in) {
    auto r = in.db().revoke_device(in.operand(0), in.actor());
    if (!r) fail(r.error());
    if (in.json()) {
        print_json(device_json(*r));
    } else {
        std::cout << "device " << r->device_id << " (" << r->name << ", " << r->username
                  << ") revoked; its connection is closed and it cannot sync again\n";
    }
    return 0;
}

}  // namespace sotay::admin
