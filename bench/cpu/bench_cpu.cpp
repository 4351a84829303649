// µs per GS iteration of the FFTW engine, one start, for the sizes given on the
// command line. Prints one JSON object per size. Used by bench/cpu/run.
#include <phaseforge/fftw_engine.h>
#include <phaseforge/problem.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: pf_bench_cpu THREADS N [N...]\n");
        return 2;
    }
    const int threads = std::atoi(argv[1]);
    for (int a = 2; a < argc; ++a) {
        const int n = std::atoi(argv[a]);
        pf::Problem p;
        p.magnitude = pf::ImageF({n, n});
        std::mt19937 rng(n);
        std::exponential_distribution<float> dist(1.0f);
        for (auto& v : p.magnitude.data)
            v = dist(rng);
        pf::FftwEngine engine(threads, pf::FftwEngine::PlanEffort::Measure);
        const auto guess = pf::InitialGuess::random(1);
        engine.load(p, {&guess, 1});
        engine.setMetricsInterval(1000000); // metrics once per batch, as a live run does
        const pf::Step gs{pf::Algorithm::GS, 1.0f};
        engine.iterate(gs, 3); // warm-up

        // Batches of at least ~0.3 s; the median of 5 batches.
        int batch = 1;
        for (;;) {
            const auto t0 = std::chrono::steady_clock::now();
            engine.iterate(gs, batch);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (s > 0.3)
                break;
            batch *= 2;
        }
        std::vector<double> us;
        for (int rep = 0; rep < 5; ++rep) {
            const auto t0 = std::chrono::steady_clock::now();
            engine.iterate(gs, batch);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            us.push_back(s * 1e6 / batch);
        }
        std::sort(us.begin(), us.end());
        std::printf("{\"n\": %d, \"threads\": %d, \"us_per_iteration\": %.1f, \"min\": %.1f, "
                    "\"max\": %.1f, \"batch\": %d}\n",
                    n, threads, us[2], us.front(), us.back(), batch);
        std::fflush(stdout);
    }
    return 0;
}
