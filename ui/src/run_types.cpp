#include "phaseforge/ui/run_types.h"

#include <chrono>

namespace pf::ui {

long long steadyNowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

EngineMaker defaultEngineMaker() {
    return [](pf::EngineKind kind) {
        pf::EngineOptions options;
        options.kind = kind;
        return pf::makeEngine(options);
    };
}

void registerRunTypes() {
    qRegisterMetaType<RunSettings>();
    qRegisterMetaType<SupportRules>();
    qRegisterMetaType<Progress>();
    qRegisterMetaType<ProblemPtr>();
    qRegisterMetaType<ResultPtr>();
    qRegisterMetaType<MaskPtr>();
    qRegisterMetaType<ImagePtr>();
    qRegisterMetaType<StagesPtr>();
    qRegisterMetaType<StartObjectsPtr>();
    qRegisterMetaType<pf::MetricsRecord>();
    qRegisterMetaType<MetricsList>();
    qRegisterMetaType<pf::Schedule>();
}

} // namespace pf::ui
