// sotay-server: the sync server.
//
//   sotay-server --db PATH --listen HOST:PORT [--threads N] [--log-level info]
//                [--max-message-bytes N] [--schema PATH] [--allow-incompatible-schema]
//                [--tls-cert PEM --tls-key PEM] [--allow-origin ORIGIN]...
//                [--audit-key PATH] [--indicators PATH]
//
// TLS: with --tls-cert and --tls-key (both or neither) every connection is TLS, serving
// https:// and wss://; without them plain HTTP and ws://, with a warning unless the
// address is loopback. --allow-origin (repeatable) names a web origin besides the
// server's own that browsers may call /api and /sync from.
//
// The audit key (docs/audit.md): --audit-key PATH, default <db>.audit-key, the Ed25519
// seed that signs exported history heads. Created (mode 0600) on first start; a key file
// that group or others may read, or that is not a key, stops the server with status 1.
// It is kept outside the database on purpose: whoever can rewrite the database must not
// also be able to sign a rewritten history.
//
// The record schema: --schema PATH, else $SOTAY_SCHEMA, else default.json next to the
// executable (the build copies schema/default.json there). A schema that does not load,
// or that is incompatible with the one the database was last served with (unless
// --allow-incompatible-schema), stops the server with exit status 1 and the reason.
//
// The indicator definitions of the reports (docs/reports.md): --indicators PATH, else
// $SOTAY_INDICATORS, else indicators.json next to the executable (copied there by the
// build like default.json). A file that does not load or does not fit the schema stops
// the server with exit status 1 and the reason, like a bad schema.
//
// Prints one line "listening on HOST:PORT" (the real port; --listen with port 0 picks a
// free one) to stdout once it accepts connections; logs go to stderr.
// Exit status: 0 after a graceful shutdown (SIGTERM/SIGINT), 1 if the store cannot be
// opened or the address cannot be bound, 2 for bad flags.
#include "api/openapi.hpp"
#include "config.hpp"
#include "origin.hpp"
#include "server.hpp"

#include <sotay/audit/signing.hpp>
#include <sotay/reports/indicators.hpp>
#include <sotay/schema/schema.hpp>
#include <sotay/store/sqlite_store.hpp>

#include <boost/program_options.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace po = boost::program_options;
using namespace sotay;

namespace {

// "HOST:PORT", HOST an IP address, "localhost", or "[v6 address]"; nullopt if not.
std::optional<server::tcp::endpoint> parse_listen(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size()) return std::nullopt;
    std::string host = text.substr(0, colon);
    const std::string port_text = text.substr(colon + 1);

    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
        return std::nullopt;
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host == "localhost") host = "127.0.0.1";
    boost::system::error_code addr_ec;
    const auto address = boost::asio::ip::make_address(host, addr_ec);
    if (addr_ec) return std::nullopt;
    return server::tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

std::string endpoint_text(const server::tcp::endpoint& ep) {
    const std::string host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]"
                                                  : ep.address().to_string();
    return host + ":" + std::to_string(ep.port());
}

std::optional<spdlog::level::level_enum> parse_level(const std::string& name) {
    // spdlog::level::from_string maps unknown names to "off": check the name ourselves.
    static constexpr std::array<const char*, 7> names = {"trace", "debug", "info", "warn",
                                                         "error", "critical", "off"};
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (name == names[i]) return static_cast<spdlog::level::level_enum>(i);
    }
    return std::nullopt;
}

// A path from its flag, else from the environment variable, else the file installed
// next to this executable.
std::string path_or_default(const std::string& flag, const char* env_name,
                            std::string_view installed, const char* argv0) {
    if (!flag.empty()) return flag;
    const char* env = std::getenv(env_name);
    return env != nullptr && *env != '\0' ? env : schema::file_next_to_program(installed, argv0);
}

int usage_error(const std::string& message, const po::options_description& options) {
    std::cerr << "sotay-server: " << message << "\n\n" << options << "\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    server::server_config config;

    std::string db_path;
    std::string listen;
    std::string level_name = "info";
    unsigned threads = config.threads;
    std::size_t max_message_bytes = config.max_message_bytes;
    std::string schema_path;
    std::vector<std::string> origins;
    std::string audit_key_path;
    std::string indicators_path;

    bool allow_incompatible = false;
    po::options_description options("Options");
    options.add_options()
        ("help,h", "show this help")
        ("db", po::value(&db_path)->required(), "SQLite database file (created if missing)")
        ("listen", po::value(&listen)->required(), "HOST:PORT to listen on; port 0 = any free")
        ("threads", po::value(&threads), "I/O threads (default: one per core)")
        ("log-level", po::value(&level_name),
         "trace, debug, info, warn, error, critical or off (default info)")
        ("max-message-bytes", po::value(&max_message_bytes),
         "largest WebSocket message accepted (default 1048576)")
        ("schema", po::value(&schema_path),
         "record schema file (default: $SOTAY_SCHEMA, else default.json next to the program)")
        ("allow-incompatible-schema",
         "start even if the schema drops or tightens what the last one allowed")
        ("tls-cert", po::value(&config.tls_cert_file),
         "PEM certificate chain: serve https:// and wss:// only (needs --tls-key)")
        ("tls-key", po::value(&config.tls_key_file), "PEM private key of --tls-cert")
        ("allow-origin", po::value(&origins)->composing(),
         "a web origin (https://host[:port]) besides the server's own that browsers may "
         "call /api and /sync from; repeatable")
        ("audit-key", po::value(&audit_key_path),
         "the key file that signs history heads (default: the --db path + .audit-key; "
         "created with mode 0600 if missing)")
        ("indicators", po::value(&indicators_path),
         "indicator definitions of the reports (default: $SOTAY_INDICATORS, else "
         "indicators.json next to the program)");

    try {
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
        if (vm.count("help") != 0) {
            std::cout << "usage: sotay-server --db PATH --listen HOST:PORT [options]\n\n"
                      << options << "\n";
            return 0;
        }
        po::notify(vm);
        allow_incompatible = vm.count("allow-incompatible-schema") != 0;
    } catch (const std::exception& e) {
        return usage_error(e.what(), options);
    }

    const auto endpoint = parse_listen(listen);
    if (!endpoint) return usage_error("--listen must be HOST:PORT, got '" + listen + "'", options);
    const auto level = parse_level(level_name);
    if (!level) return usage_error("unknown --log-level '" + level_name + "'", options);
    if (threads == 0) return usage_error("--threads must be at least 1", options);
    // Below 1 KiB not even a hello with a long token fits.
    if (max_message_bytes < 1024) {
        return usage_error("--max-message-bytes must be at least 1024", options);
    }
    if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
        return usage_error("--tls-cert and --tls-key go together", options);
    }
    for (const auto& origin : origins) {
        const auto canonical = server::normalize_origin(origin);
        if (!canonical) {
            return usage_error(
                "--allow-origin must be http(s)://host[:port] without a path, got '" + origin + "'",
                options);
        }
        config.allowed_origins.push_back(*canonical);
    }
    config.threads = threads;
    config.max_message_bytes = max_message_bytes;
    config.openapi_json = std::string(server::api::openapi_document());

    auto logger = spdlog::stderr_color_mt("sotay");
    spdlog::set_default_logger(logger);
    spdlog::set_level(*level);

    schema_path = path_or_default(schema_path, "SOTAY_SCHEMA", "default.json", argv[0]);
    try {
        config.schema =
            std::make_shared<const schema::schema>(schema::load_schema_file(schema_path));
    } catch (const schema::load_error& e) {
        std::cerr << "sotay-server: bad schema: " << e.what() << "\n";
        return 1;
    }

    // Before the store: a key file that cannot be used is found before anything is served.
    if (audit_key_path.empty()) audit_key_path = db_path + ".audit-key";
    try {
        config.audit_key = std::make_shared<const audit::signing_key>(
            audit::signing_key::load_or_create(audit_key_path));
    } catch (const audit::key_file_error& e) {
        std::cerr << "sotay-server: bad audit key: " << e.what() << "\n";
        return 1;
    }

    std::unique_ptr<store::store> db;
    try {
        store::sqlite_options store_options;
        store_options.schema = config.schema;
        store_options.allow_incompatible_schema = allow_incompatible;
        db = store::open_sqlite_store(db_path, store_options);
    } catch (const std::exception& e) {
        std::cerr << "sotay-server: cannot open the store: " << e.what() << "\n";
        return 1;
    }

    // Checked against the schema at start-up: a definition naming a field the schema lacks
    // would otherwise only show when someone asks for a report. After the store, so that a
    // schema the database cannot take is reported as that, not as the definitions'
    // missing types.
    indicators_path =
        path_or_default(indicators_path, "SOTAY_INDICATORS", "indicators.json", argv[0]);
    try {
        config.indicators = std::make_shared<const reports::definitions>(
            reports::load_definitions_file(indicators_path, *config.schema));
    } catch (const reports::load_error& e) {
        std::cerr << "sotay-server: bad indicator definitions: " << e.what() << "\n";
        return 1;
    }

    try {
        server::server srv(config, std::move(db), *endpoint);
        // The one line on stdout: scripts and tests wait for it to learn the port.
        std::cout << "listening on " << endpoint_text(srv.local_endpoint()) << std::endl;
        spdlog::info(
            "serving {} with {} threads over {}, schema {} version {}, indicators {} version {}",
            db_path, config.threads, config.tls() ? "TLS (https://, wss://)" : "plain HTTP",
            schema_path, config.schema->version, indicators_path, config.indicators->version);
        return srv.run();
    } catch (const std::exception& e) {
        std::cerr << "sotay-server: " << e.what() << "\n";
        return 1;
    }
}
