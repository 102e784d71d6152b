// signing_key::load_or_create: the key file beside, never inside, the database.
#include <sotay/audit/signing.hpp>

#include "sodium_ready.hpp"

#include <sodium.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sotay::audit {
namespace {

namespace fs = std::filesystem;

// 64 hex characters, and "\n" or "\r\n" (an editor may have added either).
constexpr std::size_t seed_hex = 64;
constexpr std::size_t max_key_file = seed_hex + 2;

// Closes a descriptor on every path out.
struct fd_guard {
    int fd;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

std::string quoted(const fs::path& file) {
    return "\"" + file.string() + "\"";
}

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
    throw key_file_error("audit key file " + quoted(file) + ": " + what);
}

[[noreturn]] void fail_errno(const fs::path& file, const std::string& doing) {
    fail(file, doing + " failed: " + std::strerror(errno));
}

// Makes a new entry in the directory durable, so a key once used survives a crash.
void sync_directory(const fs::path& file) {
    const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
    const fd_guard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (d.fd >= 0) ::fsync(d.fd);  // best effort: the file itself is already synced
}

seed create(const fs::path& file, int fd) {
    fd_guard guard{fd};
    seed s;
    randombytes_buf(s.data(), s.size());
    std::array<char, seed_hex + 1> text;
    sodium_bin2hex(text.data(), text.size(), s.data(), s.size());
    text[seed_hex] = '\n';
    // umask may have narrowed 0600 further; nothing can have widened it, but say so.
    bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
    std::size_t done = 0;
    while (ok && done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    sodium_memzero(text.data(), text.size());
    if (!ok) {
        const int saved = errno;
        ::unlink(file.c_str());  // a half-written key would be refused at the next start
        errno = saved;
        sodium_memzero(s.data(), s.size());
        fail_errno(file, "writing a new key");
    }
    sync_directory(file);
    return s;
}

seed load(const fs::path& file) {
    const fd_guard guard{::open(file.c_str(), O_RDONLY | O_CLOEXEC)};
    if (guard.fd < 0) fail_errno(file, "opening");
    struct stat st;
    if (::fstat(guard.fd, &st) != 0) fail_errno(file, "reading its mode");
    if (!S_ISREG(st.st_mode)) fail(file, "is not a regular file");
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        fail(file, std::string("other users may read or change it (mode ") + mode +
                       "); anyone who reads it can sign a rewritten history. Run: chmod 600 " +
                       quoted(file));
    }
    if (static_cast<std::uintmax_t>(st.st_size) > max_key_file) {
        fail(file, "is not an audit key: it should hold 64 hexadecimal characters");
    }
    std::array<char, max_key_file + 1> text{};
    std::size_t got = 0;
    for (;;) {
        const ssize_t n = ::read(guard.fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail_errno(file, "reading");
        if (n == 0 || (got += static_cast<std::size_t>(n)) == text.size()) break;
    }
    std::string_view content(text.data(), got);
    if (content.ends_with("\r\n")) {
        content.remove_suffix(2);
    } else if (content.ends_with('\n')) {
        content.remove_suffix(1);
    }
    seed s;
    std::size_t written = 0;
    const char* end = nullptr;
    const bool ok = content.size() == seed_hex &&
                    sodium_hex2bin(s.data(), s.size(), content.data(), content.size(), nullptr,
                                   &written, &end) == 0 &&
                    written == s.size() && end == content.data() + content.size();
    sodium_memzero(text.data(), text.size());
    if (!ok) fail(file, "is not an audit key: it should hold 64 hexadecimal characters");
    return s;
}

}  // namespace

signing_key signing_key::load_or_create(const std::filesystem::path& file) {
    detail::sodium_ready();
    // O_EXCL: never overwrite a key file that appeared since (a second server starting).
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0 && errno != EEXIST) fail_errno(file, "creating");
    seed s = fd >= 0 ? create(file, fd) : load(file);
    signing_key key(s);
    sodium_memzero(s.data(), s.size());
    return key;
}

}  // namespace sotay::audit
