// Where the files installed next to a program are (schema.hpp, file_next_to_program).
#include <filesystem>
#include <sotay/schema/schema.hpp>
#include <system_error>

namespace sotay::schema {

std::string file_next_to_program(std::string_view name, const char* argv0) {
    // /proc/self/exe names the executable even when it was started through $PATH or a
    // symlink; argv0 is the fallback where /proc is not mounted.
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) exe = std::filesystem::absolute(argv0 != nullptr ? argv0 : "", ec);
    return (exe.parent_path() / name).string();
}

}  // namespace sotay::schema
