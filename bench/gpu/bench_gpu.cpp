// µs per GS iteration of the CUDA engine (one start; the default path, as the
// engine picks it for the shape and batch; stage 1 and the two-pass path
// forced; the two-pass path held to its per-pass kernels) and of the bare
// cuFFT R2C+C2R pair, for N x N problems, timed with CUDA events around graph
// replays after a warm-up; the median of several batches. Plus multi-start
// throughput at N = 512. Writes JSON (stdout or --json FILE).
//
//   pf_bench_gpu [--sizes 256,512,...] [--starts 1,8,64] [--default-only]
//                [--batches B] [--sweep] [--sweep-persistent] [--compare-overlap]
//                [--json FILE]
//
// --default-only times only the default path (and the bare pair), for runs
// interleaved with the peers (bench/gpu/peers.py --rounds).
// The two-pass path runs the persistent kernel (one launch per batch) where it
// applies (rows and cols <= 1024); TwoPassTuning::persistent = Never holds it
// to the per-pass kernels (two launches per iteration), the "per-pass" column.
// --sweep-persistent times the persistent kernel for each size and start count
// over its threads per block (TwoPassTuning::persistentThreads).
//
// --sweep times only the two-pass path, for each size and K = 1 (and K = 64
// at N = 512), over tile shapes (rows per row block, columns per column
// block: TwoPassTuning), and prints one line per shape.
//
// --compare-overlap times, for each size and start count, the per-pass
// kernels launched plainly and as programmatic dependent launches
// (TwoPassTuning::overlapPasses), the persistent kernel where it applies, and
// the default path; two rounds, one after the other.
#include <phaseforge/gpu/cuda_engine.h>
#include <phaseforge/gpu/fused_fft.h>
#include <phaseforge/gpu/kernels.h>
#include <phaseforge/problem.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::vector<int> parseList(const std::string& text) {
    std::vector<int> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
        out.push_back(std::stoi(item));
    return out;
}

pf::Problem randomProblem(int n) {
    pf::Problem p;
    p.magnitude = pf::ImageF({n, n});
    std::mt19937 rng{static_cast<unsigned>(n)};
    std::exponential_distribution<float> dist(1.0f);
    for (auto& v : p.magnitude.data)
        v = dist(rng);
    return p;
}

/// A path may be unavailable (a shape the two-pass path does not handle):
/// then its column says why in the log and holds null.
template <class F> double orNan(F f) {
    try {
        return f();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pf_bench_gpu: %s\n", e.what());
        return std::nan("");
    }
}

enum class Path { Default, Stage1, TwoPass, TwoPassPerPass };

std::string number(double v) {
    if (std::isnan(v))
        return "null";
    std::ostringstream s;
    s << v;
    return s.str();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/// Iterations per timed batch: enough for ~20 ms at the expected speed.
int batchFor(long long pixels) {
    if (pixels <= 512LL * 512)
        return 1000;
    if (pixels <= 1024LL * 1024)
        return 500;
    if (pixels <= 2048LL * 2048)
        return 200;
    if (pixels <= 4096LL * 4096)
        return 50;
    return 20;
}

int gBatches = 11; ///< timed batches per measurement (--batches)

/// The engine: GS, `starts` starts, metrics once per batch (as a live run),
/// on the path asked for, with the two-pass tuning given.
double engineMicroseconds(int n, int starts, Path path, pf::TwoPassTuning tuning = {}) {
    const pf::Problem p = randomProblem(n);
    std::vector<pf::InitialGuess> guesses;
    for (int k = 0; k < starts; ++k)
        guesses.push_back(pf::InitialGuess::random(std::uint64_t(k)));
    if (path == Path::TwoPassPerPass)
        tuning.persistent = pf::PersistentKernel::Never;
    const bool twoPass = path == Path::TwoPass || path == Path::TwoPassPerPass;
    pf::gpu::CudaEngine engine;
    engine.setPath(path == Path::Default  ? pf::CudaPath::Automatic
                   : path == Path::Stage1 ? pf::CudaPath::Stage1
                                          : pf::CudaPath::TwoPass);
    engine.setTwoPassTuning(tuning);
    engine.load(p, guesses);
    engine.setMetricsInterval(1 << 30);
    const pf::Step gs{pf::Algorithm::GS, 1.0f};
    const int batch = std::max(20, batchFor((long long)n * n * starts));
    engine.iterate(gs, batch); // warm-up: graphs captured, clocks up
    engine.finish();
    if (twoPass && !engine.twoPassActive())
        throw std::runtime_error("two-pass path: not available for this shape");
    pf::gpu::EventTimer timer;
    std::vector<double> us;
    for (int b = 0; b < gBatches; ++b) {
        timer.start(engine.stream());
        engine.iterate(gs, batch);
        timer.stop(engine.stream());
        us.push_back(1000.0 * timer.elapsedMilliseconds() / batch);
    }
    engine.finish();
    (void)engine.takeMetrics();
    return median(us);
}

/// The bare cuFFT pair on one N x N image: R2C then C2R, 32 pairs per graph.
double bareFftMicroseconds(int n) {
    const pf::Shape shape{n, n};
    pf::gpu::Stream stream;
    void* s = stream.handle();
    pf::gpu::DeviceBuffer<float> image(shape.size());
    pf::gpu::DeviceBuffer<pf::gpu::Complex> spectrum(shape.halfSize());
    const pf::ImageF data = randomProblem(n).magnitude;
    pf::gpu::upload(image.data(), data.data.data(), image.bytes(), s);
    pf::gpu::FftPlans plans;
    plans.prepare(shape, 1);
    constexpr int kPairs = 32;
    pf::gpu::CapturedWork work(s, [&] {
        for (int i = 0; i < kPairs; ++i) {
            plans.r2c(image.data(), spectrum.data(), shape, 1, s);
            plans.c2r(spectrum.data(), image.data(), shape, 1, s);
        }
    });
    const int replays = std::max(1, batchFor((long long)n * n) / kPairs);
    for (int i = 0; i < replays; ++i)
        work.launch(s);
    pf::gpu::EventTimer timer;
    std::vector<double> us;
    for (int b = 0; b < gBatches; ++b) {
        timer.start(s);
        for (int i = 0; i < replays; ++i)
            work.launch(s);
        timer.stop(s);
        us.push_back(1000.0 * timer.elapsedMilliseconds() / (replays * kPairs));
    }
    return median(us);
}

} // namespace

int main(int argc, char** argv) {
    std::vector<int> sizes{256, 512, 1024, 2048, 4096, 8192};
    std::vector<int> starts{1, 8, 64};
    std::string jsonPath;
    bool defaultOnly = false;
    bool sweep = false;
    bool sweepPersistent = false;
    bool compareOverlap = false;
    for (int a = 1; a < argc; ++a) {
        const std::string arg = argv[a];
        if (arg == "--sizes" && a + 1 < argc)
            sizes = parseList(argv[++a]);
        else if (arg == "--starts" && a + 1 < argc)
            starts = parseList(argv[++a]);
        else if (arg == "--default-only")
            defaultOnly = true;
        else if (arg == "--batches" && a + 1 < argc)
            gBatches = std::max(3, std::stoi(argv[++a]));
        else if (arg == "--sweep")
            sweep = true;
        else if (arg == "--sweep-persistent")
            sweepPersistent = true;
        else if (arg == "--compare-overlap")
            compareOverlap = true;
        else if (arg == "--json" && a + 1 < argc)
            jsonPath = argv[++a];
        else {
            std::fprintf(stderr, "pf_bench_gpu: unknown argument '%s'\n"
                                 "usage: pf_bench_gpu [--sizes N,...] [--starts K,...] [--default-only] [--batches B] [--sweep]"
                                 " [--sweep-persistent] [--compare-overlap] [--json FILE]\n",
                         arg.c_str());
            return 2;
        }
    }
    try {
        std::string error;
        if (!pf::gpu::deviceAvailable(&error)) {
            std::fprintf(stderr, "pf_bench_gpu: %s\n", error.c_str());
            return 1;
        }
        if (sweep) {
            for (const int n : sizes) {
                for (const int k : {1, 64}) {
                    if (k > 1 && n != 512)
                        continue;
                    double best = 1e30;
                    std::string bestTile;
                    for (const int r : {1, 2, 4, 8, 16, 32, 64}) {
                        for (const int c : {1, 2, 4, 8, 16}) {
                            const std::string tile = std::to_string(r) + "," + std::to_string(c);
                            pf::TwoPassTuning tuning;
                            tuning.rowsPerBlock = r;
                            tuning.columnsPerTile = c;
                            double us = std::nan("");
                            try {
                                us = engineMicroseconds(n, k, Path::TwoPassPerPass, tuning);
                            } catch (const std::exception&) {
                                continue; // the tile does not fit this size
                            }
                            std::fprintf(stderr, "sweep N=%d K=%d tile %s: %.2f us\n", n, k,
                                         tile.c_str(), us);
                            if (us < best) {
                                best = us;
                                bestTile = tile;
                            }
                        }
                    }
                    const double chosen = engineMicroseconds(n, k, Path::TwoPassPerPass);
                    std::fprintf(stderr, "sweep N=%d K=%d best tile %s: %.2f us; default: %.2f us\n",
                                 n, k, bestTile.c_str(), best, chosen);
                }
            }
            return 0;
        }
        if (compareOverlap) {
            pf::TwoPassTuning plain, persistent;
            plain.overlapPasses = false;
            persistent.persistent = pf::PersistentKernel::Always;
            for (const int n : sizes) {
                for (const int k : starts) {
                    for (int round = 0; round < 2; ++round) {
                        const double a = engineMicroseconds(n, k, Path::TwoPassPerPass, plain);
                        const double b = engineMicroseconds(n, k, Path::TwoPassPerPass);
                        const double c = n > 1024 ? std::nan("") : orNan([&] {
                            return engineMicroseconds(n, k, Path::TwoPass, persistent);
                        });
                        const double d = engineMicroseconds(n, k, Path::Default);
                        std::fprintf(stderr,
                                     "overlap N=%d K=%d per-pass plain %.2f us, overlapped %.2f us"
                                     " (%.3fx); persistent %.2f us; default %.2f us\n",
                                     n, k, a, b, a / b, c, d);
                    }
                }
            }
            return 0;
        }
        if (sweepPersistent) {
            for (const int n : sizes) {
                for (const int k : starts) {
                    double best = 1e30;
                    int bestThreads = 0;
                    for (const int threads : {32, 64, 128, 256, 512}) {
                        pf::TwoPassTuning tuning;
                        tuning.persistent = pf::PersistentKernel::Always;
                        tuning.persistentThreads = threads;
                        double us = std::nan("");
                        try {
                            us = engineMicroseconds(n, k, Path::TwoPass, tuning);
                        } catch (const std::exception&) {
                            continue; // the size does not fit this shape
                        }
                        std::fprintf(stderr, "persistent N=%d K=%d threads %d: %.2f us\n", n, k,
                                     threads, us);
                        if (us < best) {
                            best = us;
                            bestThreads = threads;
                        }
                    }
                    const double chosen = engineMicroseconds(n, k, Path::TwoPass);
                    std::fprintf(stderr,
                                 "persistent N=%d K=%d best threads %d: %.2f us; automatic: %.2f us\n",
                                 n, k, bestThreads, best, chosen);
                }
            }
            return 0;
        }
        std::ostringstream json;
        json << "{\n  \"device\": \"" << pf::gpu::deviceName() << "\",\n  \"single\": [\n";
        const double none = std::nan("");
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            const int n = sizes[i];
            const double def = engineMicroseconds(n, 1, Path::Default);
            const double stage1 = defaultOnly ? none : engineMicroseconds(n, 1, Path::Stage1);
            const double two =
                defaultOnly ? none : orNan([&] { return engineMicroseconds(n, 1, Path::TwoPass); });
            const double perPass = defaultOnly ? none : orNan([&] {
                return engineMicroseconds(n, 1, Path::TwoPassPerPass);
            });
            const double pair = bareFftMicroseconds(n);
            const auto f = pf::gpu::CudaEngine::estimateFootprint({n, n}, 1);
            std::fprintf(stderr,
                         "N=%5d  default %9.2f us/it  stage 1 %9.2f  two-pass %9.2f"
                         " (per-pass kernels %9.2f)  bare cuFFT pair %9.2f us  (default %.2fx the pair)\n",
                         n, def, stage1, two, perPass, pair, def / pair);
            // engine_us is the engine as every front end runs it (the default path).
            json << "    {\"n\": " << n << ", \"engine_us\": " << def
                 << ", \"engine_default_path\": \""
                 << (pf::gpu::twoPassByDefault({n, n}, 1) ? "two-pass" : "stage 1") << "\""
                 << ", \"engine_stage1_us\": " << number(stage1)
                 << ", \"engine_two_pass_us\": " << number(two)
                 << ", \"engine_two_pass_per_pass_us\": " << number(perPass)
                 << ", \"bare_cufft_pair_us\": " << pair << ", \"footprint_bytes\": " << f.total()
                 << "}" << (i + 1 < sizes.size() ? "," : "") << "\n";
        }
        json << "  ],\n  \"multistart\": [\n";
        for (std::size_t i = 0; i < (defaultOnly ? 0 : starts.size()); ++i) {
            const int k = starts[i];
            const double def = engineMicroseconds(512, k, Path::Default);
            const double us = engineMicroseconds(512, k, Path::Stage1);
            const double two = orNan([&] { return engineMicroseconds(512, k, Path::TwoPass); });
            const double perPass =
                orNan([&] { return engineMicroseconds(512, k, Path::TwoPassPerPass); });
            std::fprintf(stderr,
                         "N=512 K=%3d  default %9.2f us (stage 1 %9.2f us, two-pass %9.2f us, per-pass kernels"
                         " %9.2f us) per iteration of all starts\n",
                         k, def, us, two, perPass);
            json << "    {\"n\": 512, \"starts\": " << k << ", \"default_us_per_iteration\": " << def
                 << ", \"default_start_iterations_per_s\": " << k * 1e6 / def
                 << ", \"stage1_us_per_iteration\": " << us
                 << ", \"stage1_start_iterations_per_s\": " << k * 1e6 / us
                 << ", \"two_pass_us_per_iteration\": " << number(two)
                 << ", \"two_pass_start_iterations_per_s\": " << number(k * 1e6 / two)
                 << ", \"two_pass_per_pass_us_per_iteration\": " << number(perPass) << "}"
                 << (i + 1 < starts.size() ? "," : "") << "\n";
        }
        json << "  ]\n}\n";
        if (jsonPath.empty()) {
            std::fputs(json.str().c_str(), stdout);
        } else {
            const std::string tmp = jsonPath + ".tmp";
            FILE* f = std::fopen(tmp.c_str(), "w");
            if (!f) {
                std::fprintf(stderr, "pf_bench_gpu: %s: cannot write\n", tmp.c_str());
                return 1;
            }
            std::fputs(json.str().c_str(), f);
            std::fclose(f);
            std::rename(tmp.c_str(), jsonPath.c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pf_bench_gpu: %s\n", e.what());
        return 1;
    }
    return 0;
}
