#include "body.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include <algorithm>
#include <cstdint>

namespace sotay::server::api {

namespace json = boost::json;

body_reader::body_reader(std::string_view text, std::initializer_list<std::string_view> known) {
    if (text.size() > max_json_body) {
        fail(sync::errc::too_large,
             "the request body is over " + std::to_string(max_json_body) + " bytes", {});
        return;
    }
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return;  // {}

    json::parse_options options;
    options.max_depth = max_json_depth;  // UTF-8 is checked by default (allow_invalid_utf8)
    boost::system::error_code ec;
    json::value v = json::parse(text, ec, {}, options);
    if (ec) {
        fail(sync::errc::bad_message, "the request body is not valid JSON: " + ec.message(), {});
        return;
    }
    if (!v.is_object()) {
        fail(sync::errc::bad_message, "the request body must be a JSON object", {});
        return;
    }
    object_ = std::move(v.as_object());
    for (const auto& member : object_) {
        if (std::find(known.begin(), known.end(), member.key()) == known.end()) {
            // Names are echoed back: cut a long one so an error stays a sentence.
            const std::string name(member.key().substr(0, 64));
            fail(sync::errc::bad_message, "unknown member \"" + name + "\"", name);
            return;
        }
    }
    for (const std::string_view name : known) {
        if (object_.contains(name)) present_.push_back(name);
    }
}

std::string body_reader::string(std::string_view name) {
    if (error_) return {};
    auto value = optional_string(name);
    if (!value && !error_) {
        fail(sync::errc::bad_message, "member \"" + std::string(name) + "\" is required", name);
    }
    return value.value_or(std::string{});
}

std::optional<std::string> body_reader::optional_string(std::string_view name) {
    if (error_) return std::nullopt;
    const json::value* v = object_.if_contains(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_string()) {
        fail(sync::errc::bad_message, "member \"" + std::string(name) + "\" must be a string",
             name);
        return std::nullopt;
    }
    return std::string(v->as_string());
}

std::optional<std::int64_t> body_reader::optional_integer(std::string_view name) {
    const json::value* v = member(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(v->get_uint64());
    }
    fail(sync::errc::bad_message, "member \"" + std::string(name) + "\" must be a whole number",
         name);
    return std::nullopt;
}

std::optional<bool> body_reader::optional_boolean(std::string_view name) {
    const json::value* v = member(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_bool()) return v->get_bool();
    fail(sync::errc::bad_message, "member \"" + std::string(name) + "\" must be true or false",
         name);
    return std::nullopt;
}

std::map<std::string, std::string, std::less<>> body_reader::string_map(std::string_view name) {
    std::map<std::string, std::string, std::less<>> out;
    const json::value* v = member(name);
    if (v == nullptr || v->is_null()) return out;
    const std::string what = "member \"" + std::string(name) + "\"";
    if (!v->is_object()) {
        fail(sync::errc::bad_message, what + " must be an object of strings", name);
        return out;
    }
    if (v->get_object().size() > max_map_members) {
        fail(sync::errc::too_large,
             what + " has more than " + std::to_string(max_map_members) + " members", name);
        return out;
    }
    for (const auto& m : v->get_object()) {
        if (!m.value().is_string()) {
            fail(sync::errc::bad_message,
                 what + " must be an object of strings; \"" +
                     std::string(m.key().substr(0, 64)) + "\" is not a string",
                 name);
            return {};
        }
        out.emplace(std::string(m.key()), std::string(m.value().get_string()));
    }
    return out;
}

const json::value* body_reader::member(std::string_view name) const {
    if (error_) return nullptr;
    return object_.if_contains(name);
}

void body_reader::fail(sync::errc code, std::string message, std::string_view field) {
    if (error_) return;
    error_ = sync::error_info{code, std::move(message),
                              field.empty() ? std::nullopt : std::optional<std::string>(field)};
}

}  // namespace sotay::server::api
