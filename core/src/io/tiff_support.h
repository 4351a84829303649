// libtiff plumbing shared by the TIFF reader and writer: RAII handles and
// message handlers that send libtiff's output to pf::log, never to stderr.
#pragma once

#include <tiffio.h>

#include <memory>
#include <string>

namespace pf::io::detail {

struct TiffCloser {
    void operator()(TIFF* t) const { TIFFClose(t); }
};
using TiffHandle = std::unique_ptr<TIFF, TiffCloser>;

struct TiffOptionsFree {
    void operator()(TIFFOpenOptions* o) const { TIFFOpenOptionsFree(o); }
};
using TiffOptionsHandle = std::unique_ptr<TIFFOpenOptions, TiffOptionsFree>;

/// Receives libtiff's messages for one file. The first error is kept for the
/// exception; warnings go to pf::log at Info level.
struct TiffMessages {
    std::string name;
    std::string firstError;
};

/// Options whose error/warning handlers write into `messages` (which must
/// outlive the TIFF handle). `maxAlloc` bounds libtiff's single allocations.
TiffOptionsHandle makeTiffOptions(TiffMessages& messages, tmsize_t maxAlloc);

} // namespace pf::io::detail
