// sotay: a field device in a terminal, on the device SDK.
//
//   sotay [--data DIR] [--json] COMMAND ...     (args.cpp has the full usage text)
//
// Exit codes: 0 done, 1 failed (the server unreachable, a record not found, ...; the
// reason is printed), 2 bad usage.
#include "args.hpp"
#include "commands.hpp"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}

}  // namespace

int main(int argc, char** argv) {
    using namespace sotay::cli;
    const std::vector<std::string> words(argv + 1, argv + argc);
    arguments args;
    try {
        args = parse_arguments(words, env("HOME"), env("SOTAY_HOME"));
    } catch (const usage_error& e) {
        std::cerr << "sotay: " << e.what() << "\n\n" << usage_text;
        return 2;
    }
    if (args.help) {
        std::cout << usage_text;
        return 0;
    }
    try {
        return run_command(args, std::cout, std::cerr);
    } catch (const usage_error& e) {
        std::cerr << "sotay: " << e.what() << "\n\n" << usage_text;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "sotay: " << e.what() << "\n";
        return 1;
    }
}
