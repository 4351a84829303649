// What every reader harness asserts about one input: the reader either throws
// pf::FileError, or returns a frame whose sizes agree and which converts to a
// plain image and to a Problem that passes Problem::validate(). Anything else
// (another exception, a sanitizer report, an abort) is a finding.
#pragma once

#include "raw_image.h"

#include <phaseforge/error.h>
#include <phaseforge/log.h>

#include <cstdint>
#include <cstdlib>
#include <utility>

namespace pf::fuzz {

/// Options shared by the harnesses. The image limit is smaller than the
/// library's default (2^28 pixels) so that each execution stays fast; the size
/// checks exercised are the same.
inline io::LoadOptions fuzzOptions() {
    static const bool quiet = [] {
        pf::setLogSink([](pf::LogLevel, std::string_view) {});
        return true;
    }();
    (void)quiet;
    io::LoadOptions options;
    options.maxPixels = std::int64_t(1) << 20;
    return options;
}

/// Runs `read` (which returns a RawImage) and checks what comes back.
template <class Read>
void checkReader(Read&& read, const io::LoadOptions& options) {
    try {
        io::detail::RawImage raw = read();
        if (raw.values.size() != raw.shape.size()) std::abort();
        if (!raw.unmeasured.data.empty() && raw.unmeasured.data.size() != raw.shape.size())
            std::abort();
        const io::LoadedImage image = io::detail::toImage(raw, "fuzz");
        if (image.image.data.size() != image.image.shape.size()) std::abort();
        const io::LoadedPattern pattern = io::detail::toPattern(std::move(raw), "fuzz", options);
        // Throws InvalidArgument (not caught here, so a finding) when the
        // loader hands on a Problem the engines would refuse.
        pattern.problem.validate();
    } catch (const pf::FileError&) {
        // the expected outcome for malformed input
    }
}

} // namespace pf::fuzz
