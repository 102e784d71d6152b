// sotay-admin: administration of the central store, from a terminal or a script.
//
// The commands are in `usage_text` below; each takes --json (or --format json) for
// scripts (tables for people otherwise). Passwords are read from stdin
// (--password-stdin), never from argv.
//
// It opens the same SQLite file as a running server (WAL mode lets both work at once);
// what it changes that can end a session or change a scope (a revoked device, a disabled
// or moved user, a new org tree) reaches the server through the store (S7 in store.hpp).
//
// Exit codes: 0 done; 1 the store refused or failed: one line on stderr,
// "sotay-admin: CODE: sentence" (CODE as in sync::errc), after `org import`'s row errors;
// 2 bad usage.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <sotay/access/secrets.hpp>
#include <sotay/store/sqlite_store.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "invocation.hpp"

namespace po = boost::program_options;
using namespace sotay;
using namespace sotay::admin;

namespace {

constexpr const char* usage_text = R"(usage: sotay-admin --db PATH COMMAND [--json | --format json]
  org import FILE                 load or update the org tree from CSV
                                  (code,name,parent_code,level_name); all rows or none
  org list                        the tree, indented by depth
  user add --username U --role officer|reviewer|admin|auditor --org CODE
           [--name NAME] [--password-stdin]
  user list
  user disable U | user enable U
  user move U --org CODE
  user role U --role ROLE
  user passwd U --password-stdin
  code create --user U [--ttl-hours H]   a one-time enrollment code (default 72 h)
  device add --name NAME --user U [--count N]
  device list
  device revoke DEVICE_ID
  log [--device DEVICE_ID]
  quarantine [--limit N]          rejected changes, newest first (default 1000)
  review list [--kind field|delete_edit|duplicate] [--state open|resolved|dismissed]
              [--type T] [--record R] [--org CODE] [--from DATE] [--to DATE]
              [--after N] [--limit N]
                                  review items, oldest change first (dates YYYY-MM-DD,
                                  UTC, --to inclusive; --org a subtree; 100 a page)
  review show ID [--org CODE]     one item, its sides and the records as they are now
  review resolve ID (--side 0|1 | --value JSON | --restore | --delete) --as REVIEWER
                                  keep a side, enter a value (a bare word is text),
                                  restore a deleted record or confirm the delete
  review merge ID --survivor RECORD [--take FIELD=RECORD]... --as REVIEWER
                                  merge two duplicates; the other becomes a tombstone
  review dismiss ID --reason TEXT --as REVIEWER
  (decisions are made as REVIEWER: that user's permission and scope apply)
  audit verify [--head FILE]      walk the history's hash chain; exit 1 naming the first
                                  entry that does not match (and against a signed head)
  audit head [--out FILE]         the history's newest entry, signed with the server's key
  audit timeline RECORD           a record's every change, field by field, and its reviews
  audit log [--user U] [--device D] [--kind K] [--record R] [--org CODE]
            [--from DATE] [--to DATE] [--after N] [--limit N]
                                  history entries, oldest first (100 a page)
  audit export --format jsonl|csv [--org CODE] [--from DATE] [--to DATE] [--out FILE]
  report [--org CODE] (--year YYYY | --from DATE --to DATE) [--indicator ID]...
         [--stale-days N] [--plain | --csv | --json] [--lang vi|en]
         [--indicators PATH] [--schema PATH]
                                  the programme's figures for a subtree (default: the
                                  root) and a period, by the root's children (--to
                                  inclusive); Vietnamese numbers unless --plain
                                  (docs/reports.md)
  (commands that change users, devices or the tree take --as U: the person the history
   names; --audit-key PATH is the signing key, default the --db path + .audit-key)
)";

struct command {
    std::vector<std::string_view> words;    // "user", "add"
    std::size_t operands;                   // positional arguments after the words
    std::vector<std::string_view> options;  // accepted besides --db and --json
    std::string_view usage;                 // its line, for a usage error
    int (*run)(const invocation&);
};

const std::vector<command>& commands() {
    static const std::vector<command> all = {
        {{"org", "import"}, 1, {"as"}, "org import FILE [--as U]", org_import},
        {{"org", "list"}, 0, {}, "org list", org_list},
        {{"user", "add"},
         0,
         {"username", "role", "org", "name", "password-stdin", "as"},
         "user add --username U --role ROLE --org CODE [--name NAME] [--password-stdin]",
         user_add},
        {{"user", "list"}, 0, {}, "user list", user_list},
        {{"user", "disable"}, 1, {"as"}, "user disable USERNAME", user_disable},
        {{"user", "enable"}, 1, {"as"}, "user enable USERNAME", user_enable},
        {{"user", "move"}, 1, {"org", "as"}, "user move USERNAME --org CODE", user_move},
        {{"user", "role"}, 1, {"role", "as"}, "user role USERNAME --role ROLE", user_role},
        {{"user", "passwd"},
         1,
         {"password-stdin", "as"},
         "user passwd USERNAME --password-stdin",
         user_passwd},
        {{"code", "create"},
         0,
         {"user", "ttl-hours", "as"},
         "code create --user U [--ttl-hours H]",
         code_create},
        {{"device", "add"},
         0,
         {"name", "user", "count", "as"},
         "device add --name NAME --user U [--count N]",
         device_add},
        {{"device", "list"}, 0, {}, "device list", device_list},
        {{"device", "revoke"}, 1, {"as"}, "device revoke DEVICE_ID", device_revoke},
        {{"log"}, 0, {"device"}, "log [--device DEVICE_ID]", log_show},
        {{"quarantine"}, 0, {"limit"}, "quarantine [--limit N]", quarantine_show},
        {{"review", "list"},
         0,
         {"kind", "state", "type", "record", "org", "from", "to", "after", "limit"},
         "review list [--kind K] [--state S] [--type T] [--record R] [--org CODE] "
         "[--from DATE] [--to DATE] [--after N] [--limit N]",
         review_list},
        {{"review", "show"}, 1, {"org"}, "review show ID [--org CODE]", review_show},
        {{"review", "resolve"},
         1,
         {"side", "value", "restore", "delete", "as"},
         "review resolve ID (--side 0|1 | --value JSON | --restore | --delete) --as REVIEWER",
         review_resolve},
        {{"review", "merge"},
         1,
         {"survivor", "take", "as"},
         "review merge ID --survivor RECORD [--take FIELD=RECORD]... --as REVIEWER",
         review_merge},
        {{"review", "dismiss"},
         1,
         {"reason", "as"},
         "review dismiss ID --reason TEXT --as REVIEWER",
         review_dismiss},
        {{"audit", "verify"},
         0,
         {"head", "audit-key"},
         "audit verify [--head FILE] [--audit-key PATH]",
         audit_verify},
        {{"audit", "head"}, 0, {"out", "audit-key"}, "audit head [--out FILE] [--audit-key PATH]",
         audit_head},
        {{"audit", "timeline"}, 1, {}, "audit timeline RECORD", audit_timeline},
        {{"audit", "log"},
         0,
         {"user", "device", "kind", "record", "org", "from", "to", "after", "limit"},
         "audit log [--user U] [--device D] [--kind K] [--record R] [--org CODE] "
         "[--from DATE] [--to DATE] [--after N] [--limit N]",
         audit_log},
        {{"audit", "export"},
         0,
         {"org", "from", "to", "out"},
         "audit export --format jsonl|csv [--org CODE] [--from DATE] [--to DATE] [--out FILE]",
         audit_export},
        {{"report"},
         0,
         {"org", "year", "from", "to", "indicator", "stale-days", "plain", "csv", "lang",
          "indicators", "schema"},
         "report [--org CODE] (--year YYYY | --from DATE --to DATE) [--indicator ID]... "
         "[--stale-days N] [--plain | --csv] [--lang vi|en] [--indicators PATH] [--schema PATH]",
         report_show},
        // Before issue 6 the queue held field conflicts only; kept for old scripts.
        {{"conflicts"},
         0,
         {"kind", "state", "type", "record", "org", "from", "to", "after", "limit"},
         "conflicts (now `review list`)",
         conflicts_alias},
    };
    return all;
}

// The command the leading words name, or nullptr.
const command* find_command(const std::vector<std::string>& words) {
    for (const auto& c : commands()) {
        if (words.size() >= c.words.size() &&
            std::equal(c.words.begin(), c.words.end(), words.begin())) {
            return &c;
        }
    }
    return nullptr;
}

std::string joined(const std::vector<std::string_view>& words) {
    std::string text;
    for (const auto w : words) text += (text.empty() ? "" : " ") + std::string(w);
    return text;
}

// "user needs one of: add, list, ..." when the first word names a group, else unknown.
std::string unknown_command(const std::vector<std::string>& words) {
    std::string subcommands;
    for (const auto& c : commands()) {
        if (c.words.size() == 2 && c.words[0] == words.front()) {
            subcommands += (subcommands.empty() ? "" : ", ") + std::string(c.words[1]);
        }
    }
    if (subcommands.empty()) return "unknown command \"" + words.front() + "\"";
    return words.front() + " needs one of: " + subcommands;
}

// An option the command does not take is a mistake worth saying (a --count on `user
// add` would otherwise be silently ignored).
void check_options(const command& c, const po::variables_map& vm) {
    for (const auto& [name, value] : vm) {
        if (name == "db" || name == "json" || name == "format" || name == "words") continue;
        if (std::find(c.options.begin(), c.options.end(), name) == c.options.end()) {
            throw usage_error(joined(c.words) + " does not take --" + name);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description opts("options");
    // Every value is read as text and checked by the command (invocation.hpp), so that a
    // bad number gets the same sentence as any other bad value.
    // clang-format off
    opts.add_options()
        ("help,h", "show this help")
        ("db", po::value<std::string>(), "the server's SQLite database file")
        ("json", "machine-readable output")
        ("format", po::value<std::string>(), "text (the default) or json, as --json")
        ("username", po::value<std::string>(), "user add: the new user's login name")
        ("role", po::value<std::string>(), "officer, reviewer, admin or auditor")
        ("org", po::value<std::string>(), "an org unit code")
        ("name", po::value<std::string>(), "a person's or a device's name")
        ("password-stdin", "read the password from stdin")
        ("user", po::value<std::string>(), "the user a device or code is for")
        ("ttl-hours", po::value<std::string>(), "code create: hours the code stays valid")
        ("count", po::value<std::string>(), "device add: how many devices")
        ("device", po::value<std::string>(), "log: only this device")
        ("limit", po::value<std::string>(), "quarantine, review list: at most this many")
        ("kind", po::value<std::string>(), "review list: field, delete_edit or duplicate")
        ("state", po::value<std::string>(), "review list: open, resolved or dismissed")
        ("type", po::value<std::string>(), "review list: a record type")
        ("record", po::value<std::string>(), "review list: items about this record")
        ("from", po::value<std::string>(),
         "review list: opened on or after YYYY-MM-DD (UTC); report: the period's first day")
        ("to", po::value<std::string>(),
         "review list: opened on or before YYYY-MM-DD (UTC); report: the period's last day")
        ("after", po::value<std::string>(), "review list: the cursor of the previous page")
        ("side", po::value<std::string>(), "review resolve: keep side 0 or 1")
        ("value", po::value<std::string>(), "review resolve: keep this JSON value")
        ("restore", "review resolve: bring the deleted record back")
        ("delete", "review resolve: confirm the delete")
        ("as", po::value<std::string>(),
         "review: the reviewer deciding; other changes: who the history names")
        ("head", po::value<std::string>(), "audit verify: a signed head file to check against")
        ("out", po::value<std::string>(), "audit head, audit export: write to this file")
        ("audit-key", po::value<std::string>(),
         "the history signing key file (default: the --db path + .audit-key)")
        ("survivor", po::value<std::string>(), "review merge: the record that stays")
        ("take", po::value<std::vector<std::string>>(), "review merge: FIELD=RECORD, repeatable")
        ("reason", po::value<std::string>(), "review dismiss: why")
        ("year", po::value<std::string>(), "report: the period is this calendar year")
        ("indicator", po::value<std::vector<std::string>>(),
         "report: only this indicator, repeatable")
        ("stale-days", po::value<std::string>(),
         "report: a device is stale after this many days without a sync (default 7)")
        ("plain", "report: numbers for scripts (4662, 94.3)")
        ("csv", "report: the CSV download's rows")
        ("lang", po::value<std::string>(), "report: vi (the default) or en labels")
        ("indicators", po::value<std::string>(),
         "report: indicator definitions (default: $SOTAY_INDICATORS, else indicators.json "
         "next to the program)")
        ("schema", po::value<std::string>(),
         "report: the record schema (default: $SOTAY_SCHEMA, else default.json next to the "
         "program)")
        ("words", po::value<std::vector<std::string>>(), "command words");
    // clang-format on
    po::positional_options_description positional;
    positional.add("words", -1);

    const command* cmd = nullptr;
    try {
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(opts).positional(positional).run(),
                  vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << usage_text;
            return 0;
        }
        if (!vm.count("words")) throw usage_error("no command given");
        const auto words = vm["words"].as<std::vector<std::string>>();
        cmd = find_command(words);
        if (cmd == nullptr) throw usage_error(unknown_command(words));
        const std::vector<std::string> operands(
            words.begin() + static_cast<std::ptrdiff_t>(cmd->words.size()), words.end());
        if (operands.size() != cmd->operands) {
            throw usage_error(joined(cmd->words) + " takes " + std::to_string(cmd->operands) +
                              (cmd->operands == 1 ? " argument" : " arguments") + ", not " +
                              std::to_string(operands.size()));
        }
        check_options(*cmd, vm);
        // `audit export --format jsonl|csv` names the export's format instead.
        if (vm.count("format") && cmd->run != audit_export) {
            const auto& f = vm["format"].as<std::string>();
            if (f != "text" && f != "json") {
                throw usage_error("--format must be text or json, not \"" + f + "\"");
            }
        }
        // Checked last: a usage mistake is reported without touching any file.
        if (!vm.count("db")) throw usage_error("--db PATH is required");

        spdlog::set_level(spdlog::level::warn);
        access::init_crypto();
        auto s = store::open_sqlite_store(vm["db"].as<std::string>());
        const std::string name = joined(cmd->words);
        return cmd->run(invocation(*s, vm, operands, name, argv[0]));
    } catch (const usage_error& e) {
        std::cerr << "sotay-admin: " << e.what() << "\n";
        if (cmd != nullptr) {
            std::cerr << "usage: sotay-admin --db PATH " << cmd->usage << " [--json]\n";
        } else {
            std::cerr << usage_text;
        }
        return 2;
    } catch (const po::error& e) {
        std::cerr << "sotay-admin: " << e.what() << "\n" << usage_text;
        return 2;
    } catch (const command_failed& e) {
        std::cerr << "sotay-admin: " << sync::to_code(e.error.code) << ": " << e.error.message
                  << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "sotay-admin: internal: " << e.what() << "\n";
        return 1;
    }
}
