#include "pull_run.hpp"

#include "ws_link.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <unordered_set>

namespace sotay::loadgen {

namespace {

using steady = std::chrono::steady_clock;

// The fresh device: it holds nothing and asks for everything in its scope.
class pull_client final : public ws_link {
public:
    pull_client(net::io_context& ioc, const server_address& where, run_control& control,
                const pull_options& options, std::function<void()> done)
        : ws_link(ioc, where, options.format, control, "pulling device " + options.device_id),
          options_(options),
          done_(std::move(done)) {
        if (options.expect) seen_.reserve(*options.expect);
    }

    steady::time_point started{};
    steady::time_point first_page{};
    steady::time_point finished{};
    std::uint64_t pages = 0;
    std::uint64_t evicted = 0;
    std::uint64_t records() const { return seen_.size(); }

private:
    void on_open() override {
        sync::hello_msg hello;
        hello.device_id = options_.device_id;
        hello.token = options_.token;
        hello.client_time = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        send_owned(sync::encode(format(), sync::message{std::move(hello)}));
    }

    void on_message(sync::message&& m) override {
        std::visit(
            [this, &m](auto& msg) {
                using T = std::decay_t<decltype(msg)>;
                if constexpr (std::is_same_v<T, sync::welcome_msg>) {
                    request(std::nullopt);
                } else if constexpr (std::is_same_v<T, sync::changes_msg>) {
                    on_changes(msg);
                } else if constexpr (std::is_same_v<T, sync::error_msg>) {
                    fail("server error " + std::string(sync::to_code(msg.error.code)) + ": " +
                         msg.error.message);
                } else {
                    fail("unexpected message (variant index " + std::to_string(m.index()) +
                         ")");
                }
            },
            m);
    }

    // One page at a time: the next request needs the cursor the last page returned.
    void request(std::optional<std::string> cursor) {
        sync::pull_msg pull;
        pull.id = ++request_id_;
        pull.cursor = std::move(cursor);
        pull.limit = options_.limit;
        pull.live = false;
        send_owned(sync::encode(format(), sync::message{std::move(pull)}));
    }

    void on_changes(sync::changes_msg& c) {
        if (c.id != request_id_) {
            return fail("changes for request " + std::to_string(c.id) + ", expected " +
                        std::to_string(request_id_));
        }
        if (c.records.size() > options_.limit) {
            return fail("a page of " + std::to_string(c.records.size()) +
                        " records, over the limit " + std::to_string(options_.limit));
        }
        if (pages++ == 0) first_page = steady::now();
        for (auto& r : c.records) {
            if (!seen_.insert(std::move(r.record)).second) {
                return fail("record sent twice in one catch-up (page " + std::to_string(pages) +
                            ")");
            }
        }
        evicted += c.evict.size();
        if (c.more) {
            if (c.records.empty() && c.evict.empty()) {
                return fail("an empty page that says more=true: the pull would never end");
            }
            return request(std::move(c.cursor));
        }
        finished = steady::now();
        close();
        done_();
    }

    const pull_options& options_;
    std::function<void()> done_;
    std::unordered_set<std::string> seen_;
    std::int64_t request_id_ = 0;
};

}  // namespace

report run_pull(const pull_options& options) {
    if (options.limit == 0) throw std::runtime_error("--limit must be positive");
    net::io_context ioc(1);
    run_control control(ioc);
    const server_address where = resolve_ws_url(ioc, options.url);

    net::steady_timer timer(ioc);
    timer.expires_after(std::chrono::seconds(options.timeout_s));
    timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) control.fail("timed out after " + std::to_string(options.timeout_s) + " s");
    });
    // One thread: the timer and the link never run at the same time.
    auto client = std::make_shared<pull_client>(ioc, where, control, options,
                                                [&timer] { timer.cancel(); });
    client->started = steady::now();
    client->start();
    ioc.run();

    if (control.failed()) throw std::runtime_error(control.failure());
    if (client->finished == steady::time_point{}) throw std::runtime_error("pull did not finish");
    if (options.expect && client->records() != *options.expect) {
        throw std::runtime_error("pulled " + std::to_string(client->records()) +
                                 " records, expected " + std::to_string(*options.expect));
    }
    const double seconds =
        std::chrono::duration<double>(client->finished - client->started).count();
    report out;
    out.add("phase", "pull")
        .add("format", options.format == sync::wire_format::binary ? "bin" : "json")
        .add("limit", options.limit)
        .add("records", client->records())
        .add("pages", client->pages)
        .add("evicted", client->evicted)
        .add("seconds", seconds, 3)
        .add("records_per_s", static_cast<double>(client->records()) / seconds, 0)
        .add("first_page_ms",
             std::chrono::duration<double, std::milli>(client->first_page - client->started)
                 .count(),
             1)
        .add("bytes_received", control.bytes_received.load());
    return out;
}

}  // namespace sotay::loadgen
