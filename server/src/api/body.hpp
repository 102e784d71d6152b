// Reading a JSON request body: one object whose members are all known; most are strings,
// a few endpoints (the review decisions) take a number, a boolean, a field value or an
// object of strings.
//
// Untrusted input, so checked before use: the text is at most max_json_body bytes, valid
// UTF-8 (Boost.JSON refuses anything else) and nested at most max_json_depth deep; a
// member the endpoint does not know is refused by name rather than ignored, so a typo
// ("org_units") is an error instead of a silent no-op. An empty body reads as {}.
//
// The first problem is kept; later reads return empty values, so a handler reads every
// member and checks error() once.
#pragma once

#include <sotay/sync/error.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sotay::server::api {

// The API's bodies are a few short strings; 64 KiB is generous and refuses a large
// upload early (the org import, the one big body, is CSV).
inline constexpr std::size_t max_json_body = 64 * 1024;
// {"member": "string"} is depth 1; a little room, and no deep-nesting attack.
inline constexpr std::size_t max_json_depth = 8;
// An object of strings (a merge's field choices): a record type has a few dozen fields;
// 256 is ample and bounds what a handler copies.
inline constexpr std::size_t max_map_members = 256;

class body_reader {
  public:
    body_reader(std::string_view text, std::initializer_list<std::string_view> known);

    // A member that must be a string (bad_message naming it if missing or not a string).
    std::string string(std::string_view name);
    // As string(), but absent or null gives nullopt.
    std::optional<std::string> optional_string(std::string_view name);
    // Absent or null gives nullopt; anything but a whole number is bad_message.
    std::optional<std::int64_t> optional_integer(std::string_view name);
    // Absent or null gives nullopt; anything but true or false is bad_message.
    std::optional<bool> optional_boolean(std::string_view name);
    // An object whose members are all strings (bad_message naming it otherwise); absent
    // or null gives an empty map. At most max_map_members members.
    std::map<std::string, std::string, std::less<>> string_map(std::string_view name);
    // The member as sent (null included), or nullptr when absent or after an error.
    const boost::json::value* member(std::string_view name) const;
    // The known members present in the body (null ones included), in `known` order.
    const std::vector<std::string_view>& present() const { return present_; }

    const std::optional<sync::error_info>& error() const { return error_; }

  private:
    void fail(sync::errc code, std::string message, std::string_view field);

    boost::json::object object_;
    std::vector<std::string_view> present_;
    std::optional<sync::error_info> error_;
};

}  // namespace sotay::server::api
