// Where PhaseForge's CXI result keeps what (docs/files.md, "CXI result"):
// written by cxi_writer.cpp, read back by the loader (reopening a result
// means reading the magnitudes it was made from) and by loadSavedResult.
#pragma once

#include "phaseforge/initial_guess.h"
#include "phaseforge/reconstruction.h"

#include <string_view>

namespace pf::io::detail::cxi {

inline constexpr const char* kObject = "/entry_1/image_1/data";         ///< float32, real space
inline constexpr const char* kSupport = "/entry_1/image_1/support";     ///< uint8, 1 = inside
inline constexpr const char* kProcess = "/entry_1/image_1/process_1/";  ///< the parameters
/// Under kProcess: the best start's object and support as the engine left them.
inline constexpr const char* kRawObject = "raw_object";
inline constexpr const char* kRawSupport = "raw_support";
inline constexpr const char* kMagnitudes = "/entry_1/image_2/data";     ///< float32, FFT order
inline constexpr const char* kMagnitudeGroup = "/entry_1/image_2";

/// How process_1 spells the initial support rule and the initial guess.
inline std::string_view initialSupportName(InitialSupport s) {
    switch (s) {
    case InitialSupport::Automatic: return "automatic";
    case InitialSupport::Autocorrelation: return "autocorrelation";
    case InitialSupport::Problem: break;
    }
    return "problem";
}
inline std::string_view guessName(InitialGuess::Kind k) {
    switch (k) {
    case InitialGuess::Kind::RandomPhase: return "random phase";
    case InitialGuess::Kind::UserPhase: return "user phase";
    case InitialGuess::Kind::ZeroPhase: return "zero phase";
    case InitialGuess::Kind::Object: return "object";
    }
    return "?";
}

} // namespace pf::io::detail::cxi
