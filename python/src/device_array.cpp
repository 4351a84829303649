// phaseforge.DeviceArray, zero-copy import of CuPy/PyTorch/DLPack arrays,
// explicit host<->device copies and the process-wide counters (stats()).
#include "device_array.h"

#include "bindings.h"
#include "dlpack.h"
#include "host_arrays.h"

#include <phaseforge/engine.h>
#include <phaseforge/error.h>

#ifdef PF_PYTHON_WITH_GPU
#include <phaseforge/gpu/cuda_engine.h>
#include <phaseforge/gpu/kernels.h>
#include <phaseforge/gpu/memory.h>
#include <phaseforge/gpu/stats.h>
#endif

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>

namespace pfpy {

namespace {

struct DTypeInfo {
    DType type;
    const char* name;
    const char* typestr;
    std::size_t size;
    DLDataType dl;
};

constexpr DTypeInfo kTypes[] = {
    {DType::Float32, "float32", "<f4", 4, {kDLFloat, 32, 1}},
    {DType::Complex64, "complex64", "<c8", 8, {kDLComplex, 64, 1}},
    {DType::Float64, "float64", "<f8", 8, {kDLFloat, 64, 1}},
    {DType::UInt8, "uint8", "|u1", 1, {kDLUInt, 8, 1}},
    {DType::Bool, "bool", "|b1", 1, {kDLBool, 8, 1}},
};

const DTypeInfo& info(DType t) {
    for (const auto& i : kTypes)
        if (i.type == t)
            return i;
    throw std::logic_error("unknown DType");
}

DType parseDType(const py::handle& dtype, const char* name) {
    // Anything numpy understands as a dtype: "float32", numpy.complex64, ...
    const std::string text =
        py::str(py::module_::import("numpy").attr("dtype")(dtype).attr("name")).cast<std::string>();
    for (const auto& i : kTypes)
        if (text == i.name)
            return i.type;
    throw py::type_error(std::string(name) + ": dtype " + text +
                         " is not supported (float32, complex64, float64, uint8, bool)");
}

std::string typeName(const py::handle& obj) {
    return py::str(py::type::handle_of(obj).attr("__name__")).cast<std::string>();
}

std::vector<std::int64_t> parseShape(const py::handle& shape, const char* name) {
    std::vector<std::int64_t> out;
    if (py::isinstance<py::int_>(shape))
        out.push_back(shape.cast<std::int64_t>());
    else
        out = shape.cast<std::vector<std::int64_t>>();
    for (auto v : out)
        if (v < 0)
            throw py::value_error(std::string(name) + ": negative size");
    return out;
}

// C-contiguous strides (elements) of `shape`.
std::vector<std::int64_t> contiguousStrides(const std::vector<std::int64_t>& shape) {
    std::vector<std::int64_t> s(shape.size());
    std::int64_t step = 1;
    for (std::size_t i = shape.size(); i-- > 0;) {
        s[i] = step;
        step *= shape[i];
    }
    return s;
}

void synchronizeStream(std::uintptr_t stream) {
#ifdef PF_PYTHON_WITH_GPU
    pf::gpu::synchronize(reinterpret_cast<void*>(stream));
#else
    (void)stream;
    throwNoCuda("synchronize");
#endif
}

} // namespace

std::size_t itemSize(DType t) { return info(t).size; }
const char* dtypeName(DType t) { return info(t).name; }
const char* typeString(DType t) { return info(t).typestr; }

void throwNoCuda(const std::string& what) {
    throw pf::EngineError(what + ": this build of phaseforge has no CUDA engine");
}

bool builtWithCuda() {
#ifdef PF_PYTHON_WITH_GPU
    return true;
#else
    return false;
#endif
}

// --- DeviceArray ------------------------------------------------------------------

DeviceArray::DeviceArray(std::vector<std::int64_t> shape, DType dtype)
    : m_shape(std::move(shape)), m_dtype(dtype), m_owned(true) {
#ifdef PF_PYTHON_WITH_GPU
    m_data = pf::gpu::deviceAllocate(bytes());
#else
    throwNoCuda("DeviceArray");
#endif
}

DeviceArray::DeviceArray(void* data, std::vector<std::int64_t> shape, DType dtype,
                         py::object owner, bool readonly)
    : m_data(data), m_shape(std::move(shape)), m_dtype(dtype), m_owned(false),
      m_readonly(readonly), m_owner(std::move(owner)) {}

DeviceArray::~DeviceArray() { release(); }

void DeviceArray::release() noexcept {
#ifdef PF_PYTHON_WITH_GPU
    if (m_owned && m_data)
        pf::gpu::deviceFree(m_data); // cudaFree waits for pending work on the memory
#endif
    m_data = nullptr;
    if (m_owner) {
        // The last reference may go from a thread without the GIL (a DLPack
        // consumer's deleter): take it to drop the owner.
        py::gil_scoped_acquire acquire;
        m_owner = py::object();
    }
}

std::size_t DeviceArray::size() const {
    std::size_t n = 1;
    for (auto v : m_shape)
        n *= std::size_t(v);
    return n;
}

std::uintptr_t streamHandle(const py::handle& stream, const char* name) {
    if (stream.is_none())
        return 0;
    if (py::isinstance<py::int_>(stream))
        return stream.cast<std::uintptr_t>();
    if (py::hasattr(stream, "cuda_stream")) // torch.cuda.Stream
        return stream.attr("cuda_stream").cast<std::uintptr_t>();
    if (py::hasattr(stream, "ptr")) // cupy.cuda.Stream
        return stream.attr("ptr").cast<std::uintptr_t>();
    throw py::type_error(std::string(name) +
                         ": expected None, an int handle, a CuPy or a PyTorch stream");
}

bool looksLikeDeviceArray(const py::handle& obj) {
    return py::isinstance<DeviceArray>(obj) || py::hasattr(obj, "__cuda_array_interface__") ||
           py::hasattr(obj, "__dlpack__");
}

namespace {

// __cuda_array_interface__ (v2 or v3): a view holding `obj`.
std::shared_ptr<DeviceArray> fromInterface(const py::handle& obj, const char* name) {
    const py::dict cai = obj.attr("__cuda_array_interface__");
    const auto shape = parseShape(cai["shape"], name);
    const std::string typestr = cai["typestr"].cast<std::string>();
    DType dtype{};
    bool found = false;
    for (const auto& i : kTypes)
        if (typestr == i.typestr || (typestr == "<u1" && i.type == DType::UInt8)) {
            dtype = i.type;
            found = true;
        }
    if (!found)
        throw py::type_error(std::string(name) + ": dtype '" + typestr +
                             "' is not supported (float32, complex64, float64, uint8, bool)");
    if (cai.contains("mask") && !cai["mask"].is_none())
        throw py::value_error(std::string(name) + ": masked device arrays are not supported");
    if (cai.contains("strides") && !cai["strides"].is_none()) {
        const auto strides = cai["strides"].cast<std::vector<std::int64_t>>();
        auto expected = contiguousStrides(shape);
        for (auto& e : expected)
            e *= std::int64_t(info(dtype).size);
        for (std::size_t i = 0; i < shape.size(); ++i)
            if (shape[i] > 1 && strides[i] != expected[i])
                throw py::value_error(std::string(name) +
                                      ": device array is not C-contiguous (strides)");
    }
    const py::tuple data = cai["data"];
    void* ptr = reinterpret_cast<void*>(data[0].cast<std::uintptr_t>());
    const bool readonly = data[1].cast<bool>();
    // v3: work on the producer's stream must be visible before ours (the
    // legacy default stream) reads the data.
    if (cai.contains("stream") && !cai["stream"].is_none()) {
        const auto s = cai["stream"].cast<std::uintptr_t>();
        if (s != 1 && s != 2)
            synchronizeStream(s);
    }
    return std::make_shared<DeviceArray>(ptr, shape, dtype, py::reinterpret_borrow<py::object>(obj),
                                         readonly);
}

// __dlpack__: consumes the capsule; the view's owner calls the producer's deleter.
std::shared_ptr<DeviceArray> fromDlpack(const py::handle& obj, const char* name) {
    const py::tuple dev = obj.attr("__dlpack_device__")();
    const int deviceType = dev[0].cast<int>();
    if (deviceType == kDLCPU)
        throw py::type_error(std::string(name) + ": a host (CPU) array where a device array is expected");
    if (deviceType != kDLCUDA && deviceType != kDLCUDAManaged)
        throw py::value_error(std::string(name) + ": on DLPack device type " +
                              std::to_string(deviceType) + ", not a CUDA device");
    // We read on the legacy default stream (1).
    py::capsule capsule = obj.attr("__dlpack__")(py::arg("stream") = 1);
    if (std::strcmp(capsule.name(), "dltensor") != 0)
        throw py::value_error(std::string(name) + ": not an unconsumed DLPack capsule");
    auto* managed = capsule.get_pointer<DLManagedTensor>();
    const DLTensor& t = managed->dl_tensor;
    DType dtype{};
    bool found = false;
    for (const auto& i : kTypes)
        if (i.dl.code == t.dtype.code && i.dl.bits == t.dtype.bits && t.dtype.lanes == 1) {
            dtype = i.type;
            found = true;
        }
    std::vector<std::int64_t> shape(t.shape, t.shape + t.ndim);
    if (!found || (t.strides && [&] {
            const auto expected = contiguousStrides(shape);
            for (int i = 0; i < t.ndim; ++i)
                if (shape[std::size_t(i)] > 1 && t.strides[i] != expected[std::size_t(i)])
                    return true;
            return false;
        }())) {
        // Not taken: leave the capsule unconsumed, so its destructor frees it.
        throw py::value_error(std::string(name) +
                              (found ? ": DLPack tensor is not C-contiguous (strides)"
                                     : ": DLPack dtype is not supported"));
    }
    // Take ownership: rename the capsule as the protocol says, and let a
    // holder capsule call the producer's deleter when the view dies.
    PyCapsule_SetName(capsule.ptr(), "used_dltensor");
    py::capsule holder(managed, [](void* p) {
        auto* m = static_cast<DLManagedTensor*>(p);
        if (m->deleter)
            m->deleter(m);
    });
    void* ptr = static_cast<char*>(t.data) + t.byte_offset;
    return std::make_shared<DeviceArray>(ptr, shape, dtype, holder, false);
}

} // namespace

std::shared_ptr<DeviceArray> asDeviceArray(const py::handle& obj, const char* name) {
    if (py::isinstance<DeviceArray>(obj))
        return obj.cast<std::shared_ptr<DeviceArray>>();
    if (py::isinstance<py::array>(obj))
        throw py::type_error(std::string(name) +
                             ": a host numpy array where a device array is expected (copy it "
                             "explicitly with DeviceArray.from_host)");
    if (py::hasattr(obj, "__cuda_array_interface__"))
        return fromInterface(obj, name);
    if (py::hasattr(obj, "__dlpack__") && py::hasattr(obj, "__dlpack_device__"))
        return fromDlpack(obj, name);
    throw py::type_error(std::string(name) + ": expected a device array (DeviceArray, CuPy, "
                                             "PyTorch), got " + typeName(obj));
}

py::object engineDeviceView(pf::Engine& engine, int start, py::object owner, const char* name) {
#ifdef PF_PYTHON_WITH_GPU
    if (auto* cuda = dynamic_cast<pf::gpu::CudaEngine*>(&engine)) {
        if (start < 0 || start >= cuda->startCount())
            throw py::value_error(std::string(name) + ": no start " + std::to_string(start));
        const pf::Shape s = cuda->shape();
        auto view = std::make_shared<DeviceArray>(cuda->deviceIterate(start),
                                                  std::vector<std::int64_t>{s.rows, s.cols},
                                                  DType::Float32, std::move(owner), true);
        view->setStream(reinterpret_cast<std::uintptr_t>(cuda->stream()));
        return py::cast(view);
    }
#else
    (void)start;
    (void)owner;
#endif
    throw py::type_error(std::string(name) + ": the " + engine.info().name +
                         " engine keeps its iterate in host memory; use .object (a host copy) "
                         "or engine='cuda'");
}

namespace {

// DLPack export: the capsule's context keeps the array alive.
struct ExportContext {
    std::shared_ptr<DeviceArray> array;
    std::vector<std::int64_t> shape;
};

py::capsule toDlpack(const std::shared_ptr<DeviceArray>& a, const py::handle& stream) {
    // The consumer reads on `stream`: make our work visible there first.
    if (!stream.is_none()) {
        const auto s = stream.cast<std::intptr_t>();
        const bool legacy = s == 1 || s == 0;
        if (!(legacy && a->stream() == 0) && std::uintptr_t(s) != a->stream())
            synchronizeStream(a->stream());
    }
    auto* ctx = new ExportContext{a, a->shape()};
    auto* m = new DLManagedTensor{};
    m->dl_tensor.data = a->data();
    m->dl_tensor.device = {kDLCUDA, 0};
    m->dl_tensor.ndim = int32_t(ctx->shape.size());
    m->dl_tensor.dtype = info(a->dtype()).dl;
    m->dl_tensor.shape = ctx->shape.data();
    m->dl_tensor.strides = nullptr;
    m->dl_tensor.byte_offset = 0;
    m->manager_ctx = ctx;
    m->deleter = [](DLManagedTensor* self) {
        // May run on any thread: dropping the array may drop a Python owner,
        // which release() does under the GIL.
        delete static_cast<ExportContext*>(self->manager_ctx);
        delete self;
    };
    // An unconsumed capsule frees itself; a consumed one was renamed.
    return py::capsule(m, "dltensor", [](PyObject* cap) {
        if (PyCapsule_IsValid(cap, "dltensor")) {
            auto* mt = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, "dltensor"));
            mt->deleter(mt);
        }
    });
}

py::dict interfaceDict(const DeviceArray& a) {
    py::dict d;
    py::tuple shape(a.shape().size());
    for (std::size_t i = 0; i < a.shape().size(); ++i)
        shape[i] = py::int_(a.shape()[i]);
    d["shape"] = shape;
    d["typestr"] = typeString(a.dtype());
    d["data"] = py::make_tuple(py::int_(reinterpret_cast<std::uintptr_t>(a.data())), a.readonly());
    d["strides"] = py::none();
    d["version"] = 3;
    // 0 is the legacy default stream, which the interface spells 1.
    d["stream"] = a.stream() == 0 ? py::int_(1) : py::int_(a.stream());
    return d;
}

py::array hostArray(const py::handle& host) {
    if (!py::isinstance<py::array>(host))
        throw py::type_error("array: expected a numpy array, got " + typeName(host));
    return py::reinterpret_borrow<py::array>(host);
}

std::shared_ptr<DeviceArray> fromHost(const py::handle& host, const py::handle& stream) {
    const py::array a = hostArray(host);
    const DType dtype = parseDType(a.dtype(), "array");
    if (!(a.flags() & py::array::c_style))
        throw py::value_error("array: must be C-contiguous (use numpy.ascontiguousarray)");
    std::vector<std::int64_t> shape(a.shape(), a.shape() + a.ndim());
    auto d = std::make_shared<DeviceArray>(shape, dtype);
#ifdef PF_PYTHON_WITH_GPU
    const std::uintptr_t s = streamHandle(stream);
    pf::gpu::upload(d->data(), a.data(), d->bytes(), reinterpret_cast<void*>(s));
    d->setStream(s);
#else
    (void)stream;
#endif
    return d;
}

void copyFromHost(DeviceArray& d, const py::handle& host, const py::handle& stream) {
    const py::array a = hostArray(host);
    if (parseDType(a.dtype(), "array") != d.dtype())
        throw py::type_error(std::string("array: dtype ") + py::str(a.dtype()).cast<std::string>() +
                             " differs from the device array's " + dtypeName(d.dtype()));
    if (std::vector<std::int64_t>(a.shape(), a.shape() + a.ndim()) != d.shape())
        throw py::value_error("array: shape differs from the device array's");
    if (!(a.flags() & py::array::c_style))
        throw py::value_error("array: must be C-contiguous (use numpy.ascontiguousarray)");
    if (d.readonly())
        throw py::value_error("array: the device array is read-only");
#ifdef PF_PYTHON_WITH_GPU
    const std::uintptr_t s = streamHandle(stream);
    pf::gpu::upload(d.data(), a.data(), d.bytes(), reinterpret_cast<void*>(s));
    // The host buffer may be freed once we return: wait for the copy.
    pf::gpu::synchronize(reinterpret_cast<void*>(s));
    d.setStream(s);
#else
    (void)stream;
    throwNoCuda("copy_from_host");
#endif
}

py::array toHost(const DeviceArray& d, const py::handle& stream) {
    py::array out(py::dtype(dtypeName(d.dtype())),
                  std::vector<py::ssize_t>(d.shape().begin(), d.shape().end()));
#ifdef PF_PYTHON_WITH_GPU
    const std::uintptr_t s = stream.is_none() ? d.stream() : streamHandle(stream);
    pf::gpu::download(out.mutable_data(), d.data(), d.bytes(), reinterpret_cast<void*>(s));
    pf::gpu::synchronize(reinterpret_cast<void*>(s));
#else
    (void)stream;
    throwNoCuda("to_host");
#endif
    return out;
}

py::dict statsDict() {
    py::dict d;
#ifdef PF_PYTHON_WITH_GPU
    const pf::gpu::Stats s = pf::gpu::stats();
    d["host_to_device_copies"] = s.hostToDeviceCopies;
    d["host_to_device_bytes"] = s.hostToDeviceBytes;
    d["device_to_host_copies"] = s.deviceToHostCopies;
    d["device_to_host_bytes"] = s.deviceToHostBytes;
    d["device_to_device_copies"] = s.deviceToDeviceCopies;
    d["allocations"] = s.allocations;
    d["frees"] = s.frees;
    d["kernel_launches"] = s.kernelLaunches;
    d["graph_launches"] = s.graphLaunches;
    d["synchronisations"] = s.synchronisations;
#else
    for (const char* k : {"host_to_device_copies", "host_to_device_bytes", "device_to_host_copies",
                          "device_to_host_bytes", "device_to_device_copies", "allocations", "frees",
                          "kernel_launches", "graph_launches", "synchronisations"})
        d[k] = 0;
#endif
    return d;
}

} // namespace

void bindDeviceArray(py::module_& m) {
    using namespace pybind11::literals;
    py::class_<DeviceArray, std::shared_ptr<DeviceArray>>(m, "DeviceArray", R"doc(
Device memory, C-contiguous. Either owns its allocation or views foreign memory
(CuPy, PyTorch, DLPack, an engine's buffer) and holds a reference to its owner.
Exposes __cuda_array_interface__ (v3, with stream) and __dlpack__. Every
host<->device copy is an explicit call: from_host(), copy_from_host(), to_host().
)doc")
        .def(py::init([](const py::handle& shape, const py::handle& dtype) {
                 return std::make_shared<DeviceArray>(parseShape(shape, "shape"),
                                                      parseDType(dtype, "dtype"));
             }),
             "shape"_a, "dtype"_a = "float32", "Allocates uninitialised device memory.")
        .def_static("from_host", &fromHost, "array"_a, py::kw_only(), "stream"_a = py::none(),
                    "A new device array holding a copy of a numpy array (one upload).")
        .def_static("wrap", [](const py::handle& obj) { return asDeviceArray(obj, "array"); },
                    "array"_a, "A zero-copy view of a CuPy/PyTorch/DLPack array; holds a reference.")
        .def("copy_from_host", &copyFromHost, "array"_a, py::kw_only(), "stream"_a = py::none(),
             "Copies a numpy array of the same shape and dtype in (one upload; waits for it).")
        .def("to_host", &toHost, py::kw_only(), "stream"_a = py::none(),
             "A numpy copy (one download; waits for it).")
        .def_property_readonly("__cuda_array_interface__", &interfaceDict)
        .def("__dlpack__",
             [](const std::shared_ptr<DeviceArray>& a, const py::handle& stream, const py::kwargs&) {
                 return toDlpack(a, stream);
             },
             py::kw_only(), "stream"_a = py::none())
        .def("__dlpack_device__", [](const DeviceArray&) { return py::make_tuple(int(kDLCUDA), 0); })
        .def_property_readonly("shape", [](const DeviceArray& a) {
            py::tuple t(a.shape().size());
            for (std::size_t i = 0; i < a.shape().size(); ++i)
                t[i] = py::int_(a.shape()[i]);
            return t;
        })
        .def_property_readonly("dtype", [](const DeviceArray& a) { return py::dtype(dtypeName(a.dtype())); })
        .def_property_readonly("size", &DeviceArray::size)
        .def_property_readonly("nbytes", &DeviceArray::bytes)
        .def_property_readonly("ptr", [](const DeviceArray& a) { return reinterpret_cast<std::uintptr_t>(a.data()); })
        .def_property_readonly("owns_memory", &DeviceArray::owns)
        .def_property_readonly("readonly", &DeviceArray::readonly)
        .def_property_readonly("owner", [](const DeviceArray& a) { return a.owner() ? a.owner() : py::none(); },
                               "The object whose memory this views (None when it owns its memory).")
        .def_property_readonly("stream", &DeviceArray::stream)
        .def("__repr__", [](const DeviceArray& a) {
            std::string s = "DeviceArray(shape=(";
            for (std::size_t i = 0; i < a.shape().size(); ++i)
                s += (i ? ", " : "") + std::to_string(a.shape()[i]);
            return s + (a.shape().size() == 1 ? ",)" : ")") + ", dtype=" + dtypeName(a.dtype()) +
                   (a.owns() ? ", owner=self)" : ", view)");
        });

    m.def("stats", &statsDict,
          "Process-wide device counters: copies, bytes, allocations, frees, kernel and graph "
          "launches, synchronisations (all 0 in a build without CUDA).");
    m.def("reset_stats", [] {
#ifdef PF_PYTHON_WITH_GPU
        pf::gpu::resetStats();
#endif
    });
    m.def("cuda_built", &builtWithCuda, "True when this module was built with the CUDA engine.");
    m.def("cuda_available", [] {
#ifdef PF_PYTHON_WITH_GPU
        return pf::gpu::deviceAvailable();
#else
        return false;
#endif
    }, "True when a usable CUDA device exists (never raises).");
    m.def("device_memory", [] {
#ifdef PF_PYTHON_WITH_GPU
        const auto i = pf::gpu::deviceMemoryInfo();
        return py::dict("free"_a = i.freeBytes, "total"_a = i.totalBytes);
#else
        throwNoCuda("device_memory");
#endif
    }, "Free and total device memory in bytes (cudaMemGetInfo).");
    m.def("synchronize", [](const py::handle& stream) { synchronizeStream(streamHandle(stream)); },
          "stream"_a = py::none(), "Waits for a stream (counted as a synchronisation).");
}

} // namespace pfpy
