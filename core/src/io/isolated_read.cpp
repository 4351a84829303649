// HDF5 and CXI files are read in a child process. libhdf5 trusts a file's
// internal structure: on a corrupt file it can crash, loop forever or allocate
// without bound (tests/fuzz/RESULTS.md lists such inputs for the library this
// project builds against). In a child, any of these becomes one clear error
// for the caller, and the app, the CLI or the Python session survives.
//
// The child reads the frame with the ordinary reader, writes the RawImage (or
// the reader's error) to a pipe and exits. The parent reads the pipe while it
// waits, with a deadline, then reaps the child and rebuilds the RawImage.
#include "raw_image.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#if defined(__unix__)
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/uio.h>
#endif
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace pf::io::detail {

#if defined(__unix__)
namespace {

// ---- the message: a flat little-endian byte string ---------------------------

class Writer {
public:
    template <class T> void put(const T& v) {
        const auto* p = reinterpret_cast<const unsigned char*>(&v);
        bytes.insert(bytes.end(), p, p + sizeof v);
    }
    void put(const std::string& s) {
        put(std::uint64_t(s.size()));
        bytes.insert(bytes.end(), s.begin(), s.end());
    }
    std::vector<unsigned char> bytes;
};

class Reader {
public:
    explicit Reader(const std::vector<unsigned char>& b) : m_bytes(b) {}
    template <class T> T get() {
        T v;
        take(&v, sizeof v);
        return v;
    }
    std::string getString() {
        std::string s(checkedCount(1), '\0');
        take(s.data(), s.size());
        return s;
    }

private:
    std::size_t checkedCount(std::size_t elementSize) {
        const auto n = get<std::uint64_t>();
        if (n > (m_bytes.size() - m_at) / elementSize)
            throw std::runtime_error("truncated message");
        return std::size_t(n);
    }
    void take(void* out, std::size_t n) {
        if (n > m_bytes.size() - m_at)
            throw std::runtime_error("truncated message");
        std::memcpy(out, m_bytes.data() + m_at, n);
        m_at += n;
    }
    const std::vector<unsigned char>& m_bytes;
    std::size_t m_at = 0;
};

enum : std::uint8_t { kImage = 1, kFileError = 2, kOtherError = 3 };

// An image travels as a header (everything but the two arrays) followed by the
// raw bytes of the values and of the mask, which are written from and read
// into their final vectors without further copies.
std::vector<unsigned char> encodeHeader(const RawImage& raw) {
    Writer w;
    w.put(kImage);
    w.put(std::int32_t(raw.shape.rows));
    w.put(std::int32_t(raw.shape.cols));
    w.put(raw.format);
    w.put(raw.dataset);
    w.put(raw.dtype);
    w.put(raw.integerMax);
    w.put(std::int32_t(raw.frames));
    w.put(std::int32_t(raw.frame));
    w.put(std::int32_t(raw.entry));
    w.put(std::uint64_t(raw.notices.size()));
    for (const auto& n : raw.notices)
        w.put(n);
    w.put(std::int8_t(raw.kind ? int(*raw.kind) : -1));
    w.put(std::int8_t(raw.centring ? int(*raw.centring) : -1));
    w.put(std::int32_t(raw.unmeasured.shape.rows));
    w.put(std::int32_t(raw.unmeasured.shape.cols));
    w.put(std::int64_t(raw.maskedPixels));
    w.put(std::uint8_t(raw.realSpace));
    w.put(std::int32_t(raw.support.shape.rows));
    w.put(std::int32_t(raw.support.shape.cols));
    w.put(std::uint64_t(raw.fields.size()));
    for (const auto& [key, value] : raw.fields) {
        w.put(key);
        w.put(value);
    }
    return std::move(w.bytes);
}

RawImage decodeHeader(Reader& r) {
    RawImage raw;
    raw.shape.rows = r.get<std::int32_t>();
    raw.shape.cols = r.get<std::int32_t>();
    raw.format = r.getString();
    raw.dataset = r.getString();
    raw.dtype = r.getString();
    raw.integerMax = r.get<double>();
    raw.frames = r.get<std::int32_t>();
    raw.frame = r.get<std::int32_t>();
    raw.entry = r.get<std::int32_t>();
    const auto notices = r.get<std::uint64_t>();
    for (std::uint64_t i = 0; i < notices; ++i)
        raw.notices.push_back(r.getString());
    if (const int k = r.get<std::int8_t>(); k >= 0)
        raw.kind = ValueKind(k);
    if (const int c = r.get<std::int8_t>(); c >= 0)
        raw.centring = Centring(c);
    raw.unmeasured.shape.rows = r.get<std::int32_t>();
    raw.unmeasured.shape.cols = r.get<std::int32_t>();
    raw.maskedPixels = r.get<std::int64_t>();
    raw.realSpace = r.get<std::uint8_t>() != 0;
    raw.support.shape.rows = r.get<std::int32_t>();
    raw.support.shape.cols = r.get<std::int32_t>();
    const auto fields = r.get<std::uint64_t>();
    for (std::uint64_t i = 0; i < fields; ++i) {
        std::string key = r.getString();
        raw.fields.emplace_back(std::move(key), r.getString());
    }
    return raw;
}

// An error: its kind, the file it names (FileError) and its whole message.
std::vector<unsigned char> encodeError(std::uint8_t kind, const std::string& file,
                                       const std::string& message) {
    Writer w;
    w.put(kind);
    w.put(file);
    w.put(message);
    return std::move(w.bytes);
}

bool writeAll(int fd, const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    std::size_t at = 0;
    while (at < size) {
        const ssize_t n = ::write(fd, bytes + at, size - at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        at += std::size_t(n);
    }
    return true;
}

// The child's address space may grow by this much over what it inherited.
// It bounds the memory a corrupt file can make libhdf5 allocate; a legitimate
// read needs the largest accepted frame plus HDF5's chunk cache.
std::uint64_t childMemoryAllowance(const LoadOptions& options) {
    const std::uint64_t frame = std::uint64_t(std::max<std::int64_t>(options.maxPixels, 0)) * 8;
    return frame * 3 + (std::uint64_t(1) << 30);
}

[[noreturn]] void runChild(int fd, int back, pid_t parent, const std::string& path,
                           const std::string& dataset, const LoadOptions& options, ReadPurpose purpose) {
#if defined(__linux__)
    // A child stuck in libhdf5 must not outlive a parent that was killed.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
        _exit(4);
#else
    (void)parent;
#endif
    std::signal(SIGPIPE, SIG_IGN);
    // Ctrl-C reaches the whole process group: let it end the child at once,
    // whatever the caller's own handlers do.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    // Bound the address space: what the process already maps (read from
    // /proc, since a CUDA context alone reserves a great deal) plus an
    // allowance, never above a limit the caller set.
    unsigned long long pages = 0;
    FILE* statm = std::fopen("/proc/self/statm", "r");
    const bool known = statm && std::fscanf(statm, "%llu", &pages) == 1;
    if (statm)
        std::fclose(statm);
    rlimit limit{};
    if (known && ::getrlimit(RLIMIT_AS, &limit) == 0) {
        const std::uint64_t wanted =
            pages * std::uint64_t(::sysconf(_SC_PAGESIZE)) + childMemoryAllowance(options);
        if (limit.rlim_cur == RLIM_INFINITY || wanted < limit.rlim_cur) {
            limit.rlim_cur = rlim_t(wanted);
            ::setrlimit(RLIMIT_AS, &limit);
        }
    }
    std::vector<unsigned char> message;
    RawImage raw;
    try {
        raw = readHdf5File(path, dataset, options, purpose);
        message = encodeHeader(raw);
    } catch (const FileError& e) {
        message = encodeError(kFileError, e.path(), e.what());
    } catch (const std::bad_alloc&) {
        message = encodeError(kFileError, path,
                              path + ": the HDF5 library ran out of memory reading it (corrupt file?)");
    } catch (const std::exception& e) {
        message = encodeError(kOtherError, path, e.what());
    }
    if (message[0] == kImage) { // where the arrays lie, for the parent to copy them directly
        Writer w;
        w.put(std::uint64_t(reinterpret_cast<std::uintptr_t>(raw.values.data())));
        w.put(std::uint64_t(reinterpret_cast<std::uintptr_t>(raw.unmeasured.data.data())));
        w.put(std::uint64_t(reinterpret_cast<std::uintptr_t>(raw.support.data.data())));
        message.insert(message.end(), w.bytes.begin(), w.bytes.end());
    }
    const std::uint64_t size = message.size();
    bool ok = writeAll(fd, &size, sizeof size) && writeAll(fd, message.data(), message.size());
    if (ok && message[0] == kImage) {
        // The parent answers 'D' once it has copied the arrays out of this
        // process, or 'P' to have them sent through the pipe.
        char answer = 0;
        while (::read(back, &answer, 1) < 0 && errno == EINTR) {
        }
        if (answer == 'P')
            ok = writeAll(fd, raw.values.data(), raw.values.size() * sizeof(float)) &&
                 writeAll(fd, raw.unmeasured.data.data(), raw.unmeasured.data.size()) &&
                 writeAll(fd, raw.support.data.data(), raw.support.data.size());
        else
            ok = answer == 'D';
    }
    _exit(ok ? 0 : 3);
}

// Reserves a large vector's memory and, on Linux, asks for transparent huge
// pages before it is first touched: filling a fresh 64 MB frame then costs a
// few dozen page faults instead of thousands.
void reserveLarge(std::vector<float>& v, std::size_t n) {
    v.reserve(n);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t huge = std::uintptr_t(2) << 20;
    const auto begin = (reinterpret_cast<std::uintptr_t>(v.data()) + huge - 1) & ~(huge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(v.data() + n)) & ~(huge - 1);
    if (end > begin)
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE); // a hint; may fail
#endif
}

std::string describeStatus(int status) {
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char* abbrev = sigabbrev_np(sig);
        const std::string name = abbrev ? std::string("SIG") + abbrev : std::to_string(sig);
        if (sig == SIGINT || sig == SIGTERM)
            return "reading it was interrupted (" + name + ")";
        return "the HDF5 library crashed reading it (signal " + name + "); the file is corrupt";
    }
    return "the HDF5 reading process ended with status " + std::to_string(WEXITSTATUS(status));
}

} // namespace

RawImage readHdf5FileIsolated(const std::string& path, const std::string& dataset,
                              const LoadOptions& options, ReadPurpose purpose) {
    const double timeoutSeconds = options.hdf5TimeoutSeconds;
    int fds[2];   // child -> parent: the header, then (if asked) the arrays
    int back[2];  // parent -> child: one byte, 'D' (copied) or 'P' (send them);
                  // a socket, so that writing to a dead child raises no SIGPIPE
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return readHdf5File(path, dataset, options, purpose); // no pipe: read in this process
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, back) != 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return readHdf5File(path, dataset, options, purpose);
    }
#if defined(F_SETPIPE_SZ)
    ::fcntl(fds[0], F_SETPIPE_SZ, 1 << 20); // fewer round trips for a large frame; best effort
#endif
    std::fflush(nullptr);
    const pid_t self = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        for (const int fd : {fds[0], fds[1], back[0], back[1]})
            ::close(fd);
        return readHdf5File(path, dataset, options, purpose);
    }
    if (pid == 0) {
        ::close(fds[0]);
        ::close(back[1]);
        runChild(fds[1], back[0], self, path, dataset, options, purpose);
    }
    ::close(fds[1]);
    ::close(back[0]);

    // Reads exactly n bytes unless the child closes the pipe first or the
    // deadline passes.
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::duration<double>(timeoutSeconds);
    bool timedOut = false;
    bool interrupted = false;
    const auto readExact = [&](void* out, std::size_t n) {
        auto* bytes = static_cast<unsigned char*>(out);
        std::size_t at = 0;
        while (at < n) {
            // A signal handler that sets the flag also ends poll() early (EINTR);
            // a flag set from another thread is seen within the poll interval.
            if (options.interrupt && options.interrupt->load()) {
                interrupted = true;
                return false;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                timedOut = true;
                return false;
            }
            pollfd p{fds[0], POLLIN, 0};
            const int ready = ::poll(&p, 1, int(std::min<long long>(left.count(), 100)));
            if (ready < 0 && errno != EINTR)
                return false;
            if (ready <= 0)
                continue;
            const ssize_t got = ::read(fds[0], bytes + at, n - at);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                return false; // the child closed the pipe early (it died)
            at += std::size_t(got);
        }
        return true;
    };

    std::vector<unsigned char> header;
    RawImage raw;
    bool complete = false;
    std::string malformed;
    std::uint64_t headerSize = 0;
    if (readExact(&headerSize, sizeof headerSize) && headerSize > 0 && headerSize <= (64u << 20)) {
        header.resize(headerSize);
        if (readExact(header.data(), header.size())) {
            try {
                Reader r(header);
                if (r.get<std::uint8_t>() == kImage) {
                    raw = decodeHeader(r);
                    const auto within = [&](Shape s) {
                        return s.rows >= 0 && s.cols >= 0 && s.size() <= raw.shape.size();
                    };
                    if (raw.shape.rows < 0 || raw.shape.cols < 0 ||
                        std::int64_t(raw.shape.size()) > std::max<std::int64_t>(options.maxPixels, 0) ||
                        !within(raw.unmeasured.shape) || !within(raw.support.shape))
                        throw std::runtime_error("implausible sizes");
                    const auto valuesAt = r.get<std::uint64_t>();
                    const auto maskAt = r.get<std::uint64_t>();
                    const auto supportAt = r.get<std::uint64_t>();
                    reserveLarge(raw.values, raw.shape.size());
                    raw.values.resize(raw.shape.size());
                    raw.unmeasured.data.resize(raw.unmeasured.shape.size());
                    raw.support.data.resize(raw.support.shape.size());
                    const std::size_t valueBytes = raw.values.size() * sizeof(float);
                    const std::size_t maskBytes = raw.unmeasured.data.size();
                    const std::size_t supportBytes = raw.support.data.size();
                    // One copy straight out of the child where the system allows
                    // it; otherwise through the pipe.
                    bool copied = false;
#if defined(__linux__)
                    iovec local[3] = {{raw.values.data(), valueBytes},
                                      {raw.unmeasured.data.data(), maskBytes},
                                      {raw.support.data.data(), supportBytes}};
                    iovec remote[3] = {{reinterpret_cast<void*>(std::uintptr_t(valuesAt)), valueBytes},
                                       {reinterpret_cast<void*>(std::uintptr_t(maskAt)), maskBytes},
                                       {reinterpret_cast<void*>(std::uintptr_t(supportAt)), supportBytes}};
                    copied = ::process_vm_readv(pid, local, 3, remote, 3, 0) ==
                             ssize_t(valueBytes + maskBytes + supportBytes);
#else
                    (void)valuesAt;
                    (void)maskAt;
                    (void)supportAt;
#endif
                    const char answer = copied ? 'D' : 'P';
                    const bool told = ::send(back[1], &answer, 1, MSG_NOSIGNAL) == 1;
                    complete = told && (copied || (readExact(raw.values.data(), valueBytes) &&
                                                   readExact(raw.unmeasured.data.data(), maskBytes) &&
                                                   readExact(raw.support.data.data(), supportBytes)));
                } else {
                    complete = true; // an error message; decoded below
                }
            } catch (const std::exception& e) {
                malformed = e.what();
            }
        }
    }
    ::close(fds[0]);
    ::close(back[1]);
    if (timedOut || interrupted)
        ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }

    if (interrupted)
        throw ReadInterrupted(path, "reading it was interrupted");
    if (timedOut) {
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%g", timeoutSeconds);
        fail(path, std::string("the HDF5 library did not finish reading it within ") + seconds +
                       " s and was stopped (corrupt file?)");
    }
    if (!malformed.empty())
        fail(path, "reading it failed: " + malformed);
    if (!complete || !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        fail(path, describeStatus(status));
    if (header[0] == kImage)
        return raw;
    std::string file, text;
    try {
        Reader r(header);
        r.get<std::uint8_t>();
        file = r.getString();
        text = r.getString();
    } catch (const std::exception& e) {
        fail(path, std::string("reading it failed: ") + e.what());
    }
    if (header[0] == kFileError) { // "file: problem", rebuilt word for word
        const std::string prefix = file + ": ";
        throw FileError(file, text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text);
    }
    fail(path, "reading it failed: " + text);
}

#else

RawImage readHdf5FileIsolated(const std::string& path, const std::string& dataset,
                              const LoadOptions& options, ReadPurpose purpose) {
    return readHdf5File(path, dataset, options, purpose);
}

#endif

} // namespace pf::io::detail
