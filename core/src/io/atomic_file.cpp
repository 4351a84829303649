#include "atomic_file.h"

#include "raw_image.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace pf::io::detail {
namespace {

constexpr int kSuffixLength = 6; // ".NAME.XXXXXX", as mkstemp names them

struct Split {
    std::string dir;  ///< with its trailing '/', or "" for the working directory
    std::string base;
};

Split splitTarget(const std::string& target) {
    const std::size_t slash = target.find_last_of('/');
    if (slash == std::string::npos) return {"", target};
    return {target.substr(0, slash + 1), target.substr(slash + 1)};
}

bool isSuffixChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// A whole-file write lock on the open file description (not on the process,
/// so that a library opening and closing the same file does not drop it, and
/// independent of the flock() locks HDF5 takes).
bool lockFile(int fd, bool wait) {
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
#if defined(F_OFD_SETLK)
    return ::fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &lock) == 0;
#else
    return ::fcntl(fd, wait ? F_SETLKW : F_SETLK, &lock) == 0;
#endif
}

std::string randomSuffix() {
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device device;
    std::string s;
    for (int i = 0; i < kSuffixLength; ++i) s.push_back(chars[device() % (sizeof chars - 1)]);
    return s;
}

/// Creates (O_EXCL) a hidden temporary beside the target and locks it.
int createNamed(const Split& t, std::string& path) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        path = t.dir + "." + t.base + "." + randomSuffix();
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            if (errno == EEXIST) continue;
            return -1;
        }
        // A concurrent clean-up may have removed it between open and lock:
        // then it has no link left, and another name is tried.
        struct stat st {};
        if (lockFile(fd, false) && ::fstat(fd, &st) == 0 && st.st_nlink > 0) return fd;
        ::close(fd);
        ::unlink(path.c_str());
    }
    errno = EEXIST;
    return -1;
}

} // namespace

int removeStaleTemporaries(const std::string& target) {
    const Split t = splitTarget(target);
    const std::string prefix = "." + t.base + ".";
    DIR* dir = ::opendir(t.dir.empty() ? "." : t.dir.c_str());
    if (!dir) return 0;
    int removed = 0;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name.size() != prefix.size() + kSuffixLength || name.compare(0, prefix.size(), prefix) != 0)
            continue;
        bool suffix = true;
        for (std::size_t i = prefix.size(); i < name.size(); ++i) suffix = suffix && isSuffixChar(name[i]);
        if (!suffix) continue;
        const std::string path = t.dir + name;
        const int fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) continue;
        struct stat st {};
        // Unlocked: its writer died (a live writer holds the lock until it renames).
        if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && lockFile(fd, false) &&
            ::unlink(path.c_str()) == 0)
            ++removed;
        ::close(fd);
    }
    ::closedir(dir);
    return removed;
}

AtomicFile::AtomicFile(const std::string& target) : m_target(target) {
    if (target.empty()) fail("(output)", "no output file name given");
    const Split t = splitTarget(target);
    m_dir = t.dir;
    m_base = t.base;
    if (m_base.empty()) fail(target, "is a directory name, not a file name");
    struct stat st {};
    if (::stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail(target, "is a directory");
    removeStaleTemporaries(target);
#if defined(O_TMPFILE)
    // Unnamed: nothing is left if the process dies before commit().
    m_fd = ::open(m_dir.empty() ? "." : m_dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
    if (m_fd >= 0) {
        m_temp = "/proc/self/fd/" + std::to_string(m_fd);
        if (::access(m_temp.c_str(), F_OK) == 0) return;
        ::close(m_fd); // no /proc to reopen it through: a named temporary instead
        m_fd = -1;
    }
#endif
    m_fd = createNamed(t, m_named);
    if (m_fd < 0)
        fail(target, std::string("cannot create a file in its directory: ") + std::strerror(errno));
    m_temp = m_named;
}

AtomicFile::~AtomicFile() {
    if (!m_committed && !m_named.empty()) ::unlink(m_named.c_str());
    if (m_fd >= 0) ::close(m_fd);
}

void AtomicFile::write(std::span<const unsigned char> bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
        const ssize_t n = ::pwrite(m_fd, bytes.data() + at, bytes.size() - at, off_t(at));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(m_target, std::string("cannot be written: ") + std::strerror(n < 0 ? errno : ENOSPC));
        at += std::size_t(n);
    }
    if (::ftruncate(m_fd, off_t(bytes.size())) != 0)
        fail(m_target, std::string("cannot be written: ") + std::strerror(errno));
}

void AtomicFile::commit() {
    if (::fsync(m_fd) != 0)
        fail(m_target, std::string("cannot be written: ") + std::strerror(errno));
    if (m_named.empty()) {
        // linkat cannot replace a file: give the unnamed file a hidden name
        // (still locked through m_fd), then rename that over the target.
        const Split t{m_dir, m_base};
        for (int attempt = 0; attempt < 100 && m_named.empty(); ++attempt) {
            const std::string name = t.dir + "." + t.base + "." + randomSuffix();
            if (::linkat(AT_FDCWD, m_temp.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0)
                m_named = name;
            else if (errno != EEXIST)
                fail(m_target, std::string("cannot be written: ") + std::strerror(errno));
        }
        if (m_named.empty()) fail(m_target, "cannot be written: no free temporary name");
    }
    if (std::rename(m_named.c_str(), m_target.c_str()) != 0)
        fail(m_target, std::string("cannot be written: ") + std::strerror(errno));
    m_committed = true;
}

} // namespace pf::io::detail
