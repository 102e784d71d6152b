// sotay-loadgen: simulated devices for the benchmarks (bench/README.md, docs/benchmarks.md).
//
//   sotay-loadgen push --url ws://127.0.0.1:PORT/sync --devices FILE [--records 1000]
//                      [--batch 200] [--window 2] [--format bin|json] [--threads 1]
//   sotay-loadgen pull --url ws://127.0.0.1:PORT/sync --device-id ID --token T
//                      [--limit 1000] [--expect N] [--format bin|json]
//
// Each prints one JSON object on stdout and exits 0, or prints the first failure on
// stderr and exits 1. Exit 2 is a usage error.
#include "pull_run.hpp"
#include "push_run.hpp"

#include <boost/program_options.hpp>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace po = boost::program_options;
using namespace sotay;

namespace {

constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

sync::wire_format parse_format(const std::string& s) {
    if (s == "bin") return sync::wire_format::binary;
    if (s == "json") return sync::wire_format::json;
    throw po::error("--format must be bin or json, not '" + s + "'");
}

// Parses the options of one subcommand; prints help and returns false on --help.
bool parse(const po::options_description& desc, const std::vector<std::string>& args,
           po::variables_map& vm) {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    if (vm.count("help") != 0) {
        std::cout << desc;
        return false;
    }
    po::notify(vm);
    return true;
}

int push_command(const std::vector<std::string>& args) {
    loadgen::push_options o;
    std::string devices_file, format = "bin";
    po::options_description desc("sotay-loadgen push");
    desc.add_options()("help", "this text")(
        "url", po::value(&o.url)->required(), "server, ws://HOST:PORT/sync")(
        "devices", po::value(&devices_file)->required(),
        "JSON lines from `sotay-admin device add --json`; one simulated device per line")(
        "records", po::value(&o.records)->default_value(o.records), "new records per device")(
        "batch", po::value(&o.batch)->default_value(o.batch), "changes per push")(
        "window", po::value(&o.window)->default_value(o.window), "pushes in flight per device")(
        "record-bytes", po::value(&o.record_bytes)->default_value(o.record_bytes),
        "target size of one record's fields, as JSON")(
        "org-unit", po::value(&o.org_unit)->default_value(o.org_unit), "org unit of the records")(
        "format", po::value(&format)->default_value(format), "subprotocol: bin or json")(
        "threads", po::value(&o.threads)->default_value(o.threads), "threads running the I/O")(
        "timeout", po::value(&o.timeout_s)->default_value(o.timeout_s), "fail after this many s")(
        "seed", po::value(&o.seed)->default_value(o.seed), "payload seed");
    po::variables_map vm;
    if (!parse(desc, args, vm)) return 0;
    o.format = parse_format(format);
    if (o.threads == 0) throw po::error("--threads must be at least 1");
    o.devices = loadgen::read_device_file(devices_file);
    std::cout << loadgen::run_push(o).text() << std::endl;
    return 0;
}

int pull_command(const std::vector<std::string>& args) {
    loadgen::pull_options o;
    std::string format = "bin";
    std::uint64_t expect = 0;
    po::options_description desc("sotay-loadgen pull");
    desc.add_options()("help", "this text")(
        "url", po::value(&o.url)->required(), "server, ws://HOST:PORT/sync")(
        "device-id", po::value(&o.device_id)->required(), "the pulling device")(
        "token", po::value(&o.token)->required(), "its token")(
        "limit", po::value(&o.limit)->default_value(o.limit), "records per page")(
        "expect", po::value(&expect), "fail unless exactly this many records arrive")(
        "format", po::value(&format)->default_value(format), "subprotocol: bin or json")(
        "timeout", po::value(&o.timeout_s)->default_value(o.timeout_s), "fail after this many s");
    po::variables_map vm;
    if (!parse(desc, args, vm)) return 0;
    o.format = parse_format(format);
    if (vm.count("expect") != 0) o.expect = expect;
    std::cout << loadgen::run_pull(o).text() << std::endl;
    return 0;
}

void usage(std::ostream& out) {
    out << "usage: sotay-loadgen push|pull [options]   (sotay-loadgen push --help)\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(std::cerr);
        return exit_usage;
    }
    const std::string command = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    try {
        if (command == "push") return push_command(args);
        if (command == "pull") return pull_command(args);
        if (command == "--help" || command == "-h") {
            usage(std::cout);
            return 0;
        }
        usage(std::cerr);
        return exit_usage;
    } catch (const po::error& e) {
        std::cerr << "sotay-loadgen " << command << ": " << e.what() << '\n';
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "sotay-loadgen " << command << ": FAILED: " << e.what() << '\n';
        return exit_failed;
    }
}
