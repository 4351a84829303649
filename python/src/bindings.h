// What the binding files share: their registration functions and the inputs
// common to reconstruct() and Reconstructor.
#pragma once

#include <phaseforge/engine_factory.h>
#include <phaseforge/initial_guess.h>
#include <phaseforge/problem.h>
#include <phaseforge/projections.h>

#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace pfpy {

namespace py = pybind11;

void bindReconstruct(py::module_& m);
void bindReconstructor(py::module_& m);
void bindKernels(py::module_& kernels);
void bindIo(py::module_& m);
void bindBenchHooks(py::module_& m);
void bindDeviceArray(py::module_& m);

/// The problem and starting points, as the Python keyword arguments give them.
struct ProblemInputs {
    pf::Problem problem;
    pf::InitialGuess::Kind guess = pf::InitialGuess::Kind::RandomPhase;
    std::uint64_t seed = 0;   ///< drawn at random when the caller gave None
    pf::ImageF userPhase;     ///< for UserPhase
    int starts = 1;

    /// One guess per start: start j uses seed + j.
    std::vector<pf::InitialGuess> guesses() const;
};

/// A seed: an int in [0, 2**64) (TypeError / ValueError naming `seed`).
std::uint64_t parseSeed(const py::handle& seed);

/// Checks and converts magnitude, support, mask (1 = measured), initial_phase,
/// seed and starts; every error names the argument.
ProblemInputs parseProblemInputs(const py::handle& magnitude, const py::handle& support,
                                 const py::handle& mask, const py::handle& initialPhase,
                                 const py::handle& seed, int starts);

/// "auto", "cuda", "cpu" or "fftw" -> engine options (ValueError naming `engine`);
/// twoPass: the CUDA engine's iteration path: unset = the engine's choice
/// (CudaPath::Automatic), true = two-pass, false = stage 1 (EngineOptions::path).
pf::EngineOptions parseEngineOptions(const std::string& engine, int threads,
                                     std::optional<bool> twoPass = std::nullopt);

/// A parsed algorithm name (ValueError naming `algorithm`).
pf::Algorithm parseAlgorithmName(const std::string& name);

/// Metrics records as a dict of numpy arrays: iteration, start, fourier_error,
/// real_error, support_size.
py::dict historyToDict(const std::vector<pf::MetricsRecord>& history);

} // namespace pfpy
