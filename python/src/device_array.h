// phaseforge.DeviceArray: device memory seen from Python. It either owns an
// allocation (pf::gpu::deviceAllocate) or views foreign memory (a CuPy array,
// a torch tensor, a DLPack capsule, an engine's buffer) and then holds a
// reference to that owner, so the memory cannot vanish while the view lives.
// No CUDA type here: the allocation, the copies and the counters are gpu/'s.
#pragma once

#include <phaseforge/image.h>

#include <pybind11/pybind11.h>

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pf {
class Engine;
}

namespace pfpy {

namespace py = pybind11;

/// The element types device arrays may hold.
enum class DType { Float32, Complex64, Float64, UInt8, Bool };

std::size_t itemSize(DType t);
/// numpy's name ("float32", ...).
const char* dtypeName(DType t);
/// The __cuda_array_interface__ typestr ("<f4", ...).
const char* typeString(DType t);

class DeviceArray {
public:
    /// Allocates an uninitialised C-contiguous array (needs the CUDA build).
    DeviceArray(std::vector<std::int64_t> shape, DType dtype);
    /// Views `data` without owning it; `owner` is kept alive as long as this is.
    DeviceArray(void* data, std::vector<std::int64_t> shape, DType dtype, py::object owner,
                bool readonly);
    ~DeviceArray();
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;

    void* data() const { return m_data; }
    const std::vector<std::int64_t>& shape() const { return m_shape; }
    DType dtype() const { return m_dtype; }
    std::size_t size() const;
    std::size_t bytes() const { return size() * itemSize(m_dtype); }
    bool owns() const { return m_owned; }
    bool readonly() const { return m_readonly; }
    const py::object& owner() const { return m_owner; }
    /// The stream (cudaStream_t, 0 = legacy default) last used on it by us;
    /// exported as the interface's "stream".
    std::uintptr_t stream() const { return m_stream; }
    void setStream(std::uintptr_t s) { m_stream = s; }

    /// Called by DLPack's deleter and by Python's finaliser: frees or releases.
    void release() noexcept;

private:
    void* m_data = nullptr;
    std::vector<std::int64_t> m_shape;
    DType m_dtype;
    bool m_owned = false;
    bool m_readonly = false;
    py::object m_owner;
    std::uintptr_t m_stream = 0;
};

/// A device array from any accepted Python object, with no copy: a
/// DeviceArray itself, or anything with __cuda_array_interface__ (CuPy,
/// PyTorch, Numba) or __dlpack__ on a CUDA device. The view holds a reference
/// to the object. Host arrays, other devices, non-contiguous strides and
/// unsupported dtypes raise TypeError/ValueError naming `name`.
std::shared_ptr<DeviceArray> asDeviceArray(const py::handle& obj, const char* name);

/// True for anything asDeviceArray() would look at (not a numpy array).
bool looksLikeDeviceArray(const py::handle& obj);

/// A stream argument: None (legacy default stream), an int handle, or an
/// object with .ptr (CuPy) or .cuda_stream (PyTorch).
std::uintptr_t streamHandle(const py::handle& stream, const char* name = "stream");

/// The zero-copy device view of an engine's iterate (CUDA engine only); the
/// view keeps `owner` (the Python object holding the engine) alive.
py::object engineDeviceView(pf::Engine& engine, int start, py::object owner, const char* name);

/// True when this module was built with the CUDA engine.
bool builtWithCuda();

/// Throws EngineError (RuntimeError in Python) saying that `what` needs the
/// CUDA engine, which this build lacks. Defined in every build, so that the
/// no-CUDA branches share one message and no build has it unused.
[[noreturn]] void throwNoCuda(const std::string& what);

} // namespace pfpy
