// The push phase: many simulated devices, each creating new records offline and then
// pushing them over its own connection, several pushes in flight at once.
#pragma once

#include <sotay/sync/codec.hpp>

#include "report.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sotay::loadgen {

// One device as sotay-admin issued it.
struct device_credentials {
    std::string device_id;
    std::string token;
};

// Reads the JSON lines of `sotay-admin device add --json`. Throws std::runtime_error
// naming the file and line when a line is not {"device_id":..., "token":...}.
std::vector<device_credentials> read_device_file(const std::string& path);

struct push_options {
    std::string url;  // ws://host:port/sync
    std::vector<device_credentials> devices;
    std::size_t records = 1000;  // new records per device
    std::size_t batch = 200;     // changes per push (lowered to the server's limit)
    std::size_t window = 2;      // pushes in flight per device
    std::size_t record_bytes = 300;  // target size of a record's fields as JSON
    std::string org_unit = "LS.TP.P1";
    sync::wire_format format = sync::wire_format::binary;
    unsigned threads = 1;  // threads running the one io_context
    unsigned timeout_s = 600;  // whole-run limit
    std::uint64_t seed = 1;    // payloads are deterministic in it; ids are not (time)
};

// Runs the push phase to completion. Returns the report printed by the tool:
// {"phase":"push",...,"changes","seconds","changes_per_s","connect_seconds",
//  "bytes_sent","bytes_received","frames_sent","push_latency_ms":{p50,p90,p99,max}}.
// `seconds` runs from the first connect to the last push_result: connecting is part of
// a device's sync. `prepare_seconds` (making the records, untimed) is reported apart.
// Throws std::runtime_error with the first failure (a change not answered `applied`,
// a server error, a dropped connection, the timeout): the run never reports a rate
// for changes it could not confirm.
report run_push(const push_options& options);

}  // namespace sotay::loadgen
