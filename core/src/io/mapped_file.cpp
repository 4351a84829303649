#include "mapped_file.h"

#include "raw_image.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pf::io::detail {

MappedFile::MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        fail(path, std::strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        fail(path, "is a directory, not a file");
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(path, "is not a regular file");
    }
    if (st.st_size == 0) {
        ::close(fd);
        fail(path, "file is empty");
    }
    m_size = std::size_t(st.st_size);
    m_data = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int e = errno;
    ::close(fd); // the mapping keeps the file open
    if (m_data == MAP_FAILED) {
        m_data = nullptr;
        fail(path, std::string("cannot be mapped: ") + std::strerror(e));
    }
}

MappedFile::~MappedFile() {
    if (m_data) ::munmap(m_data, m_size);
}

} // namespace pf::io::detail
