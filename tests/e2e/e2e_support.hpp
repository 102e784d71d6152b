// What every end-to-end test needs besides the server: simulated devices (identity,
// own wall clock, change numbering), record ids, and the push/pull round trips.
#pragma once

#include "server_process.hpp"

#include <sotay/client/sync_client.hpp>
#include <sotay/sync/codec.hpp>
#include <sotay/sync/hlc.hpp>
#include <sotay/sync/messages.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace sotay::sync {
// Boost.Test prints the data point of a data-driven test; ADL finds this.
std::ostream& operator<<(std::ostream& os, wire_format f);
}  // namespace sotay::sync

namespace sotay::e2e {

// Every protocol-level test runs once per subprotocol.
inline constexpr std::array<sync::wire_format, 2> both_formats{sync::wire_format::json,
                                                               sync::wire_format::binary};

inline constexpr const char* default_org_unit = "LS.TP.P1";

// The real wall clock, ms since the epoch.
std::int64_t now_ms();
// A UUIDv7 (time-ordered, as devices mint them), in canonical lowercase form.
std::string new_record_id();

// One simulated phone. Its wall clock is the real one shifted by clock_offset_ms (a
// phone whose date is wrong); it stamps each change with the next seq and an hlc ticked
// from that clock, as the SDK will. Not thread-safe.
class test_device {
  public:
    explicit test_device(device_credentials creds, std::int64_t clock_offset_ms = 0);

    const std::string& id() const { return creds_.device_id; }
    const std::string& token() const { return creds_.token; }
    std::int64_t wall_ms() const { return now_ms() + clock_offset_ms_; }
    // The seq of the last change this device made (0 before the first).
    std::uint64_t last_seq() const { return next_seq_ - 1; }

    // Connects c to the server and says hello with this device's clock.
    sync::welcome_msg connect(client::sync_client& c, std::uint16_t port,
                              sync::wire_format format) const;

    // New changes, stamped with the next seq and hlc. create() has base 0; edit() carries
    // the version of the record this device last saw.
    sync::change_msg create(const std::string& record, sync::field_map fields,
                            const std::string& type = "petition",
                            const std::string& org_unit = default_org_unit);
    sync::change_msg edit(const std::string& record, std::uint64_t base, sync::field_map set,
                          const std::string& type = "petition",
                          const std::string& org_unit = default_org_unit);

  private:
    sync::change_msg stamp(sync::change_msg c);

    device_credentials creds_;
    std::int64_t clock_offset_ms_;
    std::uint64_t next_seq_ = 1;
    sync::hlc_clock clock_;
};

// The fields of a new petition (the required ones and a Vietnamese summary).
sync::field_map petition(const std::string& summary, const std::string& status = "received");

// One push round trip with a fresh request id; throws client_error if answered `error`.
sync::push_result_msg push(client::sync_client& c, std::vector<sync::change_msg> changes);
// Pulls from the beginning (cursor null) until `more` is false; every page's records.
std::vector<sync::record_msg> pull_all(client::sync_client& c, std::uint32_t limit = 500);
// The record with this id, or nullopt.
std::optional<sync::record_msg> find_record(const std::vector<sync::record_msg>& records,
                                            const std::string& id);
// The string value of a field ("<absent>" / "<not a string>" otherwise), for checks.
std::string text_field(const sync::record_msg& r, const std::string& field);

// The change log entries (sotay-admin log --json) of one device.
std::vector<boost::json::object> log_of(const server_process& server, const std::string& device_id);
// The seqs of those entries, in log order.
std::vector<std::uint64_t> logged_seqs(const server_process& server, const std::string& device_id);

}  // namespace sotay::e2e
