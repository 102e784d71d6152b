// The `sotay` command line: words and options in, a checked request out.
#pragma once

#include <sotay/sync/value.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sotay::cli {

// Bad usage: exit code 2 with the message and the usage text.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct arguments {
    std::filesystem::path data_dir;  // --data, else $SOTAY_HOME, else ~/.sotay
    bool json = false;               // --json: machine-readable stdout
    bool help = false;
    bool no_check = false;  // add/edit --no-check: record without checking the schema
    bool allow_duplicate = false;  // add --allow-duplicate: record despite a same-key record
    bool all = false;  // conflicts --all: decided review items too
    std::string command;                          // init, add, edit, ...
    std::vector<std::string> words;               // the command's positional words
    std::map<std::string, std::string> options;   // --url, --device-id, --org, ...
    std::vector<std::pair<std::string, sync::value>> sets;  // --set k=v, in order
};

// Parses argv. Global options (--data, --json) may stand anywhere. Each command's own
// options are checked here too, so that commands never see an unknown one. `home` and
// `sotay_home` are the environment's HOME and SOTAY_HOME (empty when unset).
arguments parse_arguments(const std::vector<std::string>& argv, const std::string& home,
                          const std::string& sotay_home);

// "k=v": v is read as JSON when it is a JSON scalar (42, 4.5, true, null, "quoted"),
// otherwise taken as the literal string (so `summary=Đơn thư` needs no quotes).
std::pair<std::string, sync::value> parse_assignment(const std::string& text);

extern const char* const usage_text;

}  // namespace sotay::cli
