// pf_bench_answer [--sizes 256,2048] [--engine auto|cpu|cuda] [--reps R] [--dir DIR]
//                 [--schedule S]  (not the recipe's: times the steps around the
//                 iterations on a machine where the recipe's would take long)
// Time to the answer with the default recipe: for each size N, a simulated
// N x N pattern (binary shapes, oversampling 2, 1e9 photons, 2 px beamstop)
// is written as CXI (not timed), then timed from reading that file to the
// written CXI result, as the command line does it: load, recipe (support
// estimate, iterations, ranking, alignment, PRTF; each timed apart), SHA-256
// of the input and write. The engine is made once beforehand (an application's start-up); its
// creation time is printed apart. One JSON line per run; the median of R runs
// at the end of each size.
#include <phaseforge/analysis.h>
#include <phaseforge/engine_factory.h>
#include <phaseforge/error.h>
#include <phaseforge/io/load.h>
#include <phaseforge/io/write.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// Binary shapes filling about half of an n x n object (the pattern's field is 2n).
pf::ImageF shapes(int n, std::uint64_t seed) {
    pf::ImageF blobs = pf::randomBlobs({n, n}, 6, seed);
    for (float& v : blobs.data)
        v = v > 0.3f ? 1.0f : 0.0f;
    return blobs;
}

std::vector<int> parseSizes(const std::string& text) {
    std::vector<int> sizes;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        sizes.push_back(std::stoi(item));
    return sizes;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) try {
    std::vector<int> sizes{256, 2048};
    pf::EngineOptions engineOptions;
    int reps = 3;
    std::string dir = std::filesystem::temp_directory_path().string();
    std::string schedule;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--sizes") sizes = parseSizes(value);
        else if (key == "--engine") engineOptions.kind = pf::parseEngineKind(value);
        else if (key == "--reps") reps = std::max(1, std::stoi(value));
        else if (key == "--dir") dir = value;
        else if (key == "--schedule") schedule = value;
        else throw pf::InvalidArgument("unknown option " + key);
    }
    const auto made = Clock::now();
    auto engine = pf::makeEngine(engineOptions);
    std::printf("{\"engine\": \"%s\", \"device\": \"%s\", \"engine_creation_s\": %.3f}\n",
                engine->info().name.c_str(), engine->info().device.c_str(), since(made));
    for (int n : sizes) {
        pf::SimulationOptions sim;
        sim.photons = 1e9;
        sim.beamstopRadius = 2;
        const pf::Simulation s = pf::simulate(shapes(n / 2, 7), sim);
        const std::string input = dir + "/pf-answer-" + std::to_string(n) + ".cxi";
        const std::string output = dir + "/pf-answer-" + std::to_string(n) + "-result.cxi";
        pf::io::writePatternCxi(input, s.problem.magnitude, s.problem.measured);
        std::vector<double> totals;
        for (int rep = 0; rep < reps; ++rep) {
            const auto t0 = Clock::now();
            const pf::io::LoadedPattern pattern = pf::io::loadDiffraction(input);
            const double load = since(t0);
            // pf::reconstruct's steps, timed apart: support estimate and engine
            // load, the iterations, then ranking, alignment and PRTF.
            const auto t1 = Clock::now();
            pf::Parameters params = pf::recipeParameters();
            if (!schedule.empty())
                params.schedule = pf::Schedule::parse(schedule);
            pf::Reconstruction run(*engine, pattern.problem, params);
            const double prepare = since(t1);
            const auto iterating = Clock::now();
            run.advance(run.totalIterations());
            engine->finish();
            const double iterate = since(iterating);
            const auto analysing = Clock::now();
            const pf::Result result = run.result();
            const double analyse = since(analysing), recipe = since(t1);
            const auto t2 = Clock::now();
            pf::io::Provenance provenance;
            provenance.inputPath = input;
            provenance.inputSha256 = pf::io::sha256File(input);
            pf::io::writeResultCxi(output, result, params, pattern.problem, provenance);
            const double write = since(t2), total = since(t0);
            totals.push_back(total);
            std::printf("{\"size\": %d, \"rep\": %d, \"engine\": \"%s\", \"load_s\": %.3f, "
                        "\"recipe_s\": %.3f, \"prepare_s\": %.3f, \"iterate_s\": %.3f, "
                        "\"result_s\": %.3f, \"write_s\": %.3f, \"total_s\": %.3f, \"error\": %.4f, "
                        "\"trusted\": %s}\n",
                        n, rep, result.engine.name.c_str(), load, recipe, prepare, iterate, analyse,
                        write, total,
                        pf::errorAfterAlignment(result.object, s.object),
                        result.quality.trusted ? "true" : "false");
            std::fflush(stdout);
        }
        std::printf("{\"size\": %d, \"median_total_s\": %.3f, \"reps\": %d}\n", n, median(totals), reps);
        std::filesystem::remove(input);
        std::filesystem::remove(output);
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "pf_bench_answer: %s\n", e.what());
    return 1;
}
