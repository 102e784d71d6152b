// One blocking HTTP(S) POST: what a device needs of the server's HTTP API before it has
// credentials (enrollment, docs/api.md). Same transport as sync_client: resolve, TCP,
// TLS with the certificate checked when options.tls (https://), every step bounded by
// options.timeout. options.path and options.format are not used.
#pragma once

#include <cstddef>
#include <sotay/client/sync_client.hpp>
#include <string>

namespace sotay::client {

struct http_answer {
    unsigned status = 0;  // 201, 400, 401, 429, ...
    std::string content_type;
    std::string body;
};

// The largest answer body accepted: far above any answer of the API a device calls (an
// enrollment answer is a few hundred bytes), so only a broken or hostile server hits it.
inline constexpr std::size_t max_http_answer_bytes = 1024 * 1024;

// POSTs `body` to `target` ("/api/v1/enroll") on options.host:options.port with
// `Connection: close`, and returns the server's answer whatever its status. Throws
// transport_error when no complete answer came (refused, reset, timed out, a certificate
// not trusted, an answer over max_http_answer_bytes).
http_answer http_post(const connect_options& options, const std::string& target,
                      const std::string& content_type, const std::string& body);

}  // namespace sotay::client
