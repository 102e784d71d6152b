// Enrollment: a one-time code from an administrator (`sotay-admin code create`, or the
// web console) exchanged for a device id and token bound to a user.
//
// The server's HTTP API takes it on the same host and port as the sync URL: http:// for
// ws://, https:// for wss:// (with the same certificate checks as sync):
//   POST /api/v1/enroll  {"code":"ABCDE-FGHJK","device_name":"..."}
//   201 {"device_id","token","user":{"username","display_name","role","org_unit"},
//        "sync_path":"/sync"}
//   4xx/5xx {"code":<sync::errc string>,"message":<sentence>}
// A code works once: a second enroll with it fails with auth_failed.
#pragma once

#include <chrono>
#include <sotay/sdk/device.hpp>
#include <sotay/sync/codec.hpp>
#include <string>

namespace sotay::sdk {

struct enroll_request {
    std::string url;  // the sync URL, wss://HOST:PORT/sync (or ws://); see above
    std::string code;
    std::string device_name;  // how administrators will see the device ("Lan's phone")
    std::string ca_file;      // as device_settings::ca_file
    sync::wire_format format = sync::wire_format::binary;  // stored in the settings
    std::chrono::milliseconds timeout{10000};              // bound on each network step
};

// The user the device now acts for: its records are those of the user's org unit and
// everything below it.
struct enrolled_user {
    std::string username;
    std::string display_name;
    std::string role;  // "officer", "auditor", ... (docs/security.md)
    std::string org_unit;
};

struct enrollment {
    // Ready for device::configure(): the URL with the sync path the server named, the
    // new device id and token, the request's format and CA file.
    device_settings settings;
    enrolled_user user;
};

// Exchanges the code. Throws sdk::error:
//   invalid_argument  a URL parse_server_url refuses, an empty code or device name, a
//                     missing CA file; also the server's `validation` (a bad name, a malformed code)
//   refused           the server's auth_failed (the code is unknown, used or expired),
//                     forbidden
//   unreachable       no answer (refused, timed out, a certificate not trusted); also the
//                     server's rate_limited, internal, shutting_down: try again later
//   protocol          an answer this SDK cannot read (an older server without the API)
// with server_code and the server's own message when it sent one, and url = the URL.
enrollment enroll(const enroll_request& request);

}  // namespace sotay::sdk
