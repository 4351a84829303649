// A read-only memory map of a whole file (POSIX), so that readers can check
// every claimed size against the real byte count without reading it twice.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace pf::io::detail {

class MappedFile {
public:
    /// Throws FileError: missing, unreadable, a directory, or empty.
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::span<const unsigned char> bytes() const {
        return {static_cast<const unsigned char*>(m_data), m_size};
    }

private:
    void* m_data = nullptr;
    std::size_t m_size = 0;
};

} // namespace pf::io::detail
