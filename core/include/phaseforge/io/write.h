// Writing results: CXI (HDF5) files readable by h5py, PNG and TIFF exports.
// Every writer is atomic: it writes a temporary file in the target's
// directory and renames it over the target; on any failure the temporary is
// removed and the target is left as it was. Failures throw pf::FileError.
#pragma once

#include "phaseforge/image.h"
#include "phaseforge/problem.h"
#include "phaseforge/reconstruction.h"

#include <cstdint>
#include <span>
#include <string>

namespace pf::io {

/// Where a reconstruction came from, stored beside it.
struct Provenance {
    std::string inputPath;   ///< the diffraction file as the user named it
    std::string inputSha256; ///< hex SHA-256 of that file's bytes (sha256File)
    std::string commandLine; ///< optional: how the run was started
    std::string continuedFrom = {}; ///< optional: the saved result this run continued (continuation.h)
};

/// Writes a reconstruction per the CXI layout in docs/files.md:
/// entry_1/image_1 holds the object (data_space "real") with its support and
/// process_1 (every parameter, the schedule, the seed, the error history, the
/// engine and device, the software version, the input's name and SHA-256);
/// entry_1/image_2 holds the magnitudes used (FFT order) with the mask used.
void writeResultCxi(const std::string& path, const Result& result, const Parameters& params,
                    const Problem& problem, const Provenance& provenance);

/// Writes a diffraction pattern as CXI: entry_1/instrument_1/detector_1/data
/// (centred, is_fft_shifted = 0) as intensities |M|² (or amplitudes), with the
/// detector mask (unmeasured pixels carry the invalid and shadowed bits) and
/// entry_1/data_1 linking to it. `magnitude` and `measured` are in FFT order.
struct PatternCxiOptions {
    bool asIntensity = true;
    std::string note; ///< stored as entry_1/experiment_identifier when not empty
};
void writePatternCxi(const std::string& path, const ImageF& magnitude, const Mask& measured,
                     const PatternCxiOptions& options = {});

/// Sample types for image export. Integer exports map [min, max] of the
/// finite values linearly onto the full range (NaN/Inf become 0).
enum class SampleType { UInt8, UInt16, Float32 };

/// PNG: UInt8 or UInt16 grey (Float32 is refused: PNG has no floats).
void writePng(const std::string& path, const ImageF& image, SampleType type = SampleType::UInt16);
/// TIFF: UInt8, UInt16 (scaled) or Float32 (values as they are), deflate-compressed.
void writeTiff(const std::string& path, const ImageF& image, SampleType type = SampleType::Float32);

/// Hex SHA-256 (FIPS 180-4) of a file's bytes, or of a buffer.
std::string sha256File(const std::string& path);
std::string sha256Hex(std::span<const unsigned char> bytes);

/// Circularly shifts an image so that its centre of mass (of |value|) sits at
/// the centre: for exporting an object whose position is arbitrary.
ImageF centreOfMassToCentre(const ImageF& image);

} // namespace pf::io
