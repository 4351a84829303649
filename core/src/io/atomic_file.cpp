#include "atomic_file.h"

#include "raw_image.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace pf::io::detail {

AtomicFile::AtomicFile(const std::string& target) : m_target(target) {
    if (target.empty()) fail("(output)", "no output file name given");
    const std::size_t slash = target.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "" : target.substr(0, slash + 1);
    const std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
    if (base.empty()) fail(target, "is a directory name, not a file name");
    struct stat st {};
    if (::stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        fail(target, "is a directory");
    std::string pattern = dir + "." + base + ".XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    const int fd = ::mkstemp(name.data());
    if (fd < 0)
        fail(target, std::string("cannot create a file in its directory: ") + std::strerror(errno));
    ::fchmod(fd, 0644); // mkstemp makes 0600; outputs are ordinary files
    ::close(fd);
    m_temp = name.data();
}

AtomicFile::~AtomicFile() {
    if (!m_committed && !m_temp.empty()) ::unlink(m_temp.c_str());
}

void AtomicFile::commit() {
    const int fd = ::open(m_temp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    if (std::rename(m_temp.c_str(), m_target.c_str()) != 0)
        fail(m_target, std::string("cannot be written: ") + std::strerror(errno));
    m_committed = true;
}

} // namespace pf::io::detail
