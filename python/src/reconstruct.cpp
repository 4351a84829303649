// phaseforge.reconstruct(): one call for the whole loop, with the GIL released.
#include "bindings.h"
#include "host_arrays.h"

#include <phaseforge/algorithm.h>
#include <phaseforge/continuation.h>
#include <phaseforge/error.h>
#include <phaseforge/io/load.h>
#include <phaseforge/io/saved_result.h>
#include <phaseforge/reconstruction.h>

#include <pybind11/stl.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <random>

namespace pfpy {

std::vector<pf::InitialGuess> ProblemInputs::guesses() const {
    std::vector<pf::InitialGuess> out;
    for (int j = 0; j < starts; ++j) {
        switch (guess) {
        case pf::InitialGuess::Kind::RandomPhase:
            out.push_back(pf::InitialGuess::random(seed + std::uint64_t(j)));
            break;
        case pf::InitialGuess::Kind::UserPhase:
            out.push_back(pf::InitialGuess::user(userPhase));
            break;
        case pf::InitialGuess::Kind::ZeroPhase:
            out.push_back(pf::InitialGuess::zero());
            break;
        case pf::InitialGuess::Kind::Object:
            throw py::value_error("initial guess: this call does not start from an object");
        }
    }
    return out;
}

std::uint64_t parseSeed(const py::handle& seed) {
    if (!py::isinstance<py::int_>(seed) || py::isinstance<py::bool_>(seed))
        throw py::type_error("seed: expected an int or None");
    const py::int_ value = py::reinterpret_borrow<py::int_>(seed);
    if (value < py::int_(0) || value > py::int_(UINT64_MAX))
        throw py::value_error("seed: must lie in [0, 2**64)");
    return value.cast<std::uint64_t>();
}

ProblemInputs parseProblemInputs(const py::handle& magnitude, const py::handle& support,
                                 const py::handle& mask, const py::handle& initialPhase,
                                 const py::handle& seed, int starts) {
    ProblemInputs in;
    in.problem.magnitude = toImage(magnitude, "magnitude");
    const pf::Shape s = in.problem.shape();
    if (!support.is_none())
        in.problem.support = toMask(support, "support", s);
    if (!mask.is_none())
        in.problem.measured = toMask(mask, "mask", s);
    if (starts < 1)
        throw py::value_error("starts: must be at least 1, got " + std::to_string(starts));
    in.starts = starts;
    if (!initialPhase.is_none()) {
        if (!seed.is_none())
            throw py::value_error("seed: give either initial_phase or seed, not both");
        in.guess = pf::InitialGuess::Kind::UserPhase;
        in.userPhase = toImage(initialPhase, "initial_phase", s);
    } else if (seed.is_none()) {
        // Recorded in the result's parameters, so the run can be replayed.
        std::random_device device;
        in.seed = (std::uint64_t(device()) << 32) ^ std::uint64_t(device());
    } else {
        in.seed = parseSeed(seed);
    }
    // The core checks the rest (NaN, negative magnitudes, empty support, ...).
    in.problem.validate();
    return in;
}

pf::EngineOptions parseEngineOptions(const std::string& engine, int threads,
                                     std::optional<bool> twoPass) {
    pf::EngineOptions options;
    try {
        options.kind = pf::parseEngineKind(engine);
    } catch (const pf::Error&) {
        throw py::value_error("engine: expected 'auto', 'cuda', 'cpu' or 'fftw', got '" + engine +
                              "'");
    }
    options.cpuThreads = threads;
    if (twoPass)
        options.path = *twoPass ? pf::CudaPath::TwoPass : pf::CudaPath::Stage1;
    return options;
}

pf::Algorithm parseAlgorithmName(const std::string& name) {
    pf::Algorithm a;
    if (!pf::parseAlgorithm(name, a))
        throw py::value_error("algorithm: unknown name '" + name + "' (" + pf::algorithmNameList() +
                              ", or a schedule such as 'HIO:200,ER:50')");
    return a;
}

py::dict historyToDict(const std::vector<pf::MetricsRecord>& history) {
    const py::ssize_t n = py::ssize_t(history.size());
    py::array_t<long long> iteration(n), start(n), supportSize(n);
    py::array_t<float> fourier(n), real(n);
    for (py::ssize_t i = 0; i < n; ++i) {
        const pf::MetricsRecord& r = history[std::size_t(i)];
        iteration.mutable_at(i) = r.iteration;
        start.mutable_at(i) = r.start;
        supportSize.mutable_at(i) = r.supportSize;
        fourier.mutable_at(i) = r.fourierError;
        real.mutable_at(i) = r.realError;
    }
    py::dict d;
    d["iteration"] = iteration;
    d["start"] = start;
    d["fourier_error"] = fourier;
    d["real_error"] = real;
    d["support_size"] = supportSize;
    return d;
}

namespace {

void checkBetaArgument(double beta) {
    if (!(beta > pf::kBetaMin && beta <= pf::kBetaMax))
        throw py::value_error("beta: must satisfy 0 < beta <= 1, got " + std::to_string(beta));
}

/// `sw` is the rule to start from (the recipe's, or the plain default).
pf::ShrinkWrap parseShrinkWrap(const py::handle& obj, pf::ShrinkWrap sw) {
    if (obj.is_none() || (py::isinstance<py::bool_>(obj) && !obj.cast<bool>())) {
        sw.enabled = false;
        return sw;
    }
    sw.enabled = true;
    if (py::isinstance<py::bool_>(obj))
        return sw;
    if (!py::isinstance<py::dict>(obj))
        throw py::type_error("shrink_wrap: expected a bool or a dict");
    for (auto item : py::reinterpret_borrow<py::dict>(obj)) {
        const std::string key = py::str(item.first);
        if (key == "every")
            sw.every = item.second.cast<int>();
        else if (key == "sigma_start")
            sw.sigmaStart = item.second.cast<float>();
        else if (key == "sigma_end")
            sw.sigmaEnd = item.second.cast<float>();
        else if (key == "sigma_decay")
            sw.sigmaDecay = item.second.cast<float>();
        else if (key == "threshold")
            sw.threshold = item.second.cast<float>();
        else
            throw py::value_error("shrink_wrap: unknown key '" + key + "'");
    }
    sw.validate();
    return sw;
}

/// continue_from: the saved result's problem (its magnitudes and mask unless
/// `magnitude` is given; its support unless `support` is) and one start from
/// its object; `params` becomes the continuation's parameters.
ProblemInputs continuationInputs(const std::string& path, const py::handle& magnitude,
                                 const py::handle& support, const py::handle& mask,
                                 const py::handle& seed, const py::handle& startsArg,
                                 pf::Parameters& params) {
    pf::io::SavedResult saved;
    pf::io::LoadedPattern loaded;
    {
        py::gil_scoped_release release;
        saved = pf::io::loadSavedResult(path);
        if (magnitude.is_none())
            loaded = pf::io::loadDiffraction(path);
    }
    const pf::Continuation continuation = pf::continuationOf(saved);
    params = continuation.parameters;
    ProblemInputs in;
    if (magnitude.is_none()) {
        if (!mask.is_none())
            throw py::value_error("mask: give it with magnitude; continue_from alone uses the saved mask");
        in.problem = std::move(loaded.problem);
    } else {
        in.problem.magnitude = toImage(magnitude, "magnitude");
        if (!mask.is_none())
            in.problem.measured = toMask(mask, "mask", in.problem.shape());
    }
    in.problem.support = support.is_none() ? continuation.support
                                           : toMask(support, "support", in.problem.shape());
    in.guess = pf::InitialGuess::Kind::Object;
    in.seed = seed.is_none() ? params.seed : parseSeed(seed);
    in.starts = startsArg.is_none() ? params.starts : startsArg.cast<int>();
    in.problem.validate();
    return in;
}

py::dict reconstruct(const py::handle& magnitude, const py::handle& recipe,
                     const py::handle& algorithmArg, const py::handle& iterations,
                     const py::handle& betaArg, const py::handle& support, const py::handle& mask,
                     const py::handle& initialPhase, const py::handle& seed,
                     const py::handle& startsArg, const py::handle& keepArg,
                     const std::string& engine, int threads, const py::handle& metricsEveryArg,
                     const py::handle& shrinkWrap, const py::handle& initialSupportArg,
                     std::optional<bool> twoPass, const py::handle& continueFrom,
                     const py::handle& kicksArg) {
    // The recipe (core's recipeParameters(), as the app and the CLI), the
    // plain loop, or a saved run's parameters (continuationOf, as the CLI's --continue).
    bool useRecipe = true;
    if (recipe.is_none())
        useRecipe = false;
    else if (!py::isinstance<py::str>(recipe) || recipe.cast<std::string>() != "default")
        throw py::value_error("recipe: expected 'default' or None");
    std::string continuedFrom;
    if (!continueFrom.is_none()) {
        continuedFrom = py::str(py::module_::import("os").attr("fspath")(continueFrom));
        if (!useRecipe)
            throw py::value_error("recipe: a continued run takes its defaults from the saved one; "
                                  "give recipe=None or continue_from, not both");
        if (!initialPhase.is_none())
            throw py::value_error("initial_phase: a continued run starts from the saved object; "
                                  "give initial_phase or continue_from, not both");
    } else if (magnitude.is_none()) {
        throw py::type_error("magnitude: required (or continue_from, a saved result)");
    }
    pf::Parameters params = useRecipe ? pf::recipeParameters() : pf::Parameters{};
    const ProblemInputs in =
        continuedFrom.empty()
            ? parseProblemInputs(magnitude, support, mask, initialPhase, seed,
                                 startsArg.is_none() ? params.starts : startsArg.cast<int>())
            : continuationInputs(continuedFrom, magnitude, support, mask, seed, startsArg, params);
    const std::string algorithm = algorithmArg.is_none()
                                      ? (useRecipe ? "" : "GS")
                                      : algorithmArg.cast<std::string>();
    if (algorithm.empty() && iterations.is_none()) {
        // the recipe's (or the saved run's) schedule
    } else if (algorithm.empty()) {
        throw py::value_error("iterations: give an algorithm with it, e.g. algorithm='HIO'");
    } else if (algorithm.find(':') != std::string::npos) {
        if (!iterations.is_none())
            throw py::value_error("iterations: a schedule ('" + algorithm +
                                  "') already gives the counts");
        params.schedule = pf::Schedule::parse(algorithm);
    } else {
        const int count = iterations.is_none() ? 200 : iterations.cast<int>();
        if (count < 1)
            throw py::value_error("iterations: must be at least 1, got " + std::to_string(count));
        params.schedule = pf::Schedule({{parseAlgorithmName(algorithm), count}});
    }
    if (!betaArg.is_none()) {
        const double beta = betaArg.cast<double>();
        checkBetaArgument(beta);
        params.beta = float(beta);
    }
    if (!metricsEveryArg.is_none()) {
        const int metricsEvery = metricsEveryArg.cast<int>();
        if (metricsEvery < 1)
            throw py::value_error("metrics_every: must be at least 1");
        params.metricsEvery = metricsEvery;
    }
    if (!shrinkWrap.is_none())
        params.shrinkWrap = parseShrinkWrap(shrinkWrap, params.shrinkWrap);
    // A support given means "use it", unless the caller names another rule;
    // so does a continued run's saved support.
    std::string initialSupport =
        initialSupportArg.is_none()
            ? (!support.is_none() || !useRecipe || !continuedFrom.empty() ? "problem" : "auto")
            : initialSupportArg.cast<std::string>();
    if (initialSupport == "problem")
        params.initialSupport = pf::InitialSupport::Problem;
    else if (initialSupport == "autocorrelation")
        params.initialSupport = pf::InitialSupport::Autocorrelation;
    else if (initialSupport == "auto")
        params.initialSupport = pf::InitialSupport::Automatic;
    else
        throw py::value_error("initial_support: expected 'auto', 'problem' or 'autocorrelation'");
    params.guess = in.guess;
    params.seed = in.seed;
    if (in.guess == pf::InitialGuess::Kind::UserPhase)
        params.userPhase = in.userPhase;
    params.starts = in.starts;
    params.keep = keepArg.is_none() ? std::min(params.keep, params.starts) : keepArg.cast<int>();
    if (!kicksArg.is_none())
        params.kicks = kicksArg.cast<int>();
    try {
        params.validate();
    } catch (const pf::InvalidArgument& e) {
        throw py::value_error(e.what());
    }
    const pf::EngineOptions options = parseEngineOptions(engine, threads, twoPass);

    pf::Result result;
    std::atomic<bool> interrupted{false};
    {
        py::gil_scoped_release release;
        auto eng = pf::makeEngine(options);
        // Between batches, briefly take the GIL to let Ctrl-C stop the run.
        result = pf::reconstruct(*eng, in.problem, params, [&](long long, long long) {
            py::gil_scoped_acquire acquire;
            if (PyErr_CheckSignals() != 0) {
                interrupted = true;
                return false;
            }
            return true;
        });
    }
    if (interrupted)
        throw py::error_already_set();

    py::dict parameters;
    parameters["schedule"] = params.schedule.toString();
    parameters["iterations"] = params.schedule.totalIterations();
    // As given, else the float β written in its shortest form (0.9, not 0.8999999762).
    char betaText[32];
    *std::to_chars(betaText, betaText + sizeof betaText - 1, params.beta).ptr = '\0';
    parameters["beta"] = betaArg.is_none() ? std::strtod(betaText, nullptr) : betaArg.cast<double>();
    // The seed draws the random phase and the free pixels.
    parameters["seed"] = in.guess == pf::InitialGuess::Kind::UserPhase ? py::object(py::none())
                                                                       : py::object(py::int_(in.seed));
    parameters["initial_guess"] = in.guess == pf::InitialGuess::Kind::UserPhase ? "user"
                                  : in.guess == pf::InitialGuess::Kind::Object  ? "object"
                                                                                : "random";
    parameters["continued_from"] = continuedFrom.empty() ? py::object(py::none())
                                                         : py::object(py::str(continuedFrom));
    parameters["starts"] = params.starts;
    parameters["metrics_every"] = params.metricsEvery;
    parameters["shrink_wrap"] = params.shrinkWrap.enabled;
    parameters["initial_support"] = initialSupport;
    parameters["recipe"] = useRecipe ? py::object(py::str("default")) : py::object(py::none());
    parameters["keep"] = params.keep;
    parameters["free_fraction"] = params.freeFraction;
    parameters["detwin_iterations"] = params.detwinIterations;
    parameters["kicks"] = params.kicks;
    parameters["engine"] = result.engine.name;
    parameters["device"] = result.engine.device;

    py::dict out;
    // The result's memory moves into numpy: no copy of the object or support.
    const pf::Shape shape = result.object.shape;
    out["object"] = toNumpy(std::move(result.object));
    out["support"] = toNumpy(std::move(result.support), shape);
    out["history"] = historyToDict(result.history);
    out["raw_object"] = toNumpy(std::move(result.rawObject));
    out["raw_support"] = toNumpy(std::move(result.rawSupport), shape);
    out["final_errors"] = py::cast(result.finalErrors);
    out["free_errors"] = py::cast(result.freeErrors);
    out["kept"] = py::cast(result.kept);
    py::dict prtf;
    prtf["frequency"] = py::array_t<double>(py::ssize_t(result.prtf.frequency.size()),
                                            result.prtf.frequency.data());
    prtf["value"] = py::array_t<double>(py::ssize_t(result.prtf.value.size()), result.prtf.value.data());
    prtf["resolution"] = result.prtf.resolutionFrequency;
    out["prtf"] = prtf;
    py::dict quality;
    quality["trusted"] = result.quality.trusted;
    quality["warnings"] = py::cast(result.quality.warnings);
    quality["support_fraction"] = result.quality.supportFraction;
    quality["start_spread"] = result.quality.startSpread;
    quality["free_error"] = result.quality.freeError;
    quality["fourier_error"] = result.quality.fourierError;
    quality["noise_floor"] = result.quality.noiseFloor;
    out["quality"] = quality;
    out["best_start"] = result.bestStart;
    out["iterations"] = result.iterations;
    out["kick_rounds"] = result.kickRounds;
    out["parameters"] = parameters;
    return out;
}

} // namespace

void bindReconstruct(py::module_& m) {
    using namespace pybind11::literals;
    m.def("_reconstruct", &reconstruct, "magnitude"_a = py::none(), py::kw_only(), "recipe"_a = "default",
          "algorithm"_a = py::none(), "iterations"_a = py::none(), "beta"_a = py::none(),
          "support"_a = py::none(), "mask"_a = py::none(), "initial_phase"_a = py::none(),
          "seed"_a = py::none(), "starts"_a = py::none(), "keep"_a = py::none(),
          "engine"_a = "auto", "threads"_a = 0, "metrics_every"_a = py::none(),
          "shrink_wrap"_a = py::none(), "initial_support"_a = py::none(), "two_pass"_a = py::none(),
          "continue_from"_a = py::none(), "kicks"_a = py::none(),
          "The whole reconstruction in one call; see phaseforge.reconstruct.");
}

} // namespace pfpy
