// An outside program using the installed PhaseForge: simulate, reconstruct on
// the engine the factory picks (pf::makeEngine, from phaseforge::engines), and
// fail unless the Fourier error fell.
#include <phaseforge/engine_factory.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>
#include <phaseforge/version.h>

#include <cstdio>

int main() {
    const pf::Simulation sim = pf::simulate(pf::randomBlobs({16, 16}, 3, 1), {});
    pf::Parameters params;
    params.schedule = pf::Schedule::parse("HIO:100,ER:20");
    pf::EngineOptions options;
    options.kind = pf::EngineKind::Cpu; // the same answer on every machine
    options.cpuThreads = 1;
    const std::unique_ptr<pf::Engine> engine = pf::makeEngine(options);
    const pf::Result r = pf::reconstruct(*engine, sim.problem, params);
    const float first = r.history.front().fourierError, last = r.history.back().fourierError;
    std::printf("PhaseForge %s on %s: Fourier error %.3g -> %.3g\n", pf::version(),
                r.engine.name.c_str(), first, last);
    return last < 0.5f * first ? 0 : 1;
}
