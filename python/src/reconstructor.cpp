// phaseforge.Reconstructor: one call per iteration. It owns an Engine loaded
// with one problem; iterate(n) runs n iterations of the current step.
#include "bindings.h"
#include "device_array.h"
#include "host_arrays.h"

#include <phaseforge/algorithm.h>
#include <phaseforge/engine.h>

#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <mutex>

namespace pfpy {

namespace {

class Reconstructor {
public:
    Reconstructor(const py::handle& magnitude, const std::string& algorithm, double beta,
                  const py::handle& support, const py::handle& mask,
                  const py::handle& initialPhase, const py::handle& seed, int starts,
                  const std::string& engine, int threads, int metricsEvery, std::optional<bool> twoPass)
        : m_inputs(parseProblemInputs(magnitude, support, mask, initialPhase, seed, starts)) {
        m_step.algorithm = parseAlgorithmName(algorithm);
        setBeta(beta);
        if (metricsEvery < 1)
            throw py::value_error("metrics_every: must be at least 1");
        const pf::EngineOptions options = parseEngineOptions(engine, threads, twoPass);
        const std::vector<pf::InitialGuess> guesses = m_inputs.guesses();
        py::gil_scoped_release release;
        m_engine = pf::makeEngine(options);
        m_engine->load(m_inputs.problem, guesses);
        m_engine->setMetricsInterval(metricsEvery);
    }

    void iterate(int n, const py::handle& metrics) {
        if (n < 0)
            throw py::value_error("n: must be >= 0, got " + std::to_string(n));
        const pf::Engine::MetricsRecording recording = parseRecording(metrics);
        if (n == 0)
            return;
        py::gil_scoped_release release;
        // After the GIL is gone, so that two Python threads cannot deadlock here.
        std::lock_guard lock(m_mutex);
        m_engine->setMetricsRecording(recording);
        m_engine->iterate(m_step, n);
    }

    void setStep(const py::handle& algorithm, const py::handle& beta) {
        if (!algorithm.is_none())
            m_step.algorithm = parseAlgorithmName(py::str(algorithm).cast<std::string>());
        if (!beta.is_none())
            setBeta(beta.cast<double>());
    }

    /// Waits until the engine's queued work has finished (no copy).
    void finish() {
        py::gil_scoped_release release;
        std::lock_guard lock(m_mutex);
        m_engine->finish();
    }

    /// Runs n iterations as n separate engine calls, all in C++ (the native
    /// twin of a Python loop of iterate(1), for the bindings report).
    double nativeLoop(int n, const py::handle& metrics) {
        const pf::Engine::MetricsRecording recording = parseRecording(metrics);
        py::gil_scoped_release release;
        std::lock_guard lock(m_mutex);
        m_engine->setMetricsRecording(recording);
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < n; ++i)
            m_engine->iterate(m_step, 1);
        m_engine->finish();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }

    py::dict step() const {
        py::dict d;
        d["algorithm"] = std::string(pf::algorithmName(m_step.algorithm));
        d["beta"] = m_step.beta;
        return d;
    }

    /// Every record so far (never waits for the device: a GPU engine returns
    /// what has arrived).
    py::dict metrics() {
        {
            py::gil_scoped_release release;
            std::lock_guard lock(m_mutex);
            std::vector<pf::MetricsRecord> fresh = m_engine->takeMetrics();
            m_history.insert(m_history.end(), fresh.begin(), fresh.end());
        }
        return historyToDict(m_history);
    }

    /// Host copies; `object` applies the constraints, `iterate_` is g itself.
    py::array_t<float> readImage(int start, bool object) {
        checkStart(start);
        pf::ImageF image(m_engine->shape());
        {
            py::gil_scoped_release release;
            std::lock_guard lock(m_mutex);
            if (object)
                m_engine->readObject(start, image.data);
            else
                m_engine->readIterate(start, image.data);
        }
        return toNumpy(image);
    }

    py::array_t<bool> readSupport(int start) {
        checkStart(start);
        pf::Mask mask;
        {
            py::gil_scoped_release release;
            std::lock_guard lock(m_mutex);
            m_engine->readSupport(start, mask);
        }
        return toNumpy(mask, m_engine->shape());
    }

    pf::Engine& engine() { return *m_engine; }
    int starts() const { return m_engine->startCount(); }
    long long iteration() const { return m_engine->iteration(); }
    py::tuple shape() const { return py::make_tuple(m_engine->shape().rows, m_engine->shape().cols); }
    std::string engineName() const { return m_engine->info().name; }
    std::string deviceName() const { return m_engine->info().device; }
    py::object seed() const {
        if (m_inputs.guess != pf::InitialGuess::Kind::RandomPhase)
            return py::none();
        return py::int_(m_inputs.seed);
    }

    void checkStart(int start) const {
        if (start < 0 || start >= m_engine->startCount())
            throw py::value_error("start: " + std::to_string(start) + " is not in [0, " +
                                  std::to_string(m_engine->startCount()) + ")");
    }

private:
    /// iterate()'s `metrics`: True (records at the interval and at the call's
    /// end), False (none) or "interval" (at multiples of metrics_every only).
    static pf::Engine::MetricsRecording parseRecording(const py::handle& metrics) {
        using R = pf::Engine::MetricsRecording;
        if (py::isinstance<py::bool_>(metrics))
            return metrics.cast<bool>() ? R::IntervalAndCallEnd : R::Off;
        if (py::isinstance<py::str>(metrics) && metrics.cast<std::string>() == "interval")
            return R::IntervalOnly;
        throw py::value_error("metrics: expected True, False or 'interval', got " +
                              py::repr(metrics).cast<std::string>());
    }

    void setBeta(double beta) {
        if (!(beta > pf::kBetaMin && beta <= pf::kBetaMax))
            throw py::value_error("beta: must satisfy 0 < beta <= 1, got " +
                                  std::to_string(beta));
        m_step.beta = float(beta);
    }

    ProblemInputs m_inputs;
    pf::Step m_step;
    std::unique_ptr<pf::Engine> m_engine;
    std::vector<pf::MetricsRecord> m_history;
    std::mutex m_mutex; // one thread drives the engine at a time
};

} // namespace

void bindReconstructor(py::module_& m) {
    using namespace pybind11::literals;
    // The rules come from the algorithm table, like every help text.
    static const std::string doc = R"doc(
One call per iteration. Holds an engine loaded with one problem.

    r = phaseforge.Reconstructor(magnitude, algorithm="HIO", beta=0.9, support=s, seed=1)
    r.iterate(200); r.set_step(algorithm="ER"); r.iterate(50)
    obj = r.object          # explicit host copy

algorithm (and set_step's) is one of these rules (g: the current iterate, g':
the Fourier projection's output; a pixel violates outside the support or where
g' < 0):
)doc" + pf::algorithmHelp("    ");
    py::class_<Reconstructor>(m, "Reconstructor", doc.c_str())
        .def(py::init<const py::handle&, const std::string&, double, const py::handle&,
                      const py::handle&, const py::handle&, const py::handle&, int,
                      const std::string&, int, int, std::optional<bool>>(),
             "magnitude"_a, py::kw_only(), "algorithm"_a = "GS", "beta"_a = 0.9,
             "support"_a = py::none(), "mask"_a = py::none(), "initial_phase"_a = py::none(),
             "seed"_a = py::none(), "starts"_a = 1, "engine"_a = "auto", "threads"_a = 0,
             "metrics_every"_a = 1, "two_pass"_a = py::none())
        .def("iterate", &Reconstructor::iterate, "n"_a = 1, py::kw_only(), "metrics"_a = true,
             R"doc(Runs n iterations of the current step (GIL released).

metrics=True records the errors every metrics_every iterations and at the
last iteration of this call; metrics=False records none in this call;
metrics="interval" records only at multiples of metrics_every. A record costs
the CUDA engine one small asynchronous device-to-host copy, so a loop of
iterate(metrics=False) (or "interval" with a long metrics_every) makes no
host-device copy and no allocation per call.)doc")
        .def("set_step", &Reconstructor::setStep, py::kw_only(), "algorithm"_a = py::none(),
             "beta"_a = py::none(), "Changes the rule and/or beta from the next iteration on.")
        .def_property_readonly("step", &Reconstructor::step)
        .def("finish", &Reconstructor::finish, "Waits until queued device work has finished.")
        .def("_native_loop", &Reconstructor::nativeLoop, "n"_a, py::kw_only(), "metrics"_a = true,
             "n iterate(1) calls made from C++, then finish(); returns seconds (benchmarks).")
        .def("metrics", &Reconstructor::metrics,
             "Every metrics record so far, as a dict of numpy arrays.")
        .def_property_readonly(
            "object", [](Reconstructor& r) { return r.readImage(0, true); },
            "Host copy of start 0's object estimate (g where it meets the constraints, else 0).")
        .def("read_object", [](Reconstructor& r, int start) { return r.readImage(start, true); },
             "start"_a = 0)
        .def("read_iterate", [](Reconstructor& r, int start) { return r.readImage(start, false); },
             "start"_a = 0, "Host copy of the raw iterate g of one start.")
        .def_property_readonly("support", [](Reconstructor& r) { return r.readSupport(0); })
        .def_property_readonly(
            "device_object",
            [](py::object self) {
                Reconstructor& r = self.cast<Reconstructor&>();
                return engineDeviceView(r.engine(), 0, self, "device_object");
            },
            "Zero-copy device view of start 0's iterate g (CUDA engine only). It keeps the "
            "Reconstructor alive.")
        .def_property_readonly("iteration", &Reconstructor::iteration)
        .def_property_readonly("starts", &Reconstructor::starts)
        .def_property_readonly("shape", &Reconstructor::shape)
        .def_property_readonly("engine", &Reconstructor::engineName)
        .def_property_readonly("device", &Reconstructor::deviceName)
        .def_property_readonly("seed", &Reconstructor::seed);
}

} // namespace pfpy
