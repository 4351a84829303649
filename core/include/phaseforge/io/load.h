// Reading diffraction patterns and object images from TIFF, PNG, NPY, HDF5 and
// CXI files. Every reader validates sizes against the file before it
// allocates, and every failure is a pf::FileError whose what() is one line
// starting with the file's name. See docs/files.md for the rules below.
#pragma once

#include "phaseforge/error.h"
#include "phaseforge/image.h"
#include "phaseforge/problem.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pf::io {

/// What the numbers in a diffraction file are.
enum class ValueKind { Intensity, Amplitude };

/// Where the zero frequency sits in the file.
enum class Centring { Centred, FftShifted };

struct LoadOptions {
    /// Intensity or amplitude. Unset: taken from CXI's data_type, otherwise
    /// intensity (detector counts), with a notice.
    std::optional<ValueKind> kind;
    /// Centred or fft-shifted. Unset: taken from CXI's is_fft_shifted,
    /// otherwise decided by the heuristic in docs/files.md, with a notice.
    std::optional<Centring> centring;
    /// Frame of a 3-D dataset or page of a multi-page TIFF (0-based).
    /// Negative: the first one, with a notice when there are several.
    int frame = -1;
    /// CXI entry number (entry_N, 1-based). 0: the first entry holding data,
    /// with a notice when there are several.
    int entry = 0;
    /// HDF5 dataset path. Empty: taken from "file.h5:/path" or, for CXI, found.
    std::string dataset;
    /// Largest image accepted, in pixels; larger claims are refused before
    /// anything is allocated.
    std::int64_t maxPixels = std::int64_t(1) << 28;
    /// HDF5 and CXI files are read in a child process, so that a corrupt file
    /// that crashes or hangs libhdf5 becomes an error; the read is stopped
    /// after this many seconds.
    double hdf5TimeoutSeconds = 120;
    /// When set, a read in the child process is stopped at once once the flag
    /// is true (checked at least every 0.1 s, and at once when a signal
    /// interrupts the wait): the CLI points it at its Ctrl-C flag. Must
    /// outlive the call.
    const std::atomic<bool>* interrupt = nullptr;
};

/// Thrown when LoadOptions::interrupt stopped a read.
class ReadInterrupted : public FileError {
public:
    using FileError::FileError;
};

/// What was understood about a file, for `phaseforge-cli info` and the app.
struct PatternInfo {
    std::string path;          ///< the file (without any ":/dataset" suffix)
    std::string format;        ///< a name from supportedFormats() (phaseforge/io/formats.h)
    std::string dataset;       ///< HDF5/CXI dataset read; empty otherwise
    std::string dtype;         ///< element type in the file, numpy spelling: "float32", "uint16", ...
    Shape shape;               ///< the 2-D image read
    int frames = 1;            ///< frames (or TIFF pages) available
    int frame = 0;             ///< the frame read
    int entry = 0;             ///< CXI entry read (1-based); 0 for other formats
    /// A result saved by PhaseForge: the magnitudes it was made from were read
    /// (loadSavedResult reads its object, support and parameters).
    bool savedResult = false;
    double minValue = 0;       ///< smallest finite value in the file's image
    double maxValue = 0;       ///< largest finite value in the file's image
    ValueKind kind = ValueKind::Intensity;
    std::string kindSource;    ///< "file", "option" or "default"
    Centring centring = Centring::Centred;
    std::string centringSource; ///< "file", "option" or "heuristic"
    std::int64_t maskedPixels = 0;    ///< unmeasured by the file's mask
    std::int64_t nonFinitePixels = 0; ///< NaN/Inf values, made unmeasured
    std::int64_t negativePixels = 0;  ///< negative values, set to zero
    std::int64_t unmeasuredPixels = 0; ///< total unmeasured in the Problem
};

/// A diffraction pattern turned into the core's Problem (FFT order, magnitudes).
struct LoadedPattern {
    Problem problem;
    PatternInfo info;
    /// Everything the loader assumed or changed, one sentence each.
    std::vector<std::string> notices;
};

/// Reads a diffraction pattern. `path` may be "file.h5:/path/to/data"; a plain
/// HDF5 file holding one 2-D or 3-D dataset needs no path (a notice names it);
/// a result saved by PhaseForge gives the magnitudes it was made from (its
/// object and parameters: loadSavedResult). Patterns smaller than 8 x 8 are
/// refused.
/// Intensities become sqrt(intensity); negative values become 0 (counted);
/// NaN/Inf and CXI-masked pixels (invalid, saturated, hot, dead, shadowed)
/// become unmeasured (counted); centred data is ifftShift-ed to FFT order.
/// Throws FileError; the result always passes Problem::validate().
LoadedPattern loadDiffraction(const std::string& path, const LoadOptions& options = {});

/// A plain image, e.g. an object for simulate().
struct LoadedImage {
    ImageF image;   ///< integer types scaled to [0, 1] by the type's maximum; floats as stored
    PatternInfo info; ///< format, dtype, shape, frames, range (kind/centring unused)
    std::vector<std::string> notices;
};

/// Reads any supported file as an image (colour becomes luminance, with a
/// notice). NaN/Inf are kept; the caller decides. Throws FileError.
LoadedImage loadImage(const std::string& path, const LoadOptions& options = {});

/// Splits "file.h5:/path/to/data" into file and dataset when the part before
/// the colon is an existing file. Returns {path, ""} otherwise.
std::pair<std::string, std::string> splitDatasetPath(const std::string& path);

const char* valueKindName(ValueKind kind);   ///< "intensity" / "amplitude"
const char* centringName(Centring centring); ///< "centred" / "fft-shifted"

} // namespace pf::io
