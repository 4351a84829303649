// Shared checks of the readers.
#include "raw_image.h"

#include <cstdio>
#include <limits>

namespace pf::io::detail {

void fail(const std::string& name, const std::string& problem) { throw FileError(name, problem); }

Shape checkedShape(const std::string& name, std::uint64_t rows, std::uint64_t cols,
                   std::int64_t maxPixels) {
    if (rows == 0 || cols == 0)
        fail(name, "image has a zero size (" + std::to_string(rows) + " x " +
                       std::to_string(cols) + ")");
    const std::uint64_t limit = std::uint64_t(std::numeric_limits<int>::max());
    const bool tooLarge = rows > limit || cols > limit ||
                          rows > std::uint64_t(maxPixels) / cols;
    if (tooLarge)
        fail(name, "claims a " + std::to_string(rows) + " x " + std::to_string(cols) +
                       " image, larger than the limit of " + std::to_string(maxPixels) +
                       " pixels");
    return Shape{int(rows), int(cols)};
}

int pickFrame(const std::string& name, std::uint64_t frames, int requested,
              std::vector<std::string>& notices, const char* what) {
    if (frames == 0) fail(name, std::string("holds no ") + what);
    if (requested < 0) {
        if (frames > 1)
            notices.push_back("the file holds " + std::to_string(frames) + " " + what +
                              "s; using " + what + " 0 (choose with --frame)");
        return 0;
    }
    if (std::uint64_t(requested) >= frames)
        fail(name, std::string(what) + " " + std::to_string(requested) + " requested, but the file holds " +
                       std::to_string(frames));
    return requested;
}

std::string byteCount(std::uint64_t bytes) {
    char buf[64];
    if (bytes < 10000)
        std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
    else if (bytes < 10'000'000ull)
        std::snprintf(buf, sizeof buf, "%.1f kB", double(bytes) / 1e3);
    else if (bytes < 10'000'000'000ull)
        std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.3g bytes", double(bytes));
    return buf;
}

} // namespace pf::io::detail
