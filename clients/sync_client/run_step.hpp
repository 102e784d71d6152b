// One asynchronous operation at a time on a private io_context, with a deadline: how the
// blocking clients (sync_client.cpp, http_post.cpp) bound every network step, since
// Beast's synchronous calls have none.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>

namespace sotay::client::detail {

// Starts the operation (initiate(handler)) and runs `ioc` until its handler ran or
// `timeout` passed. On timeout, cancel() must make the operation finish (closing the
// socket is the only way to stop a Beast operation); the operation's own result is then
// dropped and beast::error::timeout returned. Otherwise returns the operation's error.
template <typename Initiate, typename Cancel>
boost::system::error_code run_step(boost::asio::io_context& ioc, Initiate&& initiate,
                                   std::chrono::milliseconds timeout, Cancel&& cancel) {
    boost::system::error_code result;
    bool done = false;
    initiate([&result, &done](boost::system::error_code ec, auto&&...) {
        result = ec;
        done = true;
    });
    // One handler at a time until ours ran: run_for() would also wait for other work,
    // such as the handshake timer Beast leaves armed when an upgrade is refused.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    ioc.restart();
    while (!done && ioc.run_one_until(deadline) != 0) {
    }
    if (done) {
        return result;
    }
    // Cancel by closing, then let the operation finish with operation_aborted.
    cancel();
    ioc.restart();
    while (!done && ioc.run_one() != 0) {
    }
    return boost::beast::error::timeout;
}

}  // namespace sotay::client::detail
