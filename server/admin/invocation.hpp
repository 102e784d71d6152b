// One run of sotay-admin: the command the words named, its operands and options, and the
// store it works on; plus how a command fails.
//
// Exit codes (main.cpp): 0 done; 1 the store refused or failed (one line on stderr, the
// machine code then the sentence: "sotay-admin: not_found: ..."); 2 bad usage.
#pragma once

#include <boost/program_options/variables_map.hpp>
#include <cstdint>
#include <optional>
#include <sotay/store/store.hpp>
#include <sotay/sync/error.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sotay::admin {

// The command line is wrong: exit 2 with the command's usage line.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// What the store said no to (or a file that cannot be read): exit 1.
struct command_failed : std::runtime_error {
    explicit command_failed(sync::error_info e)
        : std::runtime_error(e.message), error(std::move(e)) {}
    sync::error_info error;
};

// Throws command_failed; for `if (!r) fail(r.error());`.
[[noreturn]] void fail(sync::error_info e);
[[noreturn]] void fail(sync::errc code, std::string message);

class invocation {
  public:
    invocation(store::store& s, const boost::program_options::variables_map& vm,
               std::vector<std::string> operands, std::string_view command_name,
               const char* argv0 = nullptr)
        : store_(s), vm_(vm), operands_(std::move(operands)), name_(command_name), argv0_(argv0) {}

    store::store& db() const { return store_; }
    // --db as given (the audit key's default path is beside it).
    std::string db_path() const { return optional("db").value_or(""); }
    // --json, or --format json (main.cpp checks --format's value).
    bool json() const;
    const std::string& operand(std::size_t i) const { return operands_.at(i); }
    // argv[0], for files installed next to the program (schema::file_next_to_program).
    const char* argv0() const { return argv0_; }

    // The value of --NAME; usage_error naming the command when it is missing.
    std::string required(const char* name) const;
    std::optional<std::string> optional(const char* name) const;
    // Every value of a repeatable --NAME (--take), in command line order; empty if none.
    std::vector<std::string> many(const char* name) const;
    // --NAME as an integer in [min, max]; `fallback` when absent. usage_error otherwise.
    std::int64_t integer(const char* name, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) const;
    bool flag(const char* name) const { return vm_.count(name) != 0; }

    // Who the history names for what this command changes (store.hpp H1): --as USERNAME
    // when given (the person at the terminal), else nobody in particular, via sotay-admin.
    store::actor actor() const { return {optional("as").value_or(""), "sotay-admin", ""}; }

    // --role's value as a role; usage_error listing the four otherwise.
    access::role role() const;

    // The password for `username` from stdin (--password-stdin), never from argv. A
    // terminal gets a prompt without echo; a pipe gives its first line. Fails with
    // `validation` for nothing or more than max_password_input bytes.
    std::string password_from_stdin(const std::string& username) const;

  private:
    store::store& store_;
    const boost::program_options::variables_map& vm_;
    std::vector<std::string> operands_;
    std::string_view name_;
    const char* argv0_;
};

// 1 KiB: four times the longest password the policy accepts (access::password_problem),
// so a long one gets the policy's own sentence, while a stray file piped in by mistake is
// refused before it is held in memory.
inline constexpr std::size_t max_password_input = 1024;

}  // namespace sotay::admin
