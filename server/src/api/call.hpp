// What a route handler receives: the request, its decoded path parameters and query, and
// (for routes that need one) the signed-in user with their scope.
#pragma once

#include "api.hpp"

#include <sotay/store/store.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sotay::server::api {

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

struct api_call {
    const request& req;
    api_context& ctx;
    // The client's address without the port: the "ip:" and "enroll:" rate-limit keys
    // (a port changes with every connection, an address does not).
    std::string address;
    // Percent-decoded values of the pattern's {placeholders}, in order.
    std::vector<std::string> params;
    // Percent-decoded query parameters; the first of a repeated name wins.
    std::map<std::string, std::string, std::less<>> query;
    // Set for routes that need a session (router.hpp): the user as stored now, the
    // session token that proved it, and the org units of the user's subtree.
    std::optional<store::user_info> user;
    std::string session_token;
    store::scope_filter scope;

    // Who the history names for what this request does (store.hpp H1): the signed-in
    // user ("" before login), through the API, from the client's address.
    store::actor actor() const {
        return {user ? user->username : std::string(), "api", address};
    }
};

}  // namespace sotay::server::api
