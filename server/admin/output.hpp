// What sotay-admin prints: tables for people, JSON for scripts, one shape per kind of
// thing (a user, a device) wherever it appears so that scripts can share their parsing.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <ostream>
#include <sotay/store/store.hpp>
#include <string>
#include <vector>

namespace sotay::admin {

// Columns aligned by what a terminal shows, not by bytes: "Phường Chi Lăng" is 15
// columns in 18 bytes.
class table {
  public:
    explicit table(std::vector<std::string> headers);
    void add(std::vector<std::string> row);  // as many cells as headers
    bool empty() const { return rows_.empty(); }
    void print(std::ostream& out) const;

  private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

// Columns a UTF-8 string takes: code points, without combining marks (NFD text).
std::size_t display_width(const std::string& text);

// "2024-05-01 14:03" in local time; `never` for 0.
std::string format_time(std::int64_t ms_since_epoch, const char* never = "never");

// Milliseconds since the epoch at the start (00:00 UTC) of a YYYY-MM-DD day; usage_error
// naming --option otherwise.
std::int64_t day_start_ms(const std::string& text, const char* option);

class invocation;
// The subtree --org names, or everything without --org; not_found for an unknown code.
store::scope_filter scope_of(const invocation& in);

// A stored JSON text parsed, so that the output nests it; the text itself if it is not JSON.
boost::json::value parse_or_string(const std::string& text);

// {"id","username","display_name","role","org_unit","disabled","has_password","created_ms"}
boost::json::object user_json(const store::user_info& u);
// {"device_id","name","user_id","username","role","org_unit","user_disabled","revoked",
//  "revoked_ms","created_ms","last_seen_ms","clock_offset_ms","last_seq","pulled_seq",
//  "pending_pull","rejected"}
boost::json::object device_json(const store::device_info& d);

// {"record","type","org_unit","version","deleted","fields"}: the HTTP API's Record (the
// sync protocol's layout), so that `review show --json` matches GET /api/v1/review/items/{id}.
boost::json::object record_json(const sync::record_msg& r);

// One line: the value serialised.
void print_json(const boost::json::value& v);

}  // namespace sotay::admin
