// Plain values that travel between the GUI thread and the worker thread in
// queued signals. Registered with Qt's meta-type system by registerRunTypes().
#pragma once

#include <phaseforge/engine_factory.h>
#include <phaseforge/problem.h>
#include <phaseforge/reconstruction.h>

#include "phaseforge/ui/iteration_stages.h"

#include <QList>
#include <QMetaType>

#include <cmath>
#include <functional>
#include <memory>
#include <vector>

namespace pf::ui {

/// Everything that defines a run besides the data.
struct RunSettings {
    pf::Parameters parameters = pf::recipeParameters();
    pf::EngineKind engine = pf::EngineKind::Auto;
};

/// The support rules of a run, changed live (RunController::setSupportRules).
struct SupportRules {
    pf::InitialSupport initial = pf::InitialSupport::Automatic;
    float autocorrelationThreshold = 0.04f; ///< used when initial is Autocorrelation
    pf::ShrinkWrap shrinkWrap;

    static SupportRules of(const pf::Parameters& p) {
        return {p.initialSupport, p.autocorrelationThreshold, p.shrinkWrap};
    }
    /// Whether the support in force must be replaced to go from `before` to
    /// these rules (the initial rule, or its threshold, changed). Shrink-wrap
    /// changes alone keep the support the run has grown.
    bool replacesSupport(const SupportRules& before) const {
        return initial != before.initial ||
               (initial == pf::InitialSupport::Autocorrelation &&
                autocorrelationThreshold != before.autocorrelationThreshold);
    }
};

/// Progress reported after every batch.
struct Progress {
    long long iteration = 0;         ///< iterations done since the start
    long long total = 0;             ///< iterations in the schedule
    double iterationsPerSecond = 0;  ///< over the last half second or so of running
    float error = std::nanf("");     ///< newest Fourier error of the displayed start
    int displayedStart = 0;          ///< the start whose estimate is published
    int batch = 0;                   ///< iterations in the batch just run
    long long sentNs = 0;            ///< when the worker sent it (steadyNowNs())
};

/// The steady clock in ns since its epoch (the clock of Progress::sentNs and
/// RunGate::pausedSinceNs).
long long steadyNowNs();

/// How long one batch should take: one frame of the live view at 30 frames per
/// second. Measured on an H100 at 2048² (docs/app.md): at 60 frames per second
/// the GL work of every frame time-slices with the CUDA engine and costs about
/// 7% of its speed; at 30 about 1%, the same as publishing with no view at all.
inline constexpr double kDefaultFrameSeconds = 1.0 / 30.0;

/// Makes the engine of a given kind. The default goes through pf::makeEngine.
using EngineMaker = std::function<std::unique_ptr<pf::Engine>(pf::EngineKind)>;
EngineMaker defaultEngineMaker();

using ProblemPtr = std::shared_ptr<const pf::Problem>;
using ResultPtr = std::shared_ptr<const pf::Result>;
using MaskPtr = std::shared_ptr<const pf::Mask>;
using ImagePtr = std::shared_ptr<const pf::ImageF>;
using MetricsList = QList<pf::MetricsRecord>;
using StagesPtr = std::shared_ptr<const IterationStages>;

/// Every start's object at one iteration, read back at a pause or at the end
/// of a run (never per frame), with the result read back at the same moment.
struct StartObjects {
    ResultPtr result;            ///< ranks, kept set, average and PRTF
    /// objects[k]: start k's object estimate, aligned (shift and twin) on the
    /// best start's (result->rawObject), so that the starts compare by eye.
    std::vector<ImageF> objects;
};
using StartObjectsPtr = std::shared_ptr<const StartObjects>;

/// Registers the types above for queued connections. Safe to call repeatedly.
void registerRunTypes();

} // namespace pf::ui

Q_DECLARE_METATYPE(pf::ui::RunSettings)
Q_DECLARE_METATYPE(pf::ui::SupportRules)
Q_DECLARE_METATYPE(pf::ui::Progress)
Q_DECLARE_METATYPE(pf::ui::ProblemPtr)
Q_DECLARE_METATYPE(pf::ui::ResultPtr)
Q_DECLARE_METATYPE(pf::ui::MaskPtr)
Q_DECLARE_METATYPE(pf::ui::ImagePtr)
Q_DECLARE_METATYPE(pf::ui::StagesPtr)
Q_DECLARE_METATYPE(pf::ui::StartObjectsPtr)
Q_DECLARE_METATYPE(pf::MetricsRecord)
Q_DECLARE_METATYPE(pf::Schedule)
