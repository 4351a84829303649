// Continuing a run from a result saved by PhaseForge: its object is the
// initial guess, its support the initial support, its parameters the
// defaults. Used by `phaseforge-cli reconstruct --continue` and Python's
// `reconstruct(continue_from=...)`; docs/algorithms.md, "Continuing a run".
#pragma once

#include "phaseforge/image.h"
#include "phaseforge/io/saved_result.h"
#include "phaseforge/reconstruction.h"

#include <string>
#include <vector>

namespace pf {

/// A run that goes on from a saved one. The front end loads the magnitudes
/// (io::loadDiffraction on the same file gives those the saved run used),
/// puts `support` into Problem::support and applies the user's explicit
/// options to `parameters`.
struct Continuation {
    /// The saved run's parameters (schedule, β, seed and free fraction, so the
    /// same pixels stay held out; metrics interval, centring), changed to go
    /// on from where it stopped:
    ///  - guess = InitialGuess::Kind::Object from userObject, the saved raw
    ///    object (the best start's iterate as the engine left it, so the first
    ///    iteration sees the state the saved run ended in: the aligned,
    ///    averaged and centred picture would not be an iterate);
    ///  - initialSupport = InitialSupport::Problem (this struct's `support`);
    ///  - one start, keep 1, no detwinning (the saved run has done it);
    ///  - shrink-wrap as the saved best start had it (the gentle threshold
    ///    when it was one of the gentle starts; off when it kept its support),
    ///    with σ going on from the value the saved run had reached.
    Parameters parameters;
    /// The support in force at the end of the saved run (raw frame).
    Mask support;
    /// The file continued from, for the new result's provenance.
    std::string source;
    /// Iterations the saved run had made.
    long long previousIterations = 0;
    /// What was assumed, one sentence each (the saved result's notices too).
    std::vector<std::string> notices;
};

/// The continuation of a saved result (io::loadSavedResult). Throws
/// InvalidArgument when the saved result holds no object.
Continuation continuationOf(const io::SavedResult& saved);

/// How many shrink-wrap updates a run of `iterations` made with `params`
/// (updates fall at multiples of `every` after the detwinning iterations).
int shrinkWrapUpdates(const Parameters& params, long long iterations);

} // namespace pf
