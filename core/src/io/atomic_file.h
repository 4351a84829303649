// Write-to-temporary-then-rename, the rule for every output file.
#pragma once

#include <string>

namespace pf::io::detail {

/// Creates an empty temporary file beside `target` (same directory, so the
/// rename is atomic). commit() renames it over the target; the destructor
/// removes it if commit() was not reached.
class AtomicFile {
public:
    explicit AtomicFile(const std::string& target);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    /// The temporary's path, to be opened by a library (HDF5, libtiff).
    const std::string& tempPath() const { return m_temp; }
    const std::string& target() const { return m_target; }
    /// Flushes the temporary to disk and renames it over the target.
    void commit();

private:
    std::string m_target;
    std::string m_temp;
    bool m_committed = false;
};

} // namespace pf::io::detail
