// phaseforge-cli reconstruct FILE -o OUT.cxi [...]: the whole schedule on one
// engine, a progress display, then the CXI result (and optional images).
#include "cli_common.h"
#include "commands.h"
#include "progress.h"

#include <phaseforge/continuation.h>
#include <phaseforge/engine_factory.h>
#include <phaseforge/io/formats.h>
#include <phaseforge/io/write.h>
#include <phaseforge/reconstruction.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace pfcli {

std::string reconstructHelp() {
    return std::string(
    "usage: phaseforge-cli reconstruct FILE -o OUT.cxi [options]\n"
    "\n"
    "Recovers the object from the diffraction pattern in FILE and writes it, with\n"
    "its support, the mask, the error history and every parameter, to OUT.cxi.\n"
    "\n"
    "The defaults are the recipe shared with the app and Python (docs/algorithms.md,\n"
    "'The default recipe'): automatic support, detwinning, shrink-wrap, 16 starts\n"
    "ranked by their free error, the best 4 aligned and averaged, centred; a run\n"
    "that stalls (free error above 1.5 times the photon-noise floor) gets 16\n"
    "rounds of half-plane kicks out of stagnation.\n"
    "\n"
    "options:\n"
    "  -o, --output OUT.cxi   the result (required)\n"
    "  --algorithm SCHEDULE   e.g. 'HIO:600,ER:200' or '(HIO:50,ER:10)*5'\n"
    "                         (default HIO:600,ER:200; the algorithms are below)\n"
    "  --beta B               feedback 0 < B <= 1 (default 0.9)\n"
    "  --support SPEC         auto[:T]  automatic: the autocorrelation with the unmeasured\n"
    "                                   centre filled in, threshold T (default auto:0.04)\n"
    "                         autocorrelation[:T]  the plain autocorrelation support\n"
    "                         none      the whole field (positivity only)\n"
    "                         FILE      an image; non-zero pixels are the support\n"
    "  --shrink-wrap on|off   refine the support every 20 iterations (default on)\n"
    "  --seed S               random phase seed; start j uses S + j (default 0)\n"
    "  --starts K             independent starts, ranked by free error (default 8)\n"
    "  --keep M               the best M starts are aligned and averaged (default 4)\n"
    "  --kicks N              rounds of kicks when the run stalls (default 16; 0 = off)\n"
    "  --engine auto|cuda|cpu (default auto: CUDA when a device is usable)\n"
    "  --threads N            CPU engine threads (default: all)\n"
    "  --two-pass             CUDA engine: force the two-pass iteration (its own FFTs;\n"
    "                         rows and cols powers of two in 64..8192). By default the\n"
    "                         engine picks it where it is faster (all such shapes)\n"
    "  --stage1               CUDA engine: force the library-FFT iteration (stage 1)\n"
    "  --png OUT.png          also export the object as 16-bit PNG (centred)\n"
    "  --tiff OUT.tiff        also export the object as float32 TIFF (centred)\n"
    "  --continue             FILE is a result saved by PhaseForge: go on from its\n"
    "                         object (the best start as the engine left it) and its\n"
    "                         support, with its parameters as the defaults (one start,\n"
    "                         no detwinning, shrink-wrap where it stopped); the options\n"
    "                         given override them. OUT.cxi names FILE as its source\n"
    "  --json                 print one JSON object instead of the summary line\n"
    "  --quiet                no progress display\n"
    "  and the reading options of 'phaseforge-cli info --help'\n"
    "\n"
    "FILE is ") + pf::io::formatListText() + ".\n\n" +
    "algorithms (g: the current iterate, g': the Fourier projection's output; a pixel\n"
    "violates outside the support or where g' < 0):\n" + pf::algorithmHelp("  ");
}

namespace {

/// The options given, applied to `p` (the recipe, or a continuation's parameters).
pf::Parameters parametersFrom(const ArgParser& args, pf::Parameters p, pf::Problem& problem,
                              std::vector<std::string>& notices) {
    try {
        if (auto s = args.value("--algorithm")) p.schedule = pf::Schedule::parse(*s);
    } catch (const pf::InvalidArgument& e) {
        args.usageError(std::string("--algorithm: ") + e.what());
    }
    if (auto b = args.number("--beta", 0.0, 1.0)) {
        if (!(*b > 0)) args.usageError("option '--beta' must satisfy 0 < B <= 1");
        p.beta = float(*b);
    }
    if (auto s = args.integer("--seed", 0, 9223372036854775807LL)) p.seed = std::uint64_t(*s);
    if (auto k = args.integer("--starts", 1, 256)) {
        p.starts = int(*k);
        p.keep = std::min(p.keep, p.starts);
    }
    if (auto k = args.integer("--keep", 1, 256)) p.keep = int(*k);
    if (auto k = args.integer("--kicks", 0, 1000)) p.kicks = int(*k);

    // Without --support the starting parameters' rule stands (the recipe's
    // automatic support, or the saved support of a continued run).
    const std::string support = args.value("--support").value_or("");
    // "auto:T" and "autocorrelation:T": the threshold after the colon.
    auto thresholdAfter = [&](std::size_t at) {
        char* end = nullptr;
        const double t = std::strtod(support.c_str() + at, &end);
        if (*end != '\0' || !(t > 0 && t < 1))
            args.usageError("--support " + support.substr(0, at) + "T needs 0 < T < 1, got '" +
                            support + "'");
        return float(t);
    };
    if (support.empty()) {
    } else if (support == "none") {
        p.initialSupport = pf::InitialSupport::Problem;
        problem.support = pf::Mask{};
    } else if (support == "auto" || support.rfind("auto:", 0) == 0) {
        p.initialSupport = pf::InitialSupport::Automatic;
        if (support.size() > 5) p.autoSupport.threshold = thresholdAfter(5);
    } else if (support == "autocorrelation" || support.rfind("autocorrelation:", 0) == 0) {
        p.initialSupport = pf::InitialSupport::Autocorrelation;
        if (support.size() > 16) p.autocorrelationThreshold = thresholdAfter(16);
    } else {
        const pf::io::LoadedImage image =
            withFileCode(kExitInput, [&] {
                pf::io::LoadOptions options;
                options.interrupt = &interruptFlag();
                return pf::io::loadImage(support, options);
            });
        if (!(image.image.shape == problem.shape()))
            throw CliError(kExitInput, support + ": the support image is " + image.image.shape.toString() +
                                           " but the pattern is " + problem.shape().toString());
        problem.support = pf::Mask(image.image.shape, 0);
        for (std::size_t i = 0; i < image.image.data.size(); ++i)
            problem.support.data[i] = image.image.data[i] > 0 ? 1 : 0;
        p.initialSupport = pf::InitialSupport::Problem;
        notices.push_back("support read from " + support);
    }
    if (auto shrink = args.value("--shrink-wrap")) {
        if (*shrink != "on" && *shrink != "off") args.usageError("--shrink-wrap takes 'on' or 'off'");
        p.shrinkWrap.enabled = *shrink == "on";
    }
    try {
        p.validate();
    } catch (const pf::InvalidArgument& e) {
        args.usageError(e.what());
    }
    return p;
}

std::string commandLine(int argc, char** argv) {
    std::string s;
    for (int i = 0; i < argc; ++i) {
        if (i) s.push_back(' ');
        s.append(argv[i]);
    }
    return s;
}

} // namespace

int runReconstruct(int argc, char** argv, int first) {
    ArgParser args("reconstruct");
    addLoadOptions(args);
    for (const char* o : {"-o", "--output", "--algorithm", "--beta", "--support", "--shrink-wrap",
                          "--seed", "--starts", "--keep", "--kicks", "--engine", "--threads", "--png", "--tiff"})
        args.option(o);
    args.flag("--json");
    args.flag("--quiet");
    args.flag("--two-pass");
    args.flag("--stage1");
    args.flag("--continue");
    args.parse(argc, argv, first);
    if (args.positionals().size() != 1) args.usageError("needs exactly one input FILE");
    const std::string input = args.positionals()[0];
    std::string output = args.value("-o").value_or(args.value("--output").value_or(""));
    if (output.empty()) args.usageError("needs an output file: -o OUT.cxi");
    const bool json = args.has("--json");
    // Refuse unwritable outputs now rather than after a long reconstruction.
    checkOutputPath(output);
    for (const char* extra : {"--png", "--tiff"})
        if (auto path = args.value(extra)) checkOutputPath(*path);

    pf::EngineOptions engineOptions;
    try {
        engineOptions.kind = pf::parseEngineKind(args.value("--engine").value_or("auto"));
    } catch (const pf::InvalidArgument& e) {
        args.usageError(e.what());
    }
    if (auto t = args.integer("--threads", 1, 1024)) engineOptions.cpuThreads = int(*t);
    if (args.has("--two-pass") && args.has("--stage1"))
        args.usageError("--two-pass and --stage1 exclude each other");
    if (args.has("--two-pass")) engineOptions.path = pf::CudaPath::TwoPass;
    if (args.has("--stage1")) engineOptions.path = pf::CudaPath::Stage1;

    const pf::io::LoadOptions loadOptions = loadOptionsFrom(args);
    pf::io::LoadedPattern pattern =
        withFileCode(kExitInput, [&] { return pf::io::loadDiffraction(input, loadOptions); });
    std::vector<std::string> notices = pattern.notices;
    pf::Parameters start = pf::recipeParameters();
    std::string continuedFrom;
    if (args.has("--continue")) {
        const pf::Continuation continuation = withFileCode(kExitInput, [&] {
            return pf::continuationOf(pf::io::loadSavedResult(input, loadOptions));
        });
        start = continuation.parameters;
        pattern.problem.support = continuation.support;
        continuedFrom = continuation.source;
        notices.insert(notices.end(), continuation.notices.begin(), continuation.notices.end());
        notices.push_back("continuing " + continuation.source + " after its " +
                          std::to_string(continuation.previousIterations) + " iterations");
    }
    const pf::Parameters params = parametersFrom(args, std::move(start), pattern.problem, notices);
    const std::string inputFile = pattern.info.path;
    const std::string inputHash = withFileCode(kExitInput, [&] { return pf::io::sha256File(inputFile); });
    throwIfInterrupted("while reading " + input);
    if (!json)
        for (const auto& n : notices) std::fprintf(stderr, "phaseforge-cli: note: %s\n", n.c_str());

    const auto started = std::chrono::steady_clock::now();
    pf::Result result;
    try {
        std::unique_ptr<pf::Engine> engine = pf::makeEngine(engineOptions);
        if (engineOptions.path != pf::CudaPath::Automatic && engine->info().name == "fftw") {
            notices.push_back(std::string(args.has("--two-pass") ? "--two-pass" : "--stage1") +
                              " applies to the CUDA engine only; FFTW runs this");
            if (!json) std::fprintf(stderr, "phaseforge-cli: note: %s\n", notices.back().c_str());
        }
        pf::Reconstruction rec(*engine, pattern.problem, params);
        const long long total = rec.totalIterations();
        const long long batch = std::clamp<long long>(total / 100, 1, 50);
        Progress progress(total, !json && !args.has("--quiet"));
        while (!rec.done()) {
            rec.advance(batch);
            const auto& history = rec.history();
            const double error = history.empty() ? 0.0 : history.back().fourierError;
            const long long at = std::max(0LL, rec.iteration() - 1);
            progress.update(rec.iteration(), rec.totalIterations(),
                            std::string(pf::algorithmName(rec.algorithmAt(at))), error);
            if (interrupted()) {
                progress.finish();
                throw CliError(kExitInterrupted, "phaseforge-cli: interrupted at iteration " +
                                                     std::to_string(rec.iteration()) + "; nothing was written");
            }
        }
        progress.finish();
        result = rec.result();
    } catch (const pf::InvalidArgument& e) {
        throw CliError(kExitInput, input + ": " + e.what());
    } catch (const pf::EngineError& e) {
        throw CliError(kExitEngine, std::string("phaseforge-cli: ") + e.what());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    pf::io::Provenance provenance{input, inputHash, commandLine(argc, argv), continuedFrom};
    withFileCode(kExitOutput, [&] {
        pf::io::writeResultCxi(output, result, params, pattern.problem, provenance);
        if (auto png = args.value("--png"))
            pf::io::writePng(*png, result.object, pf::io::SampleType::UInt16);
        if (auto tiff = args.value("--tiff"))
            pf::io::writeTiff(*tiff, result.object, pf::io::SampleType::Float32);
        return 0;
    });

    const float finalError = result.finalErrors.empty() ? 0.0f : result.finalErrors[std::size_t(result.bestStart)];
    if (json) {
        std::string errors = "[";
        for (std::size_t k = 0; k < result.finalErrors.size(); ++k)
            errors += (k ? ", " : "") + jsonNumber(result.finalErrors[k]);
        errors += "]";
        std::string warningList = "[";
        for (std::size_t k = 0; k < result.quality.warnings.size(); ++k)
            warningList += (k ? ", " : "") + jsonString(result.quality.warnings[k]);
        warningList += "]";
        std::string noticeList = "[";
        for (std::size_t k = 0; k < notices.size(); ++k)
            noticeList += (k ? ", " : "") + jsonString(notices[k]);
        noticeList += "]";
        std::printf("{\"input\": %s, \"input_sha256\": %s, \"output\": %s, \"rows\": %d, \"cols\": %d, "
                    "\"schedule\": %s, \"beta\": %s, \"seed\": %llu, \"starts\": %d, \"engine\": %s, "
                    "\"device\": %s, \"iterations\": %lld, \"best_start\": %d, \"fourier_error\": %s, "
                    "\"final_errors\": %s, \"support_size\": %lld, \"seconds\": %s, \"notices\": %s, "
                    "\"free_error\": %s, \"kept\": %zu, \"resolution_cycles_per_pixel\": %s, "
                    "\"trusted\": %s, \"warnings\": %s, \"kick_rounds\": %d}\n",
                    jsonString(input).c_str(), jsonString(inputHash).c_str(), jsonString(output).c_str(),
                    result.object.shape.rows, result.object.shape.cols,
                    jsonString(params.schedule.toString()).c_str(), jsonNumber(params.beta).c_str(),
                    static_cast<unsigned long long>(params.seed), params.starts,
                    jsonString(result.engine.name).c_str(), jsonString(result.engine.device).c_str(),
                    result.iterations, result.bestStart, jsonNumber(finalError).c_str(), errors.c_str(),
                    static_cast<long long>(result.history.empty() ? 0 : result.history.back().supportSize),
                    jsonNumber(seconds).c_str(), noticeList.c_str(),
                    jsonNumber(result.quality.freeError).c_str(), result.kept.size(),
                    jsonNumber(result.prtf.resolutionFrequency).c_str(),
                    result.quality.trusted ? "true" : "false", warningList.c_str(), result.kickRounds);
    } else {
        std::printf("%s: %lld iterations of %s on %s (%s) in %.2f s, Fourier error %.4g%s -> %s\n",
                    input.c_str(), result.iterations, params.schedule.toString().c_str(),
                    result.engine.name.c_str(), result.engine.device.c_str(), seconds, finalError,
                    params.starts > 1 ? (" (best of " + std::to_string(params.starts) + " starts)").c_str() : "",
                    output.c_str());
        // Details and warnings go to stderr, beside the notes: stdout keeps one line.
        if (params.starts > 1)
            std::fprintf(stderr,
                         "phaseforge-cli: %zu of %d starts averaged; free error %.4g; PRTF resolution "
                         "%.3g cycles/pixel (half-period %.2g px)\n",
                         result.kept.size(), params.starts, result.quality.freeError,
                         result.prtf.resolutionFrequency, 0.5 / result.prtf.resolutionFrequency);
        if (result.kickRounds > 0)
            std::fprintf(stderr, "phaseforge-cli: the run stalled; %d rounds of kicks out of stagnation ran\n",
                         result.kickRounds);
        for (const auto& w : result.quality.warnings)
            std::fprintf(stderr, "phaseforge-cli: warning: %s: do not trust this result without checking\n",
                         w.c_str());
    }
    return kExitOk;
}

} // namespace pfcli
