#include "invocation.hpp"

#include <termios.h>
#include <unistd.h>

#include <boost/program_options/errors.hpp>
#include <charconv>
#include <cstdio>
#include <iostream>

namespace sotay::admin {

void fail(sync::error_info e) {
    throw command_failed(std::move(e));
}

void fail(sync::errc code, std::string message) {
    fail(sync::error_info{code, std::move(message), std::nullopt});
}

bool invocation::json() const {
    return vm_.count("json") != 0 || optional("format") == "json";
}

std::string invocation::required(const char* name) const {
    if (auto v = optional(name)) return *v;
    throw usage_error(std::string(name_) + " needs --" + name);
}

std::optional<std::string> invocation::optional(const char* name) const {
    if (!vm_.count(name)) return std::nullopt;
    return vm_[name].as<std::string>();
}

std::vector<std::string> invocation::many(const char* name) const {
    if (!vm_.count(name)) return {};
    return vm_[name].as<std::vector<std::string>>();
}

std::int64_t invocation::integer(const char* name, std::int64_t fallback, std::int64_t min,
                                 std::int64_t max) const {
    const auto text = optional(name);
    if (!text) return fallback;
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc{} || end != text->data() + text->size() || v < min || v > max) {
        throw usage_error("--" + std::string(name) + " must be a whole number from " +
                          std::to_string(min) + " to " + std::to_string(max) + ", not \"" + *text +
                          "\"");
    }
    return v;
}

access::role invocation::role() const {
    const auto text = required("role");
    if (auto r = access::parse_role(text)) return *r;
    throw usage_error("--role must be officer, reviewer, admin or auditor, not \"" + text + "\"");
}

namespace {

// Turns terminal echo off for its lifetime (a password typed at a prompt).
class no_echo {
  public:
    no_echo() {
        if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    ~no_echo() {
        if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
    no_echo(const no_echo&) = delete;
    no_echo& operator=(const no_echo&) = delete;

  private:
    termios saved_{};
    bool active_ = false;
};

}  // namespace

std::string invocation::password_from_stdin(const std::string& username) const {
    const bool terminal = ::isatty(STDIN_FILENO) == 1;
    std::optional<no_echo> quiet;
    if (terminal) {
        std::cerr << "password for " << username << ": " << std::flush;
        quiet.emplace();
    }
    // Read byte by byte up to the bound: the line is never held beyond it.
    std::string line;
    bool ended = false;
    for (int c; (c = std::getchar()) != EOF;) {
        if (c == '\n') {
            ended = true;
            break;
        }
        if (line.size() == max_password_input) {
            fail(sync::errc::validation, "the password on stdin is longer than " +
                                             std::to_string(max_password_input) +
                                             " bytes; give one line with the password only");
        }
        line.push_back(static_cast<char>(c));
    }
    if (terminal) std::cerr << "\n";
    if (!line.empty() && line.back() == '\r') line.pop_back();  // a file saved on Windows
    if (line.empty()) {
        fail(sync::errc::validation,
             std::string(ended ? "the first line on stdin is empty" : "nothing on stdin") +
                 "; --password-stdin reads the password from stdin, e.g. "
                 "`printf '%s\\n' \"$PW\" | sotay-admin ...`");
    }
    return line;
}

}  // namespace sotay::admin
