#include "phaseforge/ui/run_types.h"

namespace pf::ui {

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
    qRegisterMetaType<pf::MetricsRecord>();
    qRegisterMetaType<MetricsList>();
    qRegisterMetaType<pf::Schedule>();
}

} // namespace pf::ui
