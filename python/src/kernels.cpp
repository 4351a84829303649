// phaseforge.kernels: one call per stage of an iteration. Every function takes
// host (numpy) arrays, run with core's own loops and FFTW plans, or device
// arrays (DeviceArray, CuPy, PyTorch), run with gpu/kernels.h. Composed as
//
//   project_object(g, g_out, out=g, ...)   # g_next = rule(g, g')
//   fft2(g, out=G, plan=p)                 # G = FFT(g_next), r2c, unnormalised
//   error(G, w, sums=s)                    # optional: Fourier error numerator
//   project_magnitude(G, w)                # P_M with 1/(rows·cols) folded in
//   ifft2(G, out=g_out, plan=p)            # g' = Re(IFFT(G)), c2r
//
// they reproduce an engine's iteration bit for bit (same engine, same inputs).
// Transforms are the real (r2c/c2r) forms throughout: spectra are half spectra
// of shape (rows, cols // 2 + 1); rfft2/irfft2 are the same functions.
#include "bindings.h"
#include "host_arrays.h"
#include "kernels.h"

#include <phaseforge/algorithm.h>
#include <phaseforge/initial_guess.h>
#include <phaseforge/problem.h>

#include <pybind11/stl.h>

#include <cmath>
#include <cstring>

namespace pfpy {

namespace {

using Complex = std::complex<float>;

pf::Shape halfShape(pf::Shape s) { return {s.rows, s.halfCols()}; }

bool onHost(const py::handle& x) { return py::isinstance<py::array>(x); }

// A device array of exactly dtype `t` and 2-D `shape`; returns its pointer.
template <class T>
T* deviceData(const std::shared_ptr<DeviceArray>& a, DType t, const char* name, pf::Shape shape,
              bool writeable) {
    if (a->dtype() != t)
        throw py::type_error(std::string(name) + ": expected " + dtypeName(t) + ", got " +
                             dtypeName(a->dtype()));
    const auto& sh = a->shape();
    if (sh.size() != 2 || sh[0] != shape.rows || sh[1] != shape.cols)
        throw py::value_error(std::string(name) + ": wrong shape, expected " + shapeText(shape));
    if (writeable && a->readonly())
        throw py::value_error(std::string(name) + ": the device array is read-only");
    return static_cast<T*>(a->data());
}

// A host argument in a host call, or a device argument in a device call.
void sameSide(const py::handle& obj, bool host, const char* name) {
    if (onHost(obj) != host)
        throw py::type_error(std::string(name) + (host ? ": a device array in a call on host arrays"
                                                      : ": a host array in a call on device arrays"));
}

std::shared_ptr<DeviceArray> newDevice(pf::Shape s, DType t) {
    return std::make_shared<DeviceArray>(std::vector<std::int64_t>{s.rows, s.cols}, t);
}

// Optional accumulators: host float64[count] or device float64[count].
double* hostSums(const py::handle& sums, std::size_t count) {
    if (sums.is_none())
        return nullptr;
    if (!py::isinstance<py::array>(sums))
        throw py::type_error("sums: expected a numpy float64 array");
    const py::array a = py::reinterpret_borrow<py::array>(sums);
    if (!a.dtype().is(py::dtype::of<double>()) || a.ndim() != 1 || a.shape(0) < py::ssize_t(count) ||
        !(a.flags() & py::array::c_style) || !a.writeable())
        throw py::value_error("sums: expected a writeable contiguous float64 array of at least " +
                              std::to_string(count) + " values");
    return static_cast<double*>(const_cast<void*>(a.data()));
}

double* deviceSums(const py::handle& sums, std::size_t count) {
    if (sums.is_none())
        return nullptr;
    auto a = asDeviceArray(sums, "sums");
    if (a->dtype() != DType::Float64 || a->size() < count || a->readonly())
        throw py::value_error("sums: expected a writeable float64 device array of at least " +
                              std::to_string(count) + " values");
    return static_cast<double*>(a->data());
}

float fourierError(double numerator, double sumMeasuredSquared) {
    // The engines' formula (fftw_engine.cpp, gpu/): relative error over measured pixels.
    return sumMeasuredSquared > 0
               ? float(std::sqrt(std::max(0.0, numerator + sumMeasuredSquared) / sumMeasuredSquared))
               : 0.0f;
}

// --- transforms ---------------------------------------------------------------

py::object fft2(const py::object& x, const py::object& out, const FftPlan& plan,
                const py::handle& stream) {
    const pf::Shape s = plan.shape, h = halfShape(plan.shape);
    if (onHost(x)) {
        if (plan.cuda)
            throw py::value_error("plan: a CUDA plan was given for host arrays");
        const float* in = checkedData<float>(x, "x", s, false);
        py::object result = out;
        if (out.is_none())
            result = py::array_t<Complex>({py::ssize_t(h.rows), py::ssize_t(h.cols)});
        sameSide(result, true, "out");
        Complex* o = checkedData<Complex>(result, "out", h, true);
        py::gil_scoped_release release;
        hostR2C(*plan.host, in, o);
        return result;
    }
    if (!plan.cuda)
        throw py::value_error("plan: a CPU plan was given for device arrays (use device='cuda')");
    auto xa = asDeviceArray(x, "x");
    const float* in = deviceData<float>(xa, DType::Float32, "x", s, false);
    py::object result = out.is_none() ? py::cast(newDevice(h, DType::Complex64)) : out;
    sameSide(result, false, "out");
    auto oa = asDeviceArray(result, "out");
    Complex* o = deviceData<Complex>(oa, DType::Complex64, "out", h, true);
    const std::uintptr_t st = streamHandle(stream);
    deviceR2C(*plan.device, in, o, st);
    oa->setStream(st);
    return result;
}

py::object ifft2(const py::object& spectrum, const py::object& out, const FftPlan& plan,
                 const py::handle& stream) {
    const pf::Shape s = plan.shape, h = halfShape(plan.shape);
    if (onHost(spectrum)) {
        if (plan.cuda)
            throw py::value_error("plan: a CUDA plan was given for host arrays");
        const Complex* in = checkedData<Complex>(spectrum, "spectrum", h, false);
        py::object result = out;
        if (out.is_none())
            result = py::array_t<float>({py::ssize_t(s.rows), py::ssize_t(s.cols)});
        sameSide(result, true, "out");
        float* o = checkedData<float>(result, "out", s, true);
        py::gil_scoped_release release;
        hostC2R(*plan.host, in, o);
        return result;
    }
    if (!plan.cuda)
        throw py::value_error("plan: a CPU plan was given for device arrays (use device='cuda')");
    auto ia = asDeviceArray(spectrum, "spectrum");
    // cuFFT's c2r may overwrite its input, as the engine allows; documented.
    Complex* in = deviceData<Complex>(ia, DType::Complex64, "spectrum", h, true);
    py::object result = out.is_none() ? py::cast(newDevice(s, DType::Float32)) : out;
    sameSide(result, false, "out");
    auto oa = asDeviceArray(result, "out");
    float* o = deviceData<float>(oa, DType::Float32, "out", s, true);
    const std::uintptr_t st = streamHandle(stream);
    deviceC2R(*plan.device, in, o, st);
    oa->setStream(st);
    return result;
}

// --- projections ----------------------------------------------------------------

py::object projectObject(const py::object& g, const py::object& gOut, const py::object& out,
                         const std::string& algorithm, double beta, const py::object& support,
                         const py::handle& sums, const py::handle& stream) {
    pf::Step step;
    step.algorithm = parseAlgorithmName(algorithm);
    if (!(beta > pf::kBetaMin && beta <= pf::kBetaMax))
        throw py::value_error("beta: must satisfy 0 < beta <= 1, got " + std::to_string(beta));
    step.beta = float(beta);
    if (onHost(g)) {
        const pf::Shape s = shape2d(py::reinterpret_borrow<py::array>(g), "g");
        const float* pg = checkedData<float>(g, "g", s, false);
        sameSide(gOut, true, "g_out");
        const float* po = checkedData<float>(gOut, "g_out", s, false);
        py::object result = out.is_none() ? py::object(py::array_t<float>({s.rows, s.cols})) : out;
        sameSide(result, true, "out");
        float* pn = checkedData<float>(result, "out", s, true);
        const std::uint8_t* ps = nullptr;
        if (!support.is_none()) {
            sameSide(support, true, "support");
            const py::array sa = py::reinterpret_borrow<py::array>(support);
            if (sa.dtype().kind() == 'b')
                ps = reinterpret_cast<const std::uint8_t*>(checkedData<bool>(support, "support", s, false));
            else
                ps = checkedData<std::uint8_t>(support, "support", s, false);
        }
        double* acc = hostSums(sums, 2);
        const std::size_t n = s.size();
        double violation = 0, energy = 0;
        {
            py::gil_scoped_release release;
            violation = pf::applyObjectConstraint(
                step, {pg, n}, {po, n}, {ps, ps ? n : 0}, {pn, n}, &energy);
        }
        if (acc) {
            acc[0] += violation;
            acc[1] += energy;
        }
        return result;
    }
    auto ga = asDeviceArray(g, "g");
    if (ga->shape().size() != 2)
        throw py::value_error("g: expected a 2-D array");
    const pf::Shape s{int(ga->shape()[0]), int(ga->shape()[1])};
    const float* pg = deviceData<float>(ga, DType::Float32, "g", s, false);
    sameSide(gOut, false, "g_out");
    auto oa = asDeviceArray(gOut, "g_out");
    const float* po = deviceData<float>(oa, DType::Float32, "g_out", s, false);
    py::object result = out.is_none() ? py::cast(newDevice(s, DType::Float32)) : out;
    sameSide(result, false, "out");
    auto na = asDeviceArray(result, "out");
    float* pn = deviceData<float>(na, DType::Float32, "out", s, true);
    const std::uint8_t* ps = nullptr;
    if (!support.is_none()) {
        sameSide(support, false, "support");
        auto sa = asDeviceArray(support, "support");
        ps = deviceData<std::uint8_t>(sa, sa->dtype() == DType::Bool ? DType::Bool : DType::UInt8,
                                      "support", s, false);
    }
    const std::uintptr_t st = streamHandle(stream);
    deviceProjectObject(step, pg, po, ps, pn, s, deviceSums(sums, 2), st);
    na->setStream(st);
    return result;
}

py::object projectMagnitude(const py::object& spectrum, const Weights& w, const py::handle& sums,
                            const py::handle& stream) {
    const pf::Shape h = halfShape(w.host.shape);
    if (onHost(spectrum)) {
        Complex* z = checkedData<Complex>(spectrum, "spectrum", h, true);
        double* acc = hostSums(sums, 1);
        double err = 0;
        {
            py::gil_scoped_release release;
            err = pf::projectMagnitude(w.host, {z, h.size()});
        }
        if (acc)
            acc[0] += err;
        return spectrum;
    }
    if (!w.device)
        throw py::value_error("weights: made for the CPU; make them with device='cuda'");
    auto za = asDeviceArray(spectrum, "spectrum");
    Complex* z = deviceData<Complex>(za, DType::Complex64, "spectrum", h, true);
    const std::uintptr_t st = streamHandle(stream);
    // The device projection does not measure the error: error() does, before it.
    if (double* acc = deviceSums(sums, 1))
        deviceErrorSum(z, *w.device, acc, st);
    deviceProjectMagnitude(z, *w.device, st);
    za->setStream(st);
    return spectrum;
}

py::object error(const py::object& spectrum, const Weights& w, const py::handle& sums,
                 const py::handle& stream) {
    const pf::Shape h = halfShape(w.host.shape);
    if (onHost(spectrum)) {
        const Complex* z = checkedData<Complex>(spectrum, "spectrum", h, false);
        double* acc = hostSums(sums, 1);
        // core measures the error inside projectMagnitude: run it on a copy.
        std::vector<Complex> copy(z, z + h.size());
        double numerator = 0;
        {
            py::gil_scoped_release release;
            numerator = pf::projectMagnitude(w.host, copy);
        }
        if (acc) {
            acc[0] += numerator;
            return py::none();
        }
        return py::float_(fourierError(numerator, w.host.sumMeasuredSquared));
    }
    if (!w.device)
        throw py::value_error("weights: made for the CPU; make them with device='cuda'");
    auto za = asDeviceArray(spectrum, "spectrum");
    const Complex* z = deviceData<Complex>(za, DType::Complex64, "spectrum", h, false);
    const std::uintptr_t st = streamHandle(stream);
    if (double* acc = deviceSums(sums, 1)) {
        deviceErrorSum(z, *w.device, acc, st);
        return py::none();
    }
    // Waits for the device: for scripts, not loops (pass sums= there).
    const double numerator = deviceErrorNumerator(z, *w.device, st); // sum M^2 included
    const double m2 = w.host.sumMeasuredSquared;
    return py::float_(m2 > 0 ? float(std::sqrt(std::max(0.0, numerator) / m2)) : 0.0f);
}

py::array_t<Complex> initialSpectrum(const py::handle& magnitude, const py::handle& mask,
                                     const py::handle& seed, const py::handle& phase) {
    ProblemInputs in = parseProblemInputs(magnitude, py::none(), mask, phase,
                                          phase.is_none() && seed.is_none() ? py::int_(0) : seed, 1);
    const std::vector<Complex> spectrum = pf::initialHalfSpectrum(in.problem, in.guesses().front());
    const pf::Shape h = halfShape(in.problem.shape());
    py::array_t<Complex> out({py::ssize_t(h.rows), py::ssize_t(h.cols)});
    std::memcpy(out.mutable_data(), spectrum.data(), spectrum.size() * sizeof(Complex));
    return out;
}

py::object zero(const py::object& array, const py::handle& stream) {
    if (onHost(array)) {
        const py::array a = py::reinterpret_borrow<py::array>(array);
        if (!a.writeable())
            throw py::value_error("array: is read-only");
        a.attr("fill")(0);
        return array;
    }
    auto d = asDeviceArray(array, "array");
    if (d->readonly())
        throw py::value_error("array: the device array is read-only");
    const std::uintptr_t st = streamHandle(stream);
    deviceZero(d->data(), d->bytes(), st);
    d->setStream(st);
    return array;
}

py::array_t<float> halfImage(const std::vector<float>& v, pf::Shape s) {
    const pf::Shape h = halfShape(s);
    py::array_t<float> out({py::ssize_t(h.rows), py::ssize_t(h.cols)});
    std::memcpy(out.mutable_data(), v.data(), v.size() * sizeof(float));
    return out;
}

pf::Shape parseShape(const py::handle& shape) {
    const auto t = shape.cast<std::vector<long long>>();
    if (t.size() != 2 || t[0] < 1 || t[1] < 1 || t[0] > INT32_MAX || t[1] > INT32_MAX)
        throw py::value_error("shape: expected (rows, cols) with positive sizes");
    return {int(t[0]), int(t[1])};
}

bool parseDevice(const std::string& device) {
    if (device == "cpu")
        return false;
    if (device == "cuda")
        return true;
    throw py::value_error("device: expected 'cpu' or 'cuda', got '" + device + "'");
}

} // namespace

void bindKernels(py::module_& k) {
    using namespace pybind11::literals;
    py::class_<FftPlan, std::shared_ptr<FftPlan>>(k, "FftPlan",
        "r2c/c2r plans for one shape, made as the engine of that device makes them.")
        .def(py::init([](const py::handle& shape, const std::string& device, int threads) {
                 auto p = std::make_shared<FftPlan>();
                 p->shape = parseShape(shape);
                 p->cuda = parseDevice(device);
                 if (p->cuda) {
                     p->device = makeDevicePlan(p->shape);
                 } else {
                     py::gil_scoped_release release; // FFTW_MEASURE takes a while
                     p->host = makeHostPlan(p->shape, threads);
                 }
                 return p;
             }),
             "shape"_a, py::kw_only(), "device"_a = "cpu", "threads"_a = 0)
        .def_property_readonly("shape", [](const FftPlan& p) { return py::make_tuple(p.shape.rows, p.shape.cols); })
        .def_property_readonly("device", [](const FftPlan& p) { return p.cuda ? "cuda" : "cpu"; })
        .def_property_readonly("threads", [](const FftPlan& p) { return p.host ? hostPlanThreads(*p.host) : 0; });

    py::class_<Weights, std::shared_ptr<Weights>>(k, "Weights",
        "The magnitude projection's Hermitian weights (projections.h) of one problem.")
        .def(py::init([](const py::handle& magnitude, const py::handle& mask,
                         const std::string& device, const py::handle& stream) {
                 pf::Problem problem;
                 problem.magnitude = toImage(magnitude, "magnitude");
                 if (!mask.is_none())
                     problem.measured = toMask(mask, "mask", problem.shape());
                 problem.validate();
                 auto w = std::make_shared<Weights>();
                 w->host = pf::hermitianWeights(problem);
                 if (parseDevice(device))
                     w->device = uploadWeights(w->host, streamHandle(stream));
                 return w;
             }),
             "magnitude"_a, "mask"_a = py::none(), py::kw_only(), "device"_a = "cpu",
             "stream"_a = py::none())
        .def_property_readonly("shape", [](const Weights& w) { return py::make_tuple(w.host.shape.rows, w.host.shape.cols); })
        .def_property_readonly("device", [](const Weights& w) { return w.device ? "cuda" : "cpu"; })
        .def_property_readonly("sum_measured_squared", [](const Weights& w) { return w.host.sumMeasuredSquared; })
        .def_property_readonly("a", [](const Weights& w) { return halfImage(w.host.a, w.host.shape); })
        .def_property_readonly("b", [](const Weights& w) { return halfImage(w.host.b, w.host.shape); })
        .def_property_readonly("n", [](const Weights& w) { return halfImage(w.host.n, w.host.shape); })
        .def_property_readonly("s", [](const Weights& w) { return halfImage(w.host.s, w.host.shape); });

    for (const char* name : {"fft2", "rfft2"})
        k.def(name, &fft2, "x"_a, "out"_a = py::none(), py::kw_only(), "plan"_a,
              "stream"_a = py::none(),
              "G = FFT(x): real float32 (rows, cols) -> half spectrum complex64 "
              "(rows, cols//2+1), unnormalised (r2c).");
    for (const char* name : {"ifft2", "irfft2"})
        k.def(name, &ifft2, "spectrum"_a, "out"_a = py::none(), py::kw_only(), "plan"_a,
              "stream"_a = py::none(),
              "x = IFFT(G) * rows*cols: half spectrum -> real, unnormalised (c2r; the "
              "normalisation is folded into project_magnitude). Host: the input is kept; "
              "device: cuFFT may overwrite it.");
    static const std::string projectObjectDoc =
        "out = rule(g, g_out) (out may be g; g' below is g_out). sums (float64[2]) accumulates "
        "the violation energy and sum of g_out^2. The rules:\n" + pf::algorithmHelp("    ");
    k.def("project_object", &projectObject, "g"_a, "g_out"_a, "out"_a = py::none(), py::kw_only(),
          "algorithm"_a = "GS", "beta"_a = 0.9, "support"_a = py::none(), "sums"_a = py::none(),
          "stream"_a = py::none(), projectObjectDoc.c_str());
    k.def("project_magnitude", &projectMagnitude, "spectrum"_a, "weights"_a, py::kw_only(),
          "sums"_a = py::none(), "stream"_a = py::none(),
          "In place: G <- (a|G| + b) G/|G| / (rows*cols). sums (float64[1]) accumulates "
          "the Fourier error numerator of G before the projection.");
    k.def("error", &error, "spectrum"_a, "weights"_a, py::kw_only(), "sums"_a = py::none(),
          "stream"_a = py::none(),
          "The Fourier error ||F x| - M| / |M| of a half spectrum (waits for the device), or, "
          "with sums=, adds its numerator there without waiting (add "
          "weights.sum_measured_squared).");
    k.def("zero", &zero, "array"_a, py::kw_only(), "stream"_a = py::none(),
          "Sets every element to 0 (stream-ordered on the device): for sums= between iterations.");
    k.def("initial_spectrum", &initialSpectrum, "magnitude"_a, "mask"_a = py::none(),
          py::kw_only(), "seed"_a = py::none(), "phase"_a = py::none(),
          "The half spectrum H of the Hermitian part of M*exp(i*phi0) (core's "
          "initialHalfSpectrum): g0 = ifft2(H) / (rows*cols).");
}

} // namespace pfpy
