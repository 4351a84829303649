// An outside program using the installed PhaseForge: simulate, reconstruct,
// and fail unless the Fourier error fell.
#include <phaseforge/fftw_engine.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>
#include <phaseforge/version.h>

#include <cstdio>

int main() {
    const pf::Simulation sim = pf::simulate(pf::randomBlobs({16, 16}, 3, 1), {});
    pf::Parameters params;
    params.schedule = pf::Schedule::parse("HIO:100,ER:20");
    pf::FftwEngine engine(1);
    const pf::Result r = pf::reconstruct(engine, sim.problem, params);
    const float first = r.history.front().fourierError, last = r.history.back().fourierError;
    std::printf("PhaseForge %s: Fourier error %.3g -> %.3g\n", pf::version(), first, last);
    return last < 0.5f * first ? 0 : 1;
}
