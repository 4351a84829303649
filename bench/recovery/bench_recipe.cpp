// pf_bench_recipe CASES.json [--config recipe|old|truth] [--engine auto|cpu|cuda]
//                   [--only NAME] [--starts K]
// Runs each case of the recovery benchmark (made by make_cases.py) and prints
// one JSON line per case: the error after the best shift, twin and positive
// scale, whether it is recovered (error <= the case's bound), the quality
// verdict, and the seconds from the loaded arrays to the result.
#include <phaseforge/analysis.h>
#include <phaseforge/engine_factory.h>
#include <phaseforge/error.h>
#include <phaseforge/io/load.h>
#include <phaseforge/io/write.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/support.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Case {
    std::string name, magnitude, mask, truth;
    double bound = 0.05;
};

// cases.json holds one object per line: {"name": ..., "magnitude": ..., ...}.
std::string field(const std::string& line, const std::string& key) {
    const std::string tag = "\"" + key + "\": ";
    const auto at = line.find(tag);
    if (at == std::string::npos)
        throw pf::InvalidArgument("cases: no '" + key + "' in " + line);
    auto begin = at + tag.size();
    if (line[begin] == '"') {
        const auto end = line.find('"', begin + 1);
        return line.substr(begin + 1, end - begin - 1);
    }
    const auto end = line.find_first_of(",}", begin);
    return line.substr(begin, end - begin);
}

std::vector<Case> readCases(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        throw pf::FileError(path, "cannot open");
    const std::string dir = path.substr(0, path.find_last_of('/') + 1);
    std::vector<Case> cases;
    for (std::string line; std::getline(in, line);) {
        if (line.find('{') == std::string::npos)
            continue;
        Case c;
        c.name = field(line, "name");
        c.magnitude = dir + field(line, "magnitude");
        c.mask = dir + field(line, "mask");
        c.truth = dir + field(line, "truth");
        c.bound = std::stod(field(line, "bound"));
        cases.push_back(c);
    }
    return cases;
}

/// A JSON number, or null for NaN/Inf (the free error without free pixels).
std::string number(double v, const char* format = "%.4f") {
    if (!std::isfinite(v))
        return "null";
    char text[64];
    std::snprintf(text, sizeof text, format, v);
    return text;
}

pf::Mask nonZero(const pf::ImageF& image) {
    pf::Mask m(image.shape);
    for (std::size_t i = 0; i < m.data.size(); ++i)
        m.data[i] = image.data[i] != 0;
    return m;
}

pf::Parameters parametersFor(const std::string& config, pf::Problem& problem, const pf::ImageF& truth) {
    pf::Parameters p = pf::recipeParameters();
    if (config == "old") {
        p.schedule = pf::Schedule::parse("HIO:200,ER:50");
        p.initialSupport = pf::InitialSupport::Autocorrelation;
        p.shrinkWrap = pf::ShrinkWrap{};
        p.shrinkWrap.enabled = true;
        p.starts = 1;
        p.keep = 1;
        p.freeFraction = 0;
        p.detwinIterations = 0;
    } else if (config == "truth") {
        problem.support = nonZero(truth);
        p.initialSupport = pf::InitialSupport::Problem;
        p.shrinkWrap.enabled = false;
        p.detwinIterations = 0;
    } else if (config != "recipe") {
        throw pf::InvalidArgument("--config: expected recipe, old or truth, got '" + config + "'");
    }
    return p;
}

} // namespace

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::fprintf(stderr, "usage: pf_bench_recipe CASES.json [--config recipe|old|truth] "
                             "[--engine auto|cpu|cuda] [--only NAME] [--starts K] [--seed S]\n"
                             "       [--sw-threshold T] [--sw-sigma-end S] [--dump DIR]\n"
                             "       [--kicks N] [--kick-schedule S] [--kick-dark F]\n"
                             "       [--kick-kind phases|half-plane] [--kick-taper F]\n");
        return 2;
    }
    std::string config = "recipe", only;
    pf::EngineOptions engineOptions;
    int starts = 0;
    long long seed = 0;
    float swThreshold = 0, swSigmaEnd = 0, swSigmaStart = 0, beta = 0, acThreshold = 0;
    std::string schedule, dump, kickSchedule;
    int kicks = -1;
    float kickDark = 0, kickTaper = 0;
    std::string kickKind;
    float gentle = -1;
    int keep = 0, perStart = 0, supportStudy = 0, swStarts = -2, detwin = -1, swEvery = 0, fill = -1, dilation = -1;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--config") config = value;
        else if (key == "--engine") engineOptions.kind = pf::parseEngineKind(value);
        else if (key == "--only") only = value;
        else if (key == "--starts") starts = std::stoi(value);
        else if (key == "--seed") seed = std::stoll(value);
        else if (key == "--sw-threshold") swThreshold = std::stof(value);
        else if (key == "--sw-sigma-end") swSigmaEnd = std::stof(value);
        else if (key == "--sw-sigma-start") swSigmaStart = std::stof(value);
        else if (key == "--sw-every") swEvery = std::stoi(value);
        else if (key == "--schedule") schedule = value;
        else if (key == "--beta") beta = std::stof(value);
        else if (key == "--detwin") detwin = std::stoi(value);
        else if (key == "--fill") fill = std::stoi(value);
        else if (key == "--sw-starts") swStarts = std::stoi(value);
        else if (key == "--gentle") gentle = std::stof(value);
        else if (key == "--dilation") dilation = std::stoi(value);
        else if (key == "--support-threshold") acThreshold = std::stof(value);
        else if (key == "--dump") dump = value;
        else if (key == "--kicks") kicks = std::stoi(value);
        else if (key == "--kick-schedule") kickSchedule = value;
        else if (key == "--kick-dark") kickDark = std::stof(value);
        else if (key == "--kick-kind") kickKind = value;
        else if (key == "--kick-taper") kickTaper = std::stof(value);
        else if (key == "--keep") keep = std::stoi(value);
        else if (key == "--per-start") perStart = std::stoi(value);
        else if (key == "--support-study") supportStudy = std::stoi(value);
        else throw pf::InvalidArgument("unknown option " + key);
    }
    auto engine = pf::makeEngine(engineOptions);
    int recovered = 0, total = 0;
    double seconds = 0;
    for (const Case& c : readCases(argv[1])) {
        if (!only.empty() && c.name.find(only) == std::string::npos)
            continue;
        pf::Problem problem;
        problem.magnitude = pf::io::loadImage(c.magnitude).image;
        problem.measured = nonZero(pf::io::loadImage(c.mask).image);
        const pf::ImageF truth = pf::io::loadImage(c.truth).image;
        pf::Parameters p = parametersFor(config, problem, truth);
        p.seed = std::uint64_t(seed);
        if (swThreshold > 0) p.shrinkWrap.threshold = swThreshold;
        if (swSigmaEnd > 0) p.shrinkWrap.sigmaEnd = swSigmaEnd;
        if (swSigmaStart > 0) p.shrinkWrap.sigmaStart = swSigmaStart;
        if (swEvery > 0) p.shrinkWrap.every = swEvery;
        if (!schedule.empty()) p.schedule = pf::Schedule::parse(schedule);
        if (beta > 0) p.beta = beta;
        if (detwin >= 0) p.detwinIterations = detwin;
        if (fill >= 0) p.autoSupport.fillIterations = fill;
        if (swStarts >= -1) p.shrinkWrapStarts = swStarts;
        if (gentle >= 0) p.gentleThreshold = gentle;
        if (dilation >= 0) p.autoSupport.dilation = dilation;
        if (acThreshold > 0) p.autoSupport.threshold = acThreshold;
        if (kicks >= 0) p.kicks = kicks;
        if (!kickSchedule.empty()) p.kickSchedule = pf::Schedule::parse(kickSchedule);
        if (kickDark > 0) p.kickDark = kickDark;
        if (kickTaper > 0) p.kickTaper = kickTaper;
        if (kickKind == "half-plane") p.kickKind = pf::Parameters::KickKind::HalfPlane;
        else if (kickKind == "phases") p.kickKind = pf::Parameters::KickKind::Phases;
        else if (!kickKind.empty()) throw pf::InvalidArgument("--kick-kind: expected phases or half-plane");
        if (starts > 0) {
            p.starts = starts;
            p.keep = std::min(p.keep, starts);
        }
        if (keep > 0)
            p.keep = std::min(keep, p.starts);
        if (supportStudy) { // the automatic support against its fill iterations
            pf::AutoSupport rule = p.autoSupport;
            rule.fillIterations = 100;
            const pf::Mask reference = pf::estimateSupport(problem, rule);
            std::printf("%s support %lld:", c.name.c_str(), (long long)pf::countOnes(reference));
            for (int fills : {0, 10, 20, 30, 50}) {
                rule.fillIterations = fills;
                const auto a = std::chrono::steady_clock::now();
                const pf::Mask m = pf::estimateSupport(problem, rule);
                const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
                long long differ = 0;
                for (std::size_t i = 0; i < m.data.size(); ++i)
                    differ += m.data[i] != reference.data[i];
                std::printf("  fill %d: %lld differ (%.3f s)", fills, differ, t);
            }
            std::printf("\n");
            continue;
        }
        const auto t0 = std::chrono::steady_clock::now();
        pf::Reconstruction run(*engine, problem, p);
        const auto t1 = std::chrono::steady_clock::now();
        while (!run.done()) // a stalled run adds its kicks at the schedule's end
            run.advance(run.totalIterations());
        engine->finish();
        const auto t2 = std::chrono::steady_clock::now();
        const pf::Result r = run.result();
        const auto t3 = std::chrono::steady_clock::now();
        const double s = std::chrono::duration<double>(t3 - t0).count();
        auto between = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
        if (perStart) { // each start's own answer against the truth, and how it ranked
            pf::ImageF o(truth.shape);
            pf::Mask support;
            for (int k = 0; k < engine->startCount(); ++k) {
                engine->readObject(k, o.data);
                engine->readSupport(k, support);
                std::printf("  start %2d: error %.3f free %.4f fourier %.4f support %lld%s\n", k,
                            pf::errorAfterAlignment(o, truth), r.freeErrors[std::size_t(k)],
                            r.finalErrors[std::size_t(k)], (long long)pf::countOnes(support),
                            k == r.bestStart ? " best" : "");
                if (perStart > 1) { // its Fourier error and support size every 20 iterations
                    std::printf("   ");
                    for (const pf::MetricsRecord& m : run.history())
                        if (m.start == k && m.iteration % 20 == 0)
                            std::printf(" %.3f/%lld", m.fourierError, m.supportSize);
                    std::printf("\n");
                }
            }
        }
        const double error = pf::errorAfterAlignment(r.object, truth);
        if (!dump.empty())
            pf::io::writeTiff(dump + "/" + c.name + "-" + config + ".tiff", r.object);
        const bool ok = error <= c.bound;
        recovered += ok;
        ++total;
        seconds += s;
        std::printf("{\"case\": \"%s\", \"config\": \"%s\", \"engine\": \"%s\", \"error\": %.4f, "
                    "\"bound\": %.2f, \"recovered\": %s, \"trusted\": %s, \"warnings\": %zu, "
                    "\"free_error\": %s, \"support_fraction\": %.3f, \"kept\": %zu, "
                    "\"resolution\": %.3f, \"seconds\": %.2f, \"prepare_s\": %.3f, \"iterate_s\": %.3f, "
                    "\"result_s\": %.3f, \"kick_rounds\": %d, \"noise_floor\": %s}\n",
                    c.name.c_str(), config.c_str(), r.engine.name.c_str(), error, c.bound,
                    ok ? "true" : "false", r.quality.trusted ? "true" : "false",
                    r.quality.warnings.size(), number(r.quality.freeError).c_str(), r.quality.supportFraction,
                    r.kept.size(), r.prtf.resolutionFrequency, s, between(t0, t1), between(t1, t2),
                    between(t2, t3), r.kickRounds, number(r.quality.noiseFloor).c_str());
        std::fflush(stdout);
    }
    std::printf("{\"summary\": true, \"config\": \"%s\", \"recovered\": %d, \"total\": %d, "
                "\"seconds\": %.1f}\n",
                config.c_str(), recovered, total, seconds);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "pf_bench_recipe: %s\n", e.what());
    return 1;
}
