// Reading back a reconstruction saved by PhaseForge (writeResultCxi, the CXI
// result layout in docs/files.md): its object, its support and the parameters
// it was made with, so that a run can continue from it. The magnitudes it was
// made from are read by loadDiffraction on the same file.
#pragma once

#include "phaseforge/image.h"
#include "phaseforge/io/load.h"
#include "phaseforge/reconstruction.h"

#include <string>
#include <vector>

namespace pf::io {

struct SavedResult {
    std::string path;
    /// The best start's object as the engine left it (process_1/raw_object:
    /// the raw iterate's object estimate, not aligned, averaged or centred),
    /// which a continued run starts from. A file without a raw object gives
    /// image_1/data instead, with a notice. The canonical picture (image_1/data)
    /// is loadImage()'s.
    ImageF object;
    Mask support;           ///< 1 = inside: process_1/raw_support (else image_1/support), the object's shape
    /// What it was made with: schedule, β, seed, starts, keep, initial support
    /// rule and threshold, shrink-wrap (with the starts that wrap and the
    /// gentle threshold), detwinning, free fraction, centring, initial guess
    /// kind, metrics interval. Fields a file lacks keep the defaults of
    /// Parameters{}, with a notice.
    Parameters parameters;
    long long iterations = 0; ///< iterations run
    /// The best start's metrics (process_1/history; records carry start =
    /// bestStart); empty when the file has none.
    std::vector<MetricsRecord> history;
    int bestStart = 0;
    std::string engine;      ///< e.g. "fftw", "cuda"
    std::string device;
    std::string version;     ///< PhaseForge version that wrote it
    std::string inputFile;   ///< the diffraction file as named in the run
    std::string inputSha256;
    std::string continuedFrom; ///< the saved result this one continued; empty if none
    std::vector<std::string> notices; ///< fields missing or not understood, one sentence each
};

/// Reads a result saved by PhaseForge. Like every HDF5 read it runs in the
/// isolated child process. Throws FileError when the file is not such a result
/// (naming what is missing) or cannot be read.
SavedResult loadSavedResult(const std::string& path, const LoadOptions& options = {});

} // namespace pf::io
