// The HTTP API (docs/api.md) as one signed-in user of a real server sees it: a login with
// a password, then requests carrying the session cookie. One connection per request:
// the tests are about answers, not about keep-alive.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>

namespace sotay::e2e {

// An answer: the status and the body parsed (null for an empty body, the text itself as
// a JSON string when it is not JSON, so a failure message shows it).
struct api_answer {
    int status = 0;
    boost::json::value body;
};

class api_session {
  public:
    // POST /api/v1/login; throws std::runtime_error with the answer unless it is 200.
    api_session(std::uint16_t port, const std::string& username, const std::string& password);

    api_answer get(const std::string& target) const;
    // A POST with Content-Type application/json (what every API POST but the CSV import
    // takes) and no Origin header, as a script sends it.
    api_answer post(const std::string& target, const boost::json::value& body) const;

  private:
    std::uint16_t port_;
    std::string cookie_;  // "sotay_session=<token>"
};

}  // namespace sotay::e2e
