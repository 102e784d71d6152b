#include "push_run.hpp"

#include "payload.hpp"
#include "ws_link.hpp"

#include <sotay/sync/hlc.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <type_traits>

namespace sotay::loadgen {

namespace {

using steady = std::chrono::steady_clock;

std::uint64_t unix_ms_now() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

double seconds_between(steady::time_point a, steady::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// What the devices of one run share. Thread-safe.
struct push_shared {
    run_control& control;
    const push_options& options;
    steady::time_point start;
    std::atomic<std::size_t> devices_left{0};
    std::atomic<std::uint64_t> applied{0};
    std::atomic<bool> warned{false};  // one "re-prepared" warning per run is enough

    std::mutex mutex;  // guards the members below
    std::vector<double> latencies_ms;
    steady::time_point last_welcome{};
    steady::time_point last_result{};
    std::function<void()> all_done;

    void warn_once(const std::string& what) {
        if (!warned.exchange(true)) std::cerr << "sotay-loadgen: " << what << '\n';
    }
};

// One push, encoded before the clock starts so the timed phase measures the server,
// not the generator's encoder.
struct prepared_push {
    std::string frame;
    std::uint64_t first_seq = 0;
    std::size_t count = 0;
};

// A simulated device: it created `records` petitions while offline and now syncs them.
class push_device final : public ws_link {
public:
    push_device(net::io_context& ioc, const server_address& where, push_shared& shared,
                device_credentials creds, std::size_t index)
        : ws_link(ioc, where, shared.options.format, shared.control,
                  "device " + std::to_string(index) + " (" + creds.device_id + ")"),
          shared_(shared),
          creds_(std::move(creds)),
          // Payloads repeat for a seed; ids must not (a rerun against the same database
          // would collide), so the id source also takes real entropy.
          payload_rng_(shared.options.seed * 0x9e3779b97f4a7c15ULL + index),
          ids_(std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32)) {}

    // Creates the records and encodes the pushes; seqs start at first_seq. Runs before
    // start(), and again only if the server's welcome contradicts what was assumed.
    void prepare(std::uint64_t first_seq, std::size_t batch) {
        const auto& o = shared_.options;
        pushes_.clear();
        batch_ = batch;
        std::uint64_t seq = first_seq;
        for (std::size_t done = 0; done < o.records;) {
            sync::push_msg push;
            push.id = static_cast<std::int64_t>(pushes_.size() + 1);
            const std::size_t n = std::min(batch, o.records - done);
            push.changes.reserve(n);
            for (std::size_t k = 0; k < n; ++k) push.changes.push_back(new_record(seq + k));
            pushes_.push_back(prepared_push{sync::encode(o.format, sync::message{std::move(push)}),
                                            seq, n});
            seq += n;
            done += n;
        }
        sent_at_.assign(pushes_.size(), {});
        answered_.assign(pushes_.size(), false);
        latencies_ms_.clear();
        latencies_ms_.reserve(pushes_.size());
    }

private:
    // A new petition: UUIDv7 id and a fresh HLC tick, as the phone would have made it.
    sync::change_msg new_record(std::uint64_t seq) {
        const std::uint64_t now = unix_ms_now();
        const auto tick = clock_.tick(now);
        if (!tick) throw std::runtime_error("device HLC counter overflow");
        const petition_fields p = make_petition(payload_rng_, shared_.options.record_bytes);
        sync::change_msg c;
        c.seq = seq;
        c.record = uuid_text(ids_.next(now));
        c.type = "petition";
        c.org_unit = shared_.options.org_unit;
        c.hlc = sync::format_hlc(*tick);
        c.base = 0;
        c.set.emplace("kind", sync::value{p.kind});
        c.set.emplace("petitioner_id", sync::value{p.petitioner_id});
        c.set.emplace("received_on", sync::value{p.received_on});
        c.set.emplace("status", sync::value{p.status});
        c.set.emplace("summary", sync::value{p.summary});
        c.set.emplace("within_authority", sync::value{p.within_authority});
        return c;
    }

    void on_open() override {
        sync::hello_msg hello;
        hello.device_id = creds_.device_id;
        hello.token = creds_.token;
        hello.client_time = static_cast<std::int64_t>(unix_ms_now());
        send_owned(sync::encode(format(), sync::message{std::move(hello)}));
    }

    void on_message(sync::message&& m) override {
        std::visit(
            [this, &m](auto& msg) {
                using T = std::decay_t<decltype(msg)>;
                if constexpr (std::is_same_v<T, sync::welcome_msg>) {
                    on_welcome(msg);
                } else if constexpr (std::is_same_v<T, sync::push_result_msg>) {
                    on_push_result(msg);
                } else if constexpr (std::is_same_v<T, sync::error_msg>) {
                    fail("server error " + std::string(sync::to_code(msg.error.code)) + ": " +
                         msg.error.message +
                         (msg.id ? " (request " + std::to_string(*msg.id) + ")" : ""));
                } else {
                    fail("unexpected message (variant index " + std::to_string(m.index()) +
                         ")");
                }
            },
            m);
    }

    void on_welcome(const sync::welcome_msg& w) {
        if (welcomed_) return fail("a second welcome");
        welcomed_ = true;
        {
            std::lock_guard lock(shared_.mutex);
            shared_.last_welcome = std::max(shared_.last_welcome, steady::now());
        }
        // The plan assumed a fresh device and a batch the server accepts; if either is
        // wrong, re-prepare (slow, but correct, and said once on stderr).
        const std::uint64_t limit = w.limits.max_changes_per_push;
        const std::size_t batch =
            limit != 0 && batch_ > limit ? static_cast<std::size_t>(limit) : batch_;
        if (w.last_seq + 1 != pushes_.front().first_seq || batch != batch_) {
            shared_.warn_once("re-preparing pushes inside the timed phase (server last_seq " +
                              std::to_string(w.last_seq) + ", batch " + std::to_string(batch) +
                              "); the rate is slightly pessimistic");
            try {
                prepare(w.last_seq + 1, batch);
            } catch (const std::exception& e) {  // never let it escape a handler
                return fail(std::string("re-preparing: ") + e.what());
            }
        }
        for (const auto& p : pushes_) {
            if (w.limits.max_message_bytes != 0 && p.frame.size() > w.limits.max_message_bytes) {
                return fail("a push of " + std::to_string(p.frame.size()) +
                            " bytes is over the server's max_message_bytes " +
                            std::to_string(w.limits.max_message_bytes) + "; use a smaller --batch");
            }
        }
        fill_window();
    }

    // Keeps up to --window pushes in flight: the next push travels while the server
    // commits the previous one.
    void fill_window() {
        while (in_flight_ < shared_.options.window && next_ < pushes_.size()) {
            sent_at_[next_] = steady::now();
            send_ref(pushes_[next_].frame);
            ++next_;
            ++in_flight_;
        }
    }

    void on_push_result(const sync::push_result_msg& r) {
        const auto now = steady::now();
        if (r.id < 1 || static_cast<std::size_t>(r.id) > next_ ||
            answered_[static_cast<std::size_t>(r.id - 1)]) {
            return fail("push_result for push " + std::to_string(r.id) + ", not in flight");
        }
        const auto i = static_cast<std::size_t>(r.id - 1);
        const prepared_push& p = pushes_[i];
        if (r.results.size() != p.count) {
            return fail("push " + std::to_string(r.id) + " sent " + std::to_string(p.count) +
                        " changes, got " + std::to_string(r.results.size()) + " results");
        }
        for (std::size_t k = 0; k < p.count; ++k) {
            const auto& res = r.results[k];
            if (res.seq != p.first_seq + k) {
                return fail("push " + std::to_string(r.id) + " result " + std::to_string(k) +
                            " names seq " + std::to_string(res.seq) + ", expected " +
                            std::to_string(p.first_seq + k));
            }
            if (res.status != sync::change_status::applied) {
                std::string why = std::string(sync::status_name(res.status));
                if (res.error) {
                    why += ": " + std::string(sync::to_code(res.error->code)) + " " +
                           res.error->message +
                           (res.error->field ? " (field " + *res.error->field + ")" : "");
                }
                return fail("change seq " + std::to_string(res.seq) + " answered " + why);
            }
        }
        const std::uint64_t last = p.first_seq + p.count - 1;
        if (r.last_seq < last) {
            return fail("push " + std::to_string(r.id) + " applied up to seq " +
                        std::to_string(last) + " but last_seq says " + std::to_string(r.last_seq));
        }
        answered_[i] = true;
        latencies_ms_.push_back(
            std::chrono::duration<double, std::milli>(now - sent_at_[i]).count());
        shared_.applied += p.count;
        --in_flight_;
        if (++answered_count_ < pushes_.size()) return fill_window();

        // Every change of this device is durably applied.
        close();
        bool last_device = false;
        {
            std::lock_guard lock(shared_.mutex);
            shared_.latencies_ms.insert(shared_.latencies_ms.end(), latencies_ms_.begin(),
                                        latencies_ms_.end());
            shared_.last_result = std::max(shared_.last_result, now);
            last_device = --shared_.devices_left == 0;
        }
        if (last_device) shared_.all_done();
    }

    void on_closed() override {}

    push_shared& shared_;
    device_credentials creds_;
    splitmix64 payload_rng_;
    uuid_v7_source ids_;
    sync::hlc_clock clock_;
    std::size_t batch_ = 0;
    std::vector<prepared_push> pushes_;
    std::vector<steady::time_point> sent_at_;
    std::vector<double> latencies_ms_;
    std::vector<bool> answered_;
    std::size_t next_ = 0;
    std::size_t in_flight_ = 0;
    std::size_t answered_count_ = 0;
    bool welcomed_ = false;
};

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

std::vector<device_credentials> read_device_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<device_credentials> out;
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        boost::system::error_code ec;
        const auto v = boost::json::parse(line, ec);
        const auto* o = ec ? nullptr : v.if_object();
        const auto* id = o != nullptr ? o->if_contains("device_id") : nullptr;
        const auto* token = o != nullptr ? o->if_contains("token") : nullptr;
        if (id == nullptr || token == nullptr || !id->is_string() || !token->is_string()) {
            throw std::runtime_error(path + ":" + std::to_string(n) +
                                     ": expected {\"device_id\":\"...\",\"token\":\"...\"}");
        }
        out.push_back({std::string(id->as_string()), std::string(token->as_string())});
    }
    return out;
}

report run_push(const push_options& options) {
    if (options.devices.empty()) throw std::runtime_error("no devices");
    if (options.records == 0 || options.batch == 0 || options.window == 0) {
        throw std::runtime_error("--records, --batch and --window must be positive");
    }
    net::io_context ioc(static_cast<int>(options.threads));
    run_control control(ioc);
    const server_address where = resolve_ws_url(ioc, options.url);

    // Untimed: every device creates its records and encodes its pushes.
    const auto prepare_start = steady::now();
    push_shared shared{control, options, {}};
    std::vector<std::shared_ptr<push_device>> devices;
    devices.reserve(options.devices.size());
    for (std::size_t i = 0; i < options.devices.size(); ++i) {
        auto d = std::make_shared<push_device>(ioc, where, shared, options.devices[i], i);
        d->prepare(1, options.batch);
        devices.push_back(std::move(d));
    }
    const double prepare_seconds = seconds_between(prepare_start, steady::now());

    // A run that stalls (a server that stopped answering) fails instead of hanging.
    const std::uint64_t expected = options.devices.size() * options.records;
    net::steady_timer timer(net::make_strand(ioc));
    timer.expires_after(std::chrono::seconds(options.timeout_s));
    timer.async_wait([&](boost::system::error_code ec) {
        if (ec) return;
        control.fail("timed out after " + std::to_string(options.timeout_s) + " s with " +
                     std::to_string(shared.applied.load()) + " of " + std::to_string(expected) +
                     " changes applied");
    });
    shared.all_done = [&timer] { net::post(timer.get_executor(), [&timer] { timer.cancel(); }); };
    shared.devices_left = devices.size();

    // Timed: all devices connect at once and push.
    shared.start = steady::now();
    for (auto& d : devices) d->start();
    std::vector<std::thread> extra;
    for (unsigned t = 1; t < options.threads; ++t) extra.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : extra) t.join();

    if (control.failed()) throw std::runtime_error(control.failure());
    if (shared.applied.load() != expected) {
        throw std::runtime_error("only " + std::to_string(shared.applied.load()) + " of " +
                                 std::to_string(expected) + " changes were applied");
    }

    std::sort(shared.latencies_ms.begin(), shared.latencies_ms.end());
    const auto& lat = shared.latencies_ms;
    const double seconds = seconds_between(shared.start, shared.last_result);
    report latency;
    latency.add("p50", percentile(lat, 0.50), 1)
        .add("p90", percentile(lat, 0.90), 1)
        .add("p99", percentile(lat, 0.99), 1)
        .add("max", lat.empty() ? 0.0 : lat.back(), 1);
    report out;
    out.add("phase", "push")
        .add("format", options.format == sync::wire_format::binary ? "bin" : "json")
        .add("devices", devices.size())
        .add("records_per_device", options.records)
        .add("batch", options.batch)
        .add("window", options.window)
        .add("threads", options.threads)
        .add("changes", shared.applied.load())
        .add("seconds", seconds, 3)
        .add("changes_per_s", static_cast<double>(expected) / seconds, 0)
        .add("connect_seconds", seconds_between(shared.start, shared.last_welcome), 3)
        .add("prepare_seconds", prepare_seconds, 3)
        .add("bytes_sent", control.bytes_sent.load())
        .add("bytes_received", control.bytes_received.load())
        .add("frames_sent", control.frames_sent.load())
        .add("push_latency_ms", latency);
    return out;
}

}  // namespace sotay::loadgen
