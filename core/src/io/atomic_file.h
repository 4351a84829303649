// Write-to-temporary-then-rename, the rule for every output file.
#pragma once

#include <span>
#include <string>

namespace pf::io::detail {

/// An empty temporary file in `target`'s directory (so that the final rename
/// is atomic). commit() puts it in place of the target; the destructor
/// removes it if commit() was not reached.
///
/// A process killed mid-write (SIGKILL, power loss) must leave no debris:
/// - where the file system allows it, the temporary is unnamed (O_TMPFILE)
///   and gets a name only in commit(), just before the rename;
/// - otherwise it is a hidden ".NAME.XXXXXX" holding an open-file-description
///   lock while its writer lives, and every new write to the same target
///   first removes such files whose lock nobody holds (their writer died).
class AtomicFile {
public:
    explicit AtomicFile(const std::string& target);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    /// A path for a library (HDF5, libtiff, stdio) to open and truncate: the
    /// hidden file's name, or /proc/self/fd/N for an unnamed file.
    const std::string& tempPath() const { return m_temp; }
    const std::string& target() const { return m_target; }
    /// Writes `bytes` as the temporary's whole content (FileError on failure).
    void write(std::span<const unsigned char> bytes);
    /// True when the temporary has no name in the directory.
    bool unnamed() const { return m_named.empty(); }
    /// Flushes the temporary to disk and moves it over the target.
    void commit();

private:
    std::string m_target;
    std::string m_dir;   ///< the target's directory, "" for the working directory
    std::string m_base;  ///< the target's file name
    std::string m_temp;  ///< what tempPath() returns
    std::string m_named; ///< the hidden temporary's path; "" while unnamed
    int m_fd = -1;       ///< open (and locked) until commit or destruction
    bool m_committed = false;
};

/// The hidden temporaries of earlier writes to `target` whose writer is gone
/// are removed; returns how many. Called by AtomicFile; public for tests.
int removeStaleTemporaries(const std::string& target);

} // namespace pf::io::detail
