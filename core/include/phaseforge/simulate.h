// Diffraction simulation, for samples, tests and classrooms.
#pragma once

#include "phaseforge/problem.h"

#include <cstdint>

namespace pf {

struct SimulationOptions {
    double oversampling = 2.0; ///< field size / object size per axis, >= 1
    double photons = 0;        ///< total photons for Poisson noise; 0 = noiseless
    double beamstopRadius = 0; ///< pixels around zero frequency left unmeasured
    std::uint64_t seed = 1;    ///< for the noise
};

struct Simulation {
    Problem problem;   ///< magnitudes (FFT order), measured mask, support = the object's box
    ImageF object;     ///< the ground truth, placed in the field (real space)
};

/// The object (non-negative, finite) is placed at the centre of a field
/// oversampling times larger; the magnitude is |FFT(field)|. With photons > 0,
/// the intensity is scaled to that total, Poisson-sampled, and M = sqrt(counts).
Simulation simulate(const ImageF& object, const SimulationOptions& options = {});

/// Random smooth blobs on a dark background, values in [0, 1]: a test object.
ImageF randomBlobs(Shape shape, int blobs, std::uint64_t seed);

} // namespace pf
