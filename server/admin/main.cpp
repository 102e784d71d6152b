// sotay-admin: administration of the central store, from a terminal or a script.
//
//   sotay-admin --db PATH device add --name NAME [--count N] [--json]
//   sotay-admin --db PATH device list [--json]
//   sotay-admin --db PATH log [--device DEVICE_ID] --json
//   sotay-admin --db PATH conflicts --json
//   sotay-admin --db PATH quarantine [--json]
//
// quarantine lists the changes the server rejected (schema validation and the other
// per-change refusals): they are kept in the change log, never dropped.
//
// It opens the same SQLite file as a running server (WAL mode lets both work at once).
// Exit codes: 0 done, 1 the store failed, 2 bad usage.
#include <sotay/store/sqlite_store.hpp>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <spdlog/spdlog.h>

#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace po = boost::program_options;
namespace json = boost::json;

namespace {

constexpr const char* usage_text = R"(usage:
  sotay-admin --db PATH device add --name NAME [--count N] [--json]
  sotay-admin --db PATH device list [--json]
  sotay-admin --db PATH log [--device DEVICE_ID] [--json]
  sotay-admin --db PATH conflicts [--json]
  sotay-admin --db PATH quarantine [--json]
)";

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The stored JSON text of a log column, parsed so that the output nests it.
json::value parse_or_string(const std::string& text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    return ec ? json::value(text) : v;
}

int device_add(sotay::store::store& s, const po::variables_map& vm) {
    if (!vm.count("name")) throw usage_error("device add needs --name NAME");
    const auto name = vm["name"].as<std::string>();
    const int count = vm["count"].as<int>();
    if (count < 1 || count > 100000) throw usage_error("--count must be between 1 and 100000");
    for (int i = 0; i < count; ++i) {
        const std::string n = count == 1 ? name : name + "-" + std::to_string(i + 1);
        auto d = s.add_device(n);
        if (!d) {
            std::cerr << "sotay-admin: " << d.error().message << "\n";
            return 1;
        }
        if (vm.count("json")) {
            std::cout << json::serialize(json::object{{"device_id", d->device_id},
                                                      {"token", d->token}})
                      << "\n";
        } else {
            std::cout << "device " << n << "\n  device_id: " << d->device_id
                      << "\n  token:     " << d->token
                      << "\n(the token is shown once; only its hash is stored)\n";
        }
    }
    return 0;
}

int device_list(sotay::store::store& s, const po::variables_map& vm) {
    json::array out;
    for (const auto& d : s.list_devices()) {
        if (vm.count("json")) {
            out.push_back(json::object{{"device_id", d.device_id},
                                       {"name", d.name},
                                       {"last_seq", d.last_seq},
                                       {"revoked", d.revoked},
                                       {"clock_offset_ms", d.clock_offset_ms},
                                       {"last_seen_ms", d.last_seen_ms},
                                       {"created_ms", d.created_ms}});
        } else {
            std::cout << d.device_id << "  " << d.name << "  last_seq=" << d.last_seq
                      << (d.revoked ? "  REVOKED" : "") << "\n";
        }
    }
    if (vm.count("json")) std::cout << json::serialize(out) << "\n";
    return 0;
}

int log_cmd(sotay::store::store& s, const po::variables_map& vm) {
    std::optional<std::string> device;
    if (vm.count("device")) device = vm["device"].as<std::string>();
    json::array out;
    for (const auto& c : s.change_log(device)) {
        out.push_back(json::object{{"device_id", c.device_id},
                                   {"seq", c.seq},
                                   {"record", c.record},
                                   {"type", c.type},
                                   {"org_unit", c.org_unit},
                                   {"device_hlc", c.device_hlc},
                                   {"effective_hlc", c.effective_hlc},
                                   {"base", c.base},
                                   {"received_ms", c.received_ms},
                                   {"server_seq", c.server_seq},
                                   {"status", c.status},
                                   {"body", parse_or_string(c.body_json)},
                                   {"result", parse_or_string(c.result_json)}});
    }
    if (vm.count("json")) {
        std::cout << json::serialize(out) << "\n";
    } else {
        for (const auto& v : out) std::cout << json::serialize(v) << "\n";
    }
    return 0;
}

int conflicts_cmd(sotay::store::store& s, const po::variables_map&) {
    json::array out;
    for (const auto& c : s.conflicts()) {
        out.push_back(json::object{{"id", c.id},
                                   {"record", c.record},
                                   {"field", c.field},
                                   {"winner_device", c.winner_device},
                                   {"loser_device", c.loser_device},
                                   {"kept", parse_or_string(c.kept_json)},
                                   {"other", parse_or_string(c.other_json)},
                                   {"created_ms", c.created_ms},
                                   {"state", c.state}});
    }
    std::cout << json::serialize(out) << "\n";
    return 0;
}

// Rejected changes with who sent them, when and why.
int quarantine_cmd(sotay::store::store& s, const po::variables_map& vm) {
    std::map<std::string, std::string> names;
    for (const auto& d : s.list_devices()) names[d.device_id] = d.name;
    json::array out;
    for (const auto& c : s.change_log(std::nullopt)) {
        if (c.status != "rejected") continue;
        json::object why{{"code", "internal"}, {"field", nullptr}, {"message", ""}};
        const json::value result = parse_or_string(c.result_json);
        if (const auto* r = result.if_object()) {
            if (const auto* e = r->if_contains("error"); e != nullptr && e->is_object()) {
                for (const char* k : {"code", "field", "message"}) {
                    if (const auto* v = e->as_object().if_contains(k)) why[k] = *v;
                }
            }
        }
        out.push_back(json::object{{"record", c.record},
                                   {"type", c.type},
                                   {"org_unit", c.org_unit},
                                   {"device_id", c.device_id},
                                   {"device_name", names[c.device_id]},
                                   {"seq", c.seq},
                                   {"device_hlc", c.device_hlc},
                                   {"received_ms", c.received_ms},
                                   {"code", why["code"]},
                                   {"field", why["field"]},
                                   {"message", why["message"]},
                                   {"body", parse_or_string(c.body_json)}});
    }
    if (vm.count("json")) {
        std::cout << json::serialize(out) << "\n";
        return 0;
    }
    if (out.empty()) std::cout << "no rejected changes\n";
    for (const auto& v : out) {
        const auto& o = v.as_object();
        const auto text = [&](const char* k) {
            return o.at(k).is_string() ? std::string(o.at(k).as_string()) : std::string("-");
        };
        std::cout << text("type") << " " << text("record") << " (" << text("org_unit")
                  << ") from " << text("device_name") << " [" << text("device_id")
                  << "] seq " << o.at("seq").as_uint64() << ", device time "
                  << text("device_hlc") << ", received " << o.at("received_ms").as_int64()
                  << " ms\n  " << text("code") << " on " << text("field") << ": "
                  << text("message") << "\n  " << json::serialize(o.at("body")) << "\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description opts("options");
    opts.add_options()
        ("help,h", "show this help")
        ("db", po::value<std::string>(), "the server's SQLite database file")
        ("name", po::value<std::string>(), "device name (device add)")
        ("count", po::value<int>()->default_value(1), "how many devices to add")
        ("device", po::value<std::string>(), "only this device (log)")
        ("json", "machine-readable output")
        ("words", po::value<std::vector<std::string>>(), "command words");
    po::positional_options_description words;
    words.add("words", -1);
    try {
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(opts).positional(words).run(), vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << usage_text;
            return 0;
        }
        if (!vm.count("db")) throw usage_error("--db PATH is required");
        if (!vm.count("words")) throw usage_error("no command given");
        const auto w = vm["words"].as<std::vector<std::string>>();
        spdlog::set_level(spdlog::level::warn);
        auto s = sotay::store::open_sqlite_store(vm["db"].as<std::string>());
        const auto is = [&](std::initializer_list<const char*> expect) {
            if (w.size() != expect.size()) return false;
            std::size_t i = 0;
            for (const char* e : expect)
                if (w[i++] != e) return false;
            return true;
        };
        if (is({"device", "add"})) return device_add(*s, vm);
        if (is({"device", "list"})) return device_list(*s, vm);
        if (is({"log"})) return log_cmd(*s, vm);
        if (is({"conflicts"})) return conflicts_cmd(*s, vm);
        if (is({"quarantine"})) return quarantine_cmd(*s, vm);
        throw usage_error("unknown command");
    } catch (const usage_error& e) {
        std::cerr << "sotay-admin: " << e.what() << "\n" << usage_text;
        return 2;
    } catch (const po::error& e) {
        std::cerr << "sotay-admin: " << e.what() << "\n" << usage_text;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "sotay-admin: " << e.what() << "\n";
        return 1;
    }
}
