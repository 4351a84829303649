// phaseforge-cli simulate IMAGE -o pattern.cxi: a diffraction pattern from a
// picture (or from built-in random blobs), for classrooms, samples and tests.
#include "cli_common.h"
#include "commands.h"

#include <phaseforge/io/formats.h>
#include <phaseforge/io/write.h>
#include <phaseforge/simulate.h>

#include <cmath>
#include <cstdio>
#include <string>

namespace pfcli {

std::string simulateHelp() {
    return std::string(
    "usage: phaseforge-cli simulate IMAGE -o pattern.cxi [options]\n"
    "\n"
    "Places the object IMAGE (a ") + pf::io::formatListText(false) + " file, or blobs:N[:SEED]\n" +
    "for N x N random blobs) in a field `oversampling` times larger and writes |FFT|^2\n"
    "as a centred CXI diffraction pattern. Integer images are scaled to [0, 1].\n"
    "\n"
    "options:\n"
    "  -o, --output FILE.cxi  the pattern (required)\n"
    "  --oversampling F       field size / object size per axis, 1..64 (default 2)\n"
    "  --photons N            total photons for Poisson noise (default 0: noiseless)\n"
    "  --beamstop R           pixels within R of zero frequency are unmeasured (default 0)\n"
    "  --seed S               noise seed (default 1); also the blobs seed\n"
    "  --amplitude            store magnitudes |FFT| instead of intensities\n"
    "  --truth FILE           also write the object placed in the field (.tif: float32,\n"
    "                         .png: 16-bit)\n"
    "  --frame N, --entry N, --dataset PATH   which image of IMAGE to read\n"
    "  --json                 print one JSON object instead of the summary line\n";
}

namespace {

constexpr long long kMaxFieldPixels = 1LL << 26; // 8192 x 8192

pf::ImageF blobsObject(const ArgParser& args, const std::string& spec, std::uint64_t seed) {
    // blobs:N or blobs:N:SEED
    const std::string rest = spec.substr(6);
    const std::size_t colon = rest.find(':');
    const std::string sizeText = rest.substr(0, colon);
    char* end = nullptr;
    const long n = std::strtol(sizeText.c_str(), &end, 10);
    if (sizeText.empty() || *end != '\0' || n < 4 || n > 4096)
        args.usageError("IMAGE 'blobs:N' needs 4 <= N <= 4096, got '" + spec + "'");
    if (colon != std::string::npos) {
        const std::string seedText = rest.substr(colon + 1);
        const unsigned long long s = std::strtoull(seedText.c_str(), &end, 10);
        if (seedText.empty() || *end != '\0') args.usageError("IMAGE 'blobs:N:SEED' has a bad seed");
        seed = s;
    }
    return pf::randomBlobs(pf::Shape{int(n), int(n)}, 12, seed);
}

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

int runSimulate(int argc, char** argv, int first) {
    ArgParser args("simulate");
    for (const char* o : {"-o", "--output", "--oversampling", "--photons", "--beamstop", "--seed",
                          "--truth", "--frame", "--entry", "--dataset"})
        args.option(o);
    args.flag("--amplitude");
    args.flag("--json");
    args.parse(argc, argv, first);
    if (args.positionals().size() != 1) args.usageError("needs exactly one IMAGE");
    const std::string input = args.positionals()[0];
    const std::string output = args.value("-o").value_or(args.value("--output").value_or(""));
    if (output.empty()) args.usageError("needs an output file: -o pattern.cxi");
    checkOutputPath(output);
    if (auto truth = args.value("--truth")) checkOutputPath(*truth);

    pf::SimulationOptions options;
    options.oversampling = args.number("--oversampling", 1.0, 64.0).value_or(2.0);
    options.photons = args.number("--photons", 0.0, 1e18).value_or(0.0);
    options.beamstopRadius = args.number("--beamstop", 0.0, 1e6).value_or(0.0);
    options.seed = std::uint64_t(args.integer("--seed", 0, 9223372036854775807LL).value_or(1));

    std::vector<std::string> notices;
    pf::ImageF object;
    if (input.rfind("blobs:", 0) == 0) {
        object = blobsObject(args, input, options.seed);
    } else {
        pf::io::LoadOptions load;
        if (auto f = args.integer("--frame", 0, 2147483647)) load.frame = int(*f);
        if (auto e = args.integer("--entry", 1, 2147483647)) load.entry = int(*e);
        if (auto d = args.value("--dataset")) load.dataset = *d;
        pf::io::LoadedImage image = withFileCode(kExitInput, [&] { return pf::io::loadImage(input, load); });
        notices = image.notices;
        long long negative = 0;
        for (float v : image.image.data) {
            if (!std::isfinite(v)) throw CliError(kExitInput, input + ": the image holds NaN or Inf values");
            if (v < 0) ++negative;
        }
        if (negative > 0)
            throw CliError(kExitInput, input + ": the image holds " + std::to_string(negative) +
                                           " negative values; an object must be non-negative");
        object = std::move(image.image);
    }
    const double fieldPixels = std::round(object.shape.rows * options.oversampling) *
                               std::round(object.shape.cols * options.oversampling);
    if (fieldPixels > double(kMaxFieldPixels))
        args.usageError("the field would be " + std::to_string(static_cast<long long>(fieldPixels)) +
                        " pixels; keep image size x oversampling within 8192 x 8192");
    pf::Simulation sim;
    try {
        sim = pf::simulate(object, options);
    } catch (const pf::InvalidArgument& e) {
        throw CliError(kExitInput, input + ": " + e.what());
    }
    pf::io::PatternCxiOptions cxi;
    cxi.asIntensity = !args.has("--amplitude");
    cxi.note = "simulated by phaseforge-cli from " + input;
    throwIfInterrupted("before writing");
    withFileCode(kExitOutput, [&] {
        pf::io::writePatternCxi(output, sim.problem.magnitude, sim.problem.measured, cxi);
        if (auto truth = args.value("--truth")) {
            if (endsWith(*truth, ".png"))
                pf::io::writePng(*truth, sim.object, pf::io::SampleType::UInt16);
            else
                pf::io::writeTiff(*truth, sim.object, pf::io::SampleType::Float32);
        }
        return 0;
    });
    const long long unmeasured = sim.problem.measured.empty() ? 0 : [&] {
        long long n = 0;
        for (auto m : sim.problem.measured.data) n += m ? 0 : 1;
        return n;
    }();
    if (args.has("--json")) {
        std::printf("{\"input\": %s, \"output\": %s, \"object_rows\": %d, \"object_cols\": %d, "
                    "\"rows\": %d, \"cols\": %d, \"oversampling\": %s, \"photons\": %s, "
                    "\"beamstop\": %s, \"seed\": %llu, \"unmeasured\": %lld, \"stored\": %s}\n",
                    jsonString(input).c_str(), jsonString(output).c_str(), object.shape.rows,
                    object.shape.cols, sim.problem.magnitude.shape.rows, sim.problem.magnitude.shape.cols,
                    jsonNumber(options.oversampling).c_str(), jsonNumber(options.photons).c_str(),
                    jsonNumber(options.beamstopRadius).c_str(),
                    static_cast<unsigned long long>(options.seed), unmeasured,
                    jsonString(cxi.asIntensity ? "intensity" : "amplitude").c_str());
    } else {
        for (const auto& n : notices) std::fprintf(stderr, "phaseforge-cli: note: %s\n", n.c_str());
        std::printf("%s: %d x %d object -> %d x %d pattern (oversampling %g, %s, beamstop %g px, "
                    "%lld unmeasured) -> %s\n",
                    input.c_str(), object.shape.rows, object.shape.cols, sim.problem.magnitude.shape.rows,
                    sim.problem.magnitude.shape.cols, options.oversampling,
                    options.photons > 0 ? ("Poisson noise, " + std::to_string(static_cast<long long>(options.photons)) + " photons").c_str()
                                        : "noiseless",
                    options.beamstopRadius, unmeasured, output.c_str());
    }
    return kExitOk;
}

} // namespace pfcli
