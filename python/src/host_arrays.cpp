#include "host_arrays.h"

#include <cstdint>
#include <cstring>
#include <memory>

namespace pfpy {

namespace {

std::string typeName(const py::handle& obj) {
    return py::str(py::type::handle_of(obj).attr("__name__")).cast<std::string>();
}

// A numpy array or a TypeError naming the argument. Device arrays get a hint,
// since they are the likeliest mistake.
py::array asNumpy(const py::handle& obj, const char* name) {
    if (py::isinstance<py::array>(obj))
        return py::reinterpret_borrow<py::array>(obj);
    if (py::hasattr(obj, "__cuda_array_interface__"))
        throw py::type_error(std::string(name) + ": a device array (" + typeName(obj) +
                             ") was given where a host numpy array is expected; copy it to "
                             "the host explicitly first");
    throw py::type_error(std::string(name) + ": expected a numpy array, got " + typeName(obj));
}

std::string dtypeText(const py::array& a) { return py::str(a.dtype()).cast<std::string>(); }

} // namespace

std::string shapeText(pf::Shape s) {
    return "(" + std::to_string(s.rows) + ", " + std::to_string(s.cols) + ")";
}

pf::Shape shape2d(const py::array& a, const char* name) {
    if (a.ndim() != 2)
        throw py::value_error(std::string(name) + ": expected a 2-D array, got " +
                              std::to_string(a.ndim()) + "-D");
    if (a.shape(0) < 1 || a.shape(1) < 1 || a.shape(0) > INT32_MAX || a.shape(1) > INT32_MAX)
        throw py::value_error(std::string(name) + ": empty or oversized shape (" +
                              std::to_string(a.shape(0)) + ", " + std::to_string(a.shape(1)) +
                              ")");
    return {int(a.shape(0)), int(a.shape(1))};
}

static void checkShape(pf::Shape got, pf::Shape expected, const char* name) {
    if (!expected.empty() && got != expected)
        throw py::value_error(std::string(name) + ": shape " + shapeText(got) +
                              " differs from the magnitude's " + shapeText(expected));
}

pf::ImageF toImage(const py::handle& obj, const char* name, pf::Shape expected) {
    const py::array a = asNumpy(obj, name);
    if (a.dtype().kind() != 'f' || (a.itemsize() != 4 && a.itemsize() != 8))
        throw py::type_error(std::string(name) + ": expected float32 or float64, got " +
                             dtypeText(a));
    const pf::Shape s = shape2d(a, name);
    checkShape(s, expected, name);
    // A C-contiguous float32 view (a copy only when the dtype or strides differ).
    auto f = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(a);
    // One pass: allocate and copy (not zero-fill, then copy).
    pf::ImageF image;
    image.shape = s;
    image.data.assign(f.data(), f.data() + s.size());
    return image;
}

pf::Mask toMask(const py::handle& obj, const char* name, pf::Shape expected) {
    const py::array a = asNumpy(obj, name);
    const char kind = a.dtype().kind();
    if (!(kind == 'b' || (kind == 'u' && a.itemsize() == 1)))
        throw py::type_error(std::string(name) + ": expected a bool or uint8 mask, got " +
                             dtypeText(a));
    const pf::Shape s = shape2d(a, name);
    checkShape(s, expected, name);
    auto u = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>::ensure(
        a.attr("view")(py::dtype::of<std::uint8_t>()));
    pf::Mask mask(s);
    const std::uint8_t* p = u.data();
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (p[i] > 1)
            throw py::value_error(std::string(name) + ": a uint8 mask must hold only 0 and 1");
        mask.data[i] = p[i];
    }
    return mask;
}

py::array_t<float> toNumpy(const pf::ImageF& image) {
    py::array_t<float> out({py::ssize_t(image.shape.rows), py::ssize_t(image.shape.cols)});
    std::memcpy(out.mutable_data(), image.data.data(), image.data.size() * sizeof(float));
    return out;
}

py::array_t<bool> toNumpy(const pf::Mask& mask, pf::Shape shape) {
    py::array_t<bool> out({py::ssize_t(shape.rows), py::ssize_t(shape.cols)});
    bool* p = out.mutable_data();
    for (std::size_t i = 0; i < shape.size(); ++i)
        p[i] = mask.empty() ? true : mask.data[i] != 0;
    return out;
}

namespace {
/// Moves `data` to the heap and hands it to a numpy array of `shape`, which
/// frees it through a capsule when the array is collected.
template <class Out, class T>
py::array_t<Out> adoptVector(std::vector<T>&& data, pf::Shape shape) {
    static_assert(sizeof(Out) == sizeof(T));
    auto owned = std::make_unique<std::vector<T>>(std::move(data));
    Out* p = reinterpret_cast<Out*>(owned->data());
    py::capsule free(owned.get(), [](void* v) { delete static_cast<std::vector<T>*>(v); });
    owned.release(); // the capsule owns it now
    return py::array_t<Out>({py::ssize_t(shape.rows), py::ssize_t(shape.cols)}, p, free);
}
} // namespace

py::array_t<float> toNumpy(pf::ImageF&& image) {
    const pf::Shape s = image.shape;
    if (image.data.size() != s.size())
        return toNumpy(static_cast<const pf::ImageF&>(image));
    return adoptVector<float>(std::move(image.data), s);
}

py::array_t<bool> toNumpy(pf::Mask&& mask, pf::Shape shape) {
    if (mask.data.size() != shape.size())
        return toNumpy(static_cast<const pf::Mask&>(mask), shape); // empty: all True
    for (auto& v : mask.data)
        v = v != 0; // numpy bools are one byte holding 0 or 1
    return adoptVector<bool>(std::move(mask.data), shape);
}

template <class T>
T* checkedData(const py::handle& obj, const char* name, pf::Shape shape, bool writeable) {
    const py::array a = asNumpy(obj, name);
    if (!a.dtype().is(py::dtype::of<T>()))
        throw py::type_error(std::string(name) + ": expected " +
                             py::str(py::dtype::of<T>()).cast<std::string>() + ", got " +
                             dtypeText(a));
    const pf::Shape s = shape2d(a, name);
    if (s != shape)
        throw py::value_error(std::string(name) + ": shape " + shapeText(s) + ", expected " +
                              shapeText(shape));
    if (!(a.flags() & py::array::c_style))
        throw py::value_error(std::string(name) +
                              ": must be C-contiguous (use numpy.ascontiguousarray)");
    if (writeable && !a.writeable())
        throw py::value_error(std::string(name) + ": array is read-only");
    return static_cast<T*>(const_cast<void*>(a.data()));
}

template float* checkedData<float>(const py::handle&, const char*, pf::Shape, bool);
template std::complex<float>* checkedData<std::complex<float>>(const py::handle&, const char*,
                                                              pf::Shape, bool);
template bool* checkedData<bool>(const py::handle&, const char*, pf::Shape, bool);
template std::uint8_t* checkedData<std::uint8_t>(const py::handle&, const char*, pf::Shape,
                                                 bool);

} // namespace pfpy
