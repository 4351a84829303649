// phaseforge._phaseforge._bench: what bench/python/make_report.py needs to
// split the cost of a call (dispatch, argument conversion, launch) and to time
// the same work natively in C++, in the same process and on the same buffers.
// Not part of the public API.
#include "bindings.h"
#include "device_array.h"
#include "host_arrays.h"
#include "kernels.h"

#include <phaseforge/engine_factory.h>
#include <phaseforge/reconstruction.h>

#ifdef PF_PYTHON_WITH_GPU
#include <phaseforge/gpu/cuda_engine.h>
#include <phaseforge/gpu/kernels.h>
#endif

#include <chrono>

namespace pfpy {

namespace {

double seconds(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

void bindBenchHooks(py::module_& m) {
    using namespace pybind11::literals;
    py::module_ b = m.def_submodule("_bench", "Timing hooks for bench/python (not public API).");

    // The empty call: pybind11's dispatch alone.
    b.def("noop", [] {});
    // A trivial call: three arguments passed, none converted.
    b.def("noop_args", [](const py::object&, const py::object&, const py::object&) {},
          "a"_a, "b"_a, "c"_a);
    // Argument conversion: the three look-ups a kernel call makes.
    b.def("convert", [](const py::object& a, const py::object& c, const py::object& d) {
        asDeviceArray(a, "a");
        asDeviceArray(c, "b");
        asDeviceArray(d, "c");
    }, "a"_a, "b"_a, "c"_a);

    // pf::reconstruct from C++, on an already converted problem: the native
    // twin of phaseforge.reconstruct (engine made and loaded inside, as there).
    b.def("native_reconstruct", [](const py::handle& magnitude, int iterations,
                                   const std::string& engine, int metricsEvery) {
        pf::Problem problem;
        problem.magnitude = toImage(magnitude, "magnitude");
        pf::Parameters params;
        params.schedule = pf::Schedule({{pf::Algorithm::GS, iterations}});
        params.seed = 1;
        params.metricsEvery = metricsEvery;
        const pf::EngineOptions options = parseEngineOptions(engine, 0);
        py::gil_scoped_release release;
        const auto t0 = std::chrono::steady_clock::now();
        {
            auto eng = pf::makeEngine(options);
            pf::Result r = pf::reconstruct(*eng, problem, params);
        } // the engine's teardown is part of the call, as in phaseforge.reconstruct
        return seconds(t0);
    }, "magnitude"_a, "iterations"_a, "engine"_a = "auto", "metrics_every"_a = 1);

#ifdef PF_PYTHON_WITH_GPU
    // n launches of the real-space kernel from C++ (host time, no wait): the
    // native cost of one launch, for the per-kernel overhead.
    b.def("native_launches", [](const py::object& g, const py::object& gOut,
                                const py::object& out, int n) {
        auto a = asDeviceArray(g, "g"), o = asDeviceArray(gOut, "g_out"),
             x = asDeviceArray(out, "out");
        const pf::Shape s{int(a->shape()[0]), int(a->shape()[1])};
        pf::Step step;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < n; ++i)
            pf::gpu::projectObject(step, static_cast<const float*>(a->data()),
                                   static_cast<const float*>(o->data()), nullptr,
                                   static_cast<float*>(x->data()), s, 1, nullptr);
        return seconds(t0);
    }, "g"_a, "g_out"_a, "out"_a, "n"_a);

    // The per-kernel loop of make_report.py written in C++: same plan,
    // weights and buffers, same four calls per iteration, then one wait.
    b.def("native_kernel_loop", [](const py::object& g, const py::object& gOut,
                                   const py::object& spectrum, const FftPlan& plan,
                                   const Weights& w, int n) {
        auto a = asDeviceArray(g, "g"), o = asDeviceArray(gOut, "g_out"),
             z = asDeviceArray(spectrum, "spectrum");
        float* pg = static_cast<float*>(a->data());
        float* po = static_cast<float*>(o->data());
        auto* pz = static_cast<std::complex<float>*>(z->data());
        pf::Step step;
        py::gil_scoped_release release;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < n; ++i) {
            deviceProjectObject(step, pg, po, nullptr, pg, plan.shape, nullptr, 0);
            deviceR2C(*plan.device, pg, pz, 0);
            deviceProjectMagnitude(pz, *w.device, 0);
            deviceC2R(*plan.device, pz, po, 0);
        }
        pf::gpu::synchronize(nullptr);
        return seconds(t0);
    }, "g"_a, "g_out"_a, "spectrum"_a, "plan"_a, "weights"_a, "n"_a);

    b.def("engine_footprint", [](int rows, int cols, int starts) {
        const auto f = pf::gpu::CudaEngine::estimateFootprint({rows, cols}, starts);
        return py::dict("state"_a = f.state, "weights"_a = f.weights, "fft_work"_a = f.fftWork,
                        "other"_a = f.other, "total"_a = f.total());
    }, "rows"_a, "cols"_a, "starts"_a = 1);
#endif
}

} // namespace pfpy
