#include "text.hpp"

#include <sotay/sdk/json.hpp>

#include <boost/json/serialize.hpp>

#include <ctime>

namespace sotay::cli {

std::string iso_time(std::int64_t ms) {
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

std::string value_text(const sync::value& v) {
    if (const auto* s = std::get_if<std::string>(&v)) {
        return *s;
    }
    return boost::json::serialize(sdk::to_json(v));
}

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace sotay::cli
