// The readers' common currency: one 2-D frame as floats plus what the file
// said about it. Private to core/src/io (the fuzz harnesses include it too).
#pragma once

#include "phaseforge/error.h"
#include "phaseforge/image.h"
#include "phaseforge/io/load.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace pf::io {
struct SavedResult; // phaseforge/io/saved_result.h
}

namespace pf::io::detail {

using Bytes = std::span<const unsigned char>;

/// What an HDF5 read is for; a result saved by PhaseForge is read differently
/// for each (cxi_layout.h).
enum class ReadPurpose : std::uint8_t {
    Pattern,     ///< a diffraction pattern: a saved result gives the magnitudes it was made from
    Image,       ///< a plain image: a saved result gives its object
    SavedResult, ///< a saved result's object, support and parameters (fields)
};

struct RawImage {
    Shape shape;
    std::vector<float> values; ///< row-major, shape.size() entries
    std::string format;        ///< "TIFF", "PNG", "NPY", "HDF5", "CXI"
    std::string dataset;
    std::string dtype;         ///< numpy spelling of the stored type
    double integerMax = 0;     ///< the stored integer type's maximum; 0 for floats
    int frames = 1;
    int frame = 0;
    int entry = 0;
    std::vector<std::string> notices;
    // What a CXI file says (unset for other formats).
    std::optional<ValueKind> kind;
    std::optional<Centring> centring;
    Mask unmeasured;           ///< from a CXI mask: 1 = not measured; empty = none
    std::int64_t maskedPixels = 0;
    bool realSpace = false;    ///< CXI data_space "real": an object, not a pattern
    // What a saved result holds besides its object (ReadPurpose::SavedResult).
    Mask support;              ///< 1 = inside; empty otherwise
    std::vector<std::pair<std::string, std::string>> fields; ///< its parameters, as text
};

/// Throws FileError(name, problem).
[[noreturn]] void fail(const std::string& name, const std::string& problem);

/// Checks a claimed 2-D size before anything is allocated: both sides > 0,
/// fitting an int, and rows·cols <= maxPixels. Returns the shape.
Shape checkedShape(const std::string& name, std::uint64_t rows, std::uint64_t cols,
                   std::int64_t maxPixels);

/// Picks a frame of `frames` (requested < 0: the first, with a notice when
/// there are several). Throws when the index is out of range.
int pickFrame(const std::string& name, std::uint64_t frames, int requested,
              std::vector<std::string>& notices, const char* what);

/// "1.5 MB" style size for messages.
std::string byteCount(std::uint64_t bytes);

/// Reads one frame of an NPY file held in memory.
RawImage readNpy(const std::string& name, Bytes bytes, const LoadOptions& options);
/// Reads one page of a TIFF file held in memory (libtiff through client procs).
RawImage readTiff(const std::string& name, Bytes bytes, const LoadOptions& options);
/// Reads a PNG file held in memory (libpng).
RawImage readPng(const std::string& name, Bytes bytes, const LoadOptions& options);
/// Reads an HDF5 or CXI file from disk (`dataset` empty: CXI discovery, or
/// the one image dataset of a plain HDF5 file).
RawImage readHdf5File(const std::string& path, const std::string& dataset,
                      const LoadOptions& options, ReadPurpose purpose = ReadPurpose::Pattern);
/// readHdf5File in a child process (isolated_read.cpp): a crash, a hang past
/// options.hdf5TimeoutSeconds or runaway memory in libhdf5 becomes a
/// FileError; options.interrupt stops it at once (ReadInterrupted).
RawImage readHdf5FileIsolated(const std::string& path, const std::string& dataset,
                              const LoadOptions& options, ReadPurpose purpose = ReadPurpose::Pattern);
/// The same from a file image in memory (used by the fuzzer).
RawImage readHdf5Memory(const std::string& name, Bytes bytes, const std::string& dataset,
                        const LoadOptions& options, ReadPurpose purpose = ReadPurpose::Pattern);

/// Reads any supported format from memory (HDF5 through a file image).
RawImage readAnyMemory(const std::string& name, Bytes bytes, const LoadOptions& options);

/// Patterns with fewer pixels than this on a side are refused.
inline constexpr int kMinPatternSide = 8;

/// Refuses a pattern too small to reconstruct (fewer than kMinPatternSide
/// pixels on a side), naming the file and its shape.
void checkPatternShape(const std::string& name, Shape shape);

/// The conversion from a raw frame to a Problem (public loadDiffraction's core).
LoadedPattern toPattern(RawImage raw, const std::string& path, const LoadOptions& options);
/// The conversion to a plain image (public loadImage's core).
LoadedImage toImage(RawImage raw, const std::string& path);
/// The conversion of a saved result's frame and fields (ReadPurpose::SavedResult)
/// to a SavedResult (public loadSavedResult's core; saved_result.cpp).
SavedResult toSavedResult(RawImage raw, const std::string& path);

} // namespace pf::io::detail
