// The one-line JSON reports the load generator prints.
//
// Written by hand rather than with boost::json::serialize because Boost.JSON prints
// every double in exponent form ("3.5E4"): valid, but bench/w1 extracts figures with
// sed and people read these lines. Keys keep their insertion order.
#pragma once

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>

namespace sotay::loadgen {

class report {
public:
    // Integers print as they are.
    template <typename Int>
        requires std::is_integral_v<Int> && (!std::is_same_v<Int, bool>)
    report& add(std::string_view key, Int v) {
        return raw(key, std::to_string(v));
    }
    // Fixed notation with `decimals` digits after the point; NaN and infinity (a rate
    // over zero seconds) become null, which JSON can carry.
    report& add(std::string_view key, double v, int decimals) {
        if (!std::isfinite(v)) return raw(key, "null");
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
        return raw(key, buf);
    }
    report& add(std::string_view key, std::string_view s) {
        return raw(key, boost::json::serialize(boost::json::string(s)));
    }
    report& add(std::string_view key, const report& nested) { return raw(key, nested.text()); }

    std::string text() const { return "{" + body_ + "}"; }

private:
    report& raw(std::string_view key, std::string_view json) {
        if (!body_.empty()) body_ += ',';
        body_ += boost::json::serialize(boost::json::string(key));
        body_ += ':';
        body_ += json;
        return *this;
    }

    std::string body_;
};

}  // namespace sotay::loadgen
