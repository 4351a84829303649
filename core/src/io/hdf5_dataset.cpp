// Reading single HDF5 datasets, each failure explained: shared by the HDF5/CXI
// reader and the reader of saved results.
#include "hdf5_support.h"
#include "raw_image.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

namespace pf::io::detail {
namespace {

/// numpy spelling of an HDF5 numeric type, or "" when it is not a number.
std::string typeName(hid_t type) {
    const H5T_class_t cls = H5Tget_class(type);
    const std::size_t size = H5Tget_size(type);
    if (cls == H5T_INTEGER) {
        const bool isSigned = H5Tget_sign(type) == H5T_SGN_2;
        return (isSigned ? "int" : "uint") + std::to_string(size * 8);
    }
    if (cls == H5T_FLOAT) return "float" + std::to_string(size * 8);
    return "";
}

std::string className(H5T_class_t cls) {
    switch (cls) {
    case H5T_STRING: return "strings";
    case H5T_COMPOUND: return "compound records";
    case H5T_ENUM: return "enumerated values";
    case H5T_ARRAY: return "array elements";
    case H5T_VLEN: return "variable-length sequences";
    case H5T_REFERENCE: return "references";
    case H5T_OPAQUE: return "opaque bytes";
    case H5T_BITFIELD: return "bit fields";
    case H5T_TIME: return "times";
    default: return "non-numeric data";
    }
}

} // namespace

std::string parentOf(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// Opens a dataset, explaining precisely why when it is not one.
Hid openDataset(const std::string& name, hid_t file, const std::string& path) {
    if (!objectExists(file, path)) fail(name, "HDF5 path '" + path + "' does not exist");
    Hid object(H5Oopen(file, path.c_str(), H5P_DEFAULT));
    if (!object) fail(name, "HDF5 path '" + path + "' cannot be opened (dangling link?)");
    const H5I_type_t kind = H5Iget_type(object.get());
    if (kind == H5I_GROUP)
        fail(name, "HDF5 path '" + path + "' is a group, not a dataset");
    if (kind != H5I_DATASET) fail(name, "HDF5 path '" + path + "' is not a dataset");
    return object;
}

/// Reads a small string dataset (fixed or variable length); "" if unreadable.
std::string readString(hid_t file, const std::string& path) {
    if (!objectExists(file, path)) return "";
    Hid ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
    if (!ds) return "";
    Hid type(H5Dget_type(ds.get()));
    Hid space(H5Dget_space(ds.get()));
    if (!type || !space || H5Tget_class(type.get()) != H5T_STRING) return "";
    if (H5Sget_simple_extent_npoints(space.get()) != 1) return "";
    if (H5Tis_variable_str(type.get()) > 0) {
        Hid mem(H5Tcopy(H5T_C_S1));
        H5Tset_size(mem.get(), H5T_VARIABLE);
        H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
        char* text = nullptr;
        if (H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) < 0 || !text)
            return "";
        std::string s(text, strnlen(text, 256));
        H5free_memory(text);
        return s;
    }
    const std::size_t size = H5Tget_size(type.get());
    if (size == 0 || size > 256) return "";
    std::vector<char> buf(size + 1, '\0');
    Hid mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), size + 1);
    H5Tset_strpad(mem.get(), H5T_STR_NULLTERM);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    if (H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) return "";
    return std::string(buf.data());
}

namespace {

/// A corrupt type may claim a size of gigabytes, which libhdf5 would allocate
/// for the conversion buffer: no number it stores is wider than 16 bytes.
bool plausibleNumberSize(hid_t type) {
    const std::size_t size = H5Tget_size(type);
    return size > 0 && size <= 16;
}

} // namespace

/// Reads a scalar integer or boolean (h5py stores numpy bools as an enum).
bool readScalarInt(hid_t file, const std::string& path, long long& out) {
    if (!objectExists(file, path)) return false;
    Hid ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
    if (!ds) return false;
    Hid type(H5Dget_type(ds.get()));
    Hid space(H5Dget_space(ds.get()));
    if (!type || !space || H5Sget_simple_extent_npoints(space.get()) != 1) return false;
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
        if (!plausibleNumberSize(type.get())) return false;
        double v = 0;
        if (H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0) return false;
        out = static_cast<long long>(v);
        return true;
    }
    if (cls == H5T_ENUM) {
        Hid native(H5Tget_native_type(type.get(), H5T_DIR_ASCEND));
        const std::size_t size = H5Tget_size(native.get());
        if (size == 0 || size > 8) return false;
        unsigned char buf[8] = {};
        if (H5Dread(ds.get(), native.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) return false;
        long long v = 0;
        std::memcpy(&v, buf, size); // little-endian machine: the low bytes
        out = v;
        return true;
    }
    return false;
}

/// Checks rank and size of a dataset before anything is allocated.
DatasetGeometry checkGeometry(const std::string& name, const std::string& path, hid_t ds,
                              const LoadOptions& options, std::string& dtype) {
    Hid type(H5Dget_type(ds));
    if (!type) fail(name, "HDF5 dataset '" + path + "' has an unreadable type");
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls != H5T_INTEGER && cls != H5T_FLOAT)
        fail(name, "HDF5 dataset '" + path + "' holds " + className(cls) + ", not numbers");
    if (!plausibleNumberSize(type.get()))
        fail(name, "HDF5 dataset '" + path + "' has numbers of " +
                       std::to_string(H5Tget_size(type.get())) + " bytes (corrupt type?)");
    dtype = typeName(type.get());
    Hid space(H5Dget_space(ds));
    if (!space) fail(name, "HDF5 dataset '" + path + "' has an unreadable dataspace");
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank != 2 && rank != 3)
        fail(name, "HDF5 dataset '" + path + "' is " + (rank <= 0 ? std::string("a scalar") :
                   std::to_string(rank) + "-D") + "; a 2-D image or a 3-D stack is needed");
    hsize_t dims[3] = {};
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    DatasetGeometry g;
    g.stack = rank == 3;
    g.frames = rank == 3 ? dims[0] : 1;
    if (g.frames == 0) fail(name, "HDF5 dataset '" + path + "' holds zero frames");
    g.shape = checkedShape(name, dims[rank - 2], dims[rank - 1], options.maxPixels);
    // Storage actually allocated in the file bounds what can be real data.
    const std::uint64_t storage = H5Dget_storage_size(ds);
    const std::uint64_t claimed = std::uint64_t(g.shape.size()) * H5Tget_size(type.get());
    if (storage == 0)
        fail(name, "HDF5 dataset '" + path + "' was never written (no storage in the file)");
    if (g.frames > (std::uint64_t(1) << 40) / std::max<std::uint64_t>(claimed, 1) ||
        storage * 4096 + (1u << 20) < claimed)
        fail(name, "HDF5 dataset '" + path + "' claims " + g.shape.toString() +
                       " pixels per frame but stores only " + byteCount(storage));
    return g;
}

/// Reads frame `frame` of a 2-D or 3-D numeric dataset as float.
void readFrame(const std::string& name, const std::string& path, hid_t ds,
               const DatasetGeometry& g, int frame, hid_t memType, void* out) {
    Hid fileSpace(H5Dget_space(ds));
    const hsize_t rows = hsize_t(g.shape.rows), cols = hsize_t(g.shape.cols);
    if (g.stack) {
        const hsize_t start[3] = {hsize_t(frame), 0, 0};
        const hsize_t count[3] = {1, rows, cols};
        H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
    }
    const hsize_t memDims[2] = {rows, cols};
    Hid memSpace(H5Screate_simple(2, memDims, nullptr));
    if (H5Dread(ds, memType, memSpace.get(), fileSpace.get(), H5P_DEFAULT, out) < 0)
        fail(name, "HDF5 dataset '" + path + "' cannot be read (corrupt or truncated file?)");
}


bool readScalar(hid_t file, const std::string& path, hid_t memType, void* out) {
    if (!objectExists(file, path)) return false;
    Hid ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
    if (!ds) return false;
    Hid type(H5Dget_type(ds.get()));
    Hid space(H5Dget_space(ds.get()));
    if (!type || !space || H5Sget_simple_extent_npoints(space.get()) != 1) return false;
    const H5T_class_t cls = H5Tget_class(type.get());
    if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || !plausibleNumberSize(type.get())) return false;
    return H5Dread(ds.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0;
}

std::optional<std::uint64_t> vectorLength(hid_t file, const std::string& path, std::uint64_t maxCount) {
    if (!objectExists(file, path)) return std::nullopt;
    Hid ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
    if (!ds) return std::nullopt;
    Hid type(H5Dget_type(ds.get()));
    Hid space(H5Dget_space(ds.get()));
    if (!type || !space || H5Sget_simple_extent_ndims(space.get()) != 1) return std::nullopt;
    const H5T_class_t cls = H5Tget_class(type.get());
    if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || !plausibleNumberSize(type.get())) return std::nullopt;
    hsize_t count = 0;
    H5Sget_simple_extent_dims(space.get(), &count, nullptr);
    if (count > maxCount) return std::nullopt;
    // As in checkGeometry: the storage allocated in the file bounds what can
    // be real data, so a corrupt length cannot make us allocate gigabytes.
    const std::uint64_t claimed = std::uint64_t(count) * H5Tget_size(type.get());
    if (count > 0 && H5Dget_storage_size(ds.get()) * 4096 + (1u << 20) < claimed) return std::nullopt;
    return std::uint64_t(count);
}

bool readVector(hid_t file, const std::string& path, hid_t memType, void* out) {
    Hid ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
    return ds && H5Dread(ds.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0;
}

} // namespace pf::io::detail
