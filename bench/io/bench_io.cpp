// Seconds to load each file given on the command line through the public
// reader (pf::io::loadDiffraction: read, convert to float, square-root,
// un-shift, heuristics; everything `phaseforge-cli reconstruct` does before
// the engine starts). Prints one JSON object per file and cache state.
// Used by bench/io/run.
//
//   pf_bench_io RUNS FILE [FILE...]
//
// warm: the file is read once first, then RUNS timed loads (its pages are in
//       the page cache).
// cold: before each of RUNS timed loads the file is synced and its pages are
//       dropped from the page cache with posix_fadvise(POSIX_FADV_DONTNEED); mincore() then
//       reports how much of the file was still resident, and that fraction is
//       printed so that a cold number is never claimed for a warm read.
#include <phaseforge/io/load.h>
#include <phaseforge/log.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

/// Evicts the file's clean pages; returns the fraction still resident after.
double dropFromPageCache(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1.0;
    struct stat st {};
    ::fstat(fd, &st);
    ::fdatasync(fd); // dirty pages (a file just written) cannot be dropped
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    double resident = 1.0;
    const std::size_t size = std::size_t(st.st_size);
    void* map = size ? ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    if (map != MAP_FAILED) {
        const long page = ::sysconf(_SC_PAGESIZE);
        std::vector<unsigned char> vec((size + std::size_t(page) - 1) / std::size_t(page));
        if (::mincore(map, size, vec.data()) == 0) {
            std::size_t in = 0;
            for (unsigned char v : vec) in += v & 1;
            resident = double(in) / double(vec.size());
        }
        ::munmap(map, size);
    }
    ::close(fd);
    return resident;
}

double loadSeconds(const std::string& path) {
    const auto t0 = std::chrono::steady_clock::now();
    const pf::io::LoadedPattern p = pf::io::loadDiffraction(path);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (p.problem.magnitude.data.empty()) std::abort(); // keeps the load observable
    return s;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void report(const std::string& path, const char* cache, const std::vector<double>& t, double resident,
            const pf::io::PatternInfo& info) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    std::printf("{\"file\": \"%s\", \"format\": \"%s\", \"dtype\": \"%s\", \"rows\": %d, \"cols\": %d, "
                "\"bytes\": %lld, \"cache\": \"%s\", \"runs\": %zu, \"median_s\": %.4f, \"min_s\": %.4f, "
                "\"max_s\": %.4f, \"resident_before\": %.3f}\n",
                path.c_str(), info.format.c_str(), info.dtype.c_str(), info.shape.rows, info.shape.cols,
                static_cast<long long>(st.st_size), cache, t.size(), median(t),
                *std::min_element(t.begin(), t.end()), *std::max_element(t.begin(), t.end()), resident);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: pf_bench_io RUNS FILE [FILE...]\n");
        return 2;
    }
    pf::setLogSink([](pf::LogLevel, std::string_view) {});
    const int runs = std::max(1, std::atoi(argv[1]));
    for (int a = 2; a < argc; ++a) {
        const std::string path = argv[a];
        try {
            const pf::io::PatternInfo info = pf::io::loadDiffraction(path).info; // also warms the cache
            std::vector<double> warm, cold;
            for (int r = 0; r < runs; ++r) warm.push_back(loadSeconds(path));
            report(path, "warm", warm, 1.0, info);
            double worstResident = 0;
            for (int r = 0; r < runs; ++r) {
                worstResident = std::max(worstResident, dropFromPageCache(path));
                cold.push_back(loadSeconds(path));
            }
            report(path, "cold", cold, worstResident, info);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "pf_bench_io: %s\n", e.what());
            return 1;
        }
    }
    return 0;
}
