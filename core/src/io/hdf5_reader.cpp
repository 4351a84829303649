// HDF5 datasets ("file.h5:/path/to/data") and CXI files (entry_N/data_1/data,
// entry_N/image_1/data, data_type, is_fft_shifted, the detector mask).
#include "hdf5_support.h"
#include "raw_image.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <vector>

namespace pf::io::detail {
namespace {

// CXI pixel-mask bits (cxidb.org, Maia 2012) that make a pixel unmeasured.
constexpr std::uint32_t kPixelIsInvalid = 1;
constexpr std::uint32_t kPixelIsSaturated = 2;
constexpr std::uint32_t kPixelIsHot = 4;
constexpr std::uint32_t kPixelIsDead = 8;
constexpr std::uint32_t kPixelIsShadowed = 16;
constexpr std::uint32_t kUnmeasuredBits =
    kPixelIsInvalid | kPixelIsSaturated | kPixelIsHot | kPixelIsDead | kPixelIsShadowed;

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

struct DatasetGeometry {
    Shape shape;
    std::uint64_t frames = 1;
    bool stack = false;
};

/// Checks rank and size of a dataset before anything is allocated.
DatasetGeometry checkGeometry(const std::string& name, const std::string& path, hid_t ds,
                              const LoadOptions& options, std::string& dtype) {
    Hid type(H5Dget_type(ds));
    if (!type) fail(name, "HDF5 dataset '" + path + "' has an unreadable type");
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls != H5T_INTEGER && cls != H5T_FLOAT)
        fail(name, "HDF5 dataset '" + path + "' holds " + className(cls) + ", not numbers");
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

/// What the root group holds: the CXI entry numbers and the first few link
/// names (for an error that says what there is). Collected in one pass over
/// the root group only: a walk of the whole file (H5Ovisit) reaches far more
/// metadata, and libhdf5 1.10 overflows a heap buffer on some corrupt symbol
/// tables deeper in a file (found by tests/fuzz/fuzz_cxi).
struct RootListing {
    std::vector<int> entries;
    std::vector<std::string> names; ///< the first kMaxNames link names
    std::size_t links = 0;
    static constexpr std::size_t kMaxNames = 5;
};

herr_t collectRoot(hid_t, const char* linkName, const H5L_info_t*, void* op) noexcept {
    auto* root = static_cast<RootListing*>(op);
    try {
        const std::string s(linkName);
        ++root->links;
        if (root->names.size() < RootListing::kMaxNames) root->names.push_back(s);
        if (s.rfind("entry_", 0) != 0 || s.size() <= 6 || s.size() > 12) return 0;
        int n = 0;
        for (std::size_t i = 6; i < s.size(); ++i) {
            if (!std::isdigit(static_cast<unsigned char>(s[i]))) return 0;
            n = n * 10 + (s[i] - '0');
        }
        if (n > 0) root->entries.push_back(n);
    } catch (...) {
        return -1;
    }
    return root->links >= 100000 ? 1 : 0;
}

std::string findCxiData(hid_t file, int entry) {
    const std::string e = "/entry_" + std::to_string(entry);
    for (const char* candidate : {"/data_1/data", "/image_1/data", "/instrument_1/detector_1/data"})
        if (objectExists(file, e + candidate)) return e + candidate;
    return "";
}

/// Reads the CXI metadata next to the data: data_type, data_space,
/// is_fft_shifted and the mask.
void readCxiMetadata(const std::string& name, hid_t file, const std::string& dataPath,
                     const DatasetGeometry& g, RawImage& raw) {
    std::vector<std::string> groups{parentOf(dataPath)};
    if (raw.entry > 0) {
        const std::string e = "/entry_" + std::to_string(raw.entry);
        groups.push_back(e + "/image_1");
        groups.push_back(e + "/instrument_1/detector_1");
    }
    auto first = [&](const char* field) -> std::string {
        for (const auto& group : groups)
            if (objectExists(file, group + "/" + field)) return group + "/" + field;
        return "";
    };
    if (const std::string p = first("data_space"); !p.empty()) {
        const std::string space = lower(readString(file, p));
        if (space == "real") raw.realSpace = true;
    }
    if (const std::string p = first("data_type"); !p.empty()) {
        const std::string type = lower(readString(file, p));
        if (type.rfind("intensit", 0) == 0) raw.kind = ValueKind::Intensity;
        else if (type.rfind("amplitude", 0) == 0 || type.rfind("magnitude", 0) == 0)
            raw.kind = ValueKind::Amplitude;
        else
            raw.notices.push_back("unrecognised CXI data_type '" + type + "' at " + p + " was ignored");
    }
    if (const std::string p = first("is_fft_shifted"); !p.empty()) {
        long long v = 0;
        if (readScalarInt(file, p, v)) raw.centring = v ? Centring::FftShifted : Centring::Centred;
        else raw.notices.push_back("CXI is_fft_shifted at " + p + " is not a scalar number; ignored");
    }
    const std::string maskPath = first("mask");
    if (maskPath.empty()) return;
    Hid mds = openDataset(name, file, maskPath);
    std::string maskType;
    DatasetGeometry mg = checkGeometry(name, maskPath, mds.get(), LoadOptions{}, maskType);
    if (!(mg.shape == g.shape))
        fail(name, "CXI mask '" + maskPath + "' is " + mg.shape.toString() + " but the data is " +
                       g.shape.toString());
    if (mg.stack && mg.frames != g.frames)
        fail(name, "CXI mask '" + maskPath + "' has " + std::to_string(mg.frames) +
                       " frames but the data has " + std::to_string(g.frames));
    std::vector<std::uint32_t> bits(g.shape.size());
    readFrame(name, maskPath, mds.get(), mg, mg.stack ? raw.frame : 0, H5T_NATIVE_UINT32, bits.data());
    raw.unmeasured = Mask(g.shape, 0);
    for (std::size_t i = 0; i < bits.size(); ++i)
        if (bits[i] & kUnmeasuredBits) {
            raw.unmeasured.data[i] = 1;
            ++raw.maskedPixels;
        }
}

RawImage readOpenFile(const std::string& name, hid_t file, const std::string& requested,
                      const LoadOptions& options) {
    RawImage raw;
    std::string path = requested;
    if (path.empty()) {
        RootListing root;
        if (H5Literate(file, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, collectRoot, &root) < 0)
            fail(name, "HDF5 root group cannot be read (corrupt file?)");
        std::vector<int>& entries = root.entries;
        std::sort(entries.begin(), entries.end());
        if (entries.empty()) {
            std::string list;
            for (std::size_t i = 0; i < root.names.size(); ++i) list += (i ? ", /" : "/") + root.names[i];
            fail(name, root.links == 0 ? "HDF5 file holds nothing (an empty root group)"
                                       : "not a CXI file (no entry_N); name a dataset as FILE:/path (the root holds " +
                                             list + (root.links > root.names.size() ? ", ..." : "") +
                                             "; h5ls -r lists every dataset)");
        }
        if (options.entry > 0) {
            if (!std::binary_search(entries.begin(), entries.end(), options.entry))
                fail(name, "CXI entry_" + std::to_string(options.entry) + " does not exist (the file has " +
                               std::to_string(entries.size()) + " entries, entry_" +
                               std::to_string(entries.front()) + " to entry_" +
                               std::to_string(entries.back()) + ")");
            raw.entry = options.entry;
            path = findCxiData(file, raw.entry);
            if (path.empty())
                fail(name, "CXI entry_" + std::to_string(raw.entry) +
                               " has no data_1/data, image_1/data or detector data");
        } else {
            for (int e : entries) {
                path = findCxiData(file, e);
                if (!path.empty()) {
                    raw.entry = e;
                    break;
                }
            }
            if (path.empty()) fail(name, "CXI file has no entry with data_1/data or image_1/data");
            if (entries.size() > 1)
                raw.notices.push_back("the file holds " + std::to_string(entries.size()) +
                                      " CXI entries; using entry_" + std::to_string(raw.entry) +
                                      " (choose with --entry)");
        }
        raw.format = "CXI";
    } else {
        if (path.front() != '/') path = "/" + path;
        raw.format = "HDF5";
    }
    raw.dataset = path;
    Hid ds = openDataset(name, file, path);
    DatasetGeometry g = checkGeometry(name, path, ds.get(), options, raw.dtype);
    raw.frames = int(std::min<std::uint64_t>(g.frames, 0x7fffffff));
    raw.frame = pickFrame(name, g.frames, options.frame, raw.notices, "frame");
    raw.shape = g.shape;
    if (raw.dtype.rfind("int", 0) == 0 || raw.dtype.rfind("uint", 0) == 0) {
        Hid type(H5Dget_type(ds.get()));
        const std::size_t bytes = H5Tget_size(type.get());
        const bool isSigned = raw.dtype[0] == 'i';
        raw.integerMax = std::ldexp(1.0, int(bytes * 8) - (isSigned ? 1 : 0)) - 1.0;
    }
    readCxiMetadata(name, file, path, g, raw);
    raw.values.resize(g.shape.size());
    readFrame(name, path, ds.get(), g, raw.frame, H5T_NATIVE_FLOAT, raw.values.data());
    return raw;
}

} // namespace

RawImage readHdf5File(const std::string& path, const std::string& dataset,
                      const LoadOptions& options) {
    Hdf5Scope scope;
    if (H5Fis_hdf5(path.c_str()) <= 0) fail(path, "not an HDF5 file");
    Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file) fail(path, "HDF5 file cannot be opened (corrupt or truncated?)");
    return readOpenFile(path, file.get(), dataset, options);
}

RawImage readHdf5Memory(const std::string& name, Bytes bytes, const std::string& dataset,
                        const LoadOptions& options) {
    Hdf5Scope scope;
    Hid fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (!fapl || H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
        H5Pset_file_image(fapl.get(), const_cast<unsigned char*>(bytes.data()), bytes.size()) < 0)
        fail(name, "HDF5 file image cannot be set up");
    Hid file(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.get()));
    if (!file) fail(name, "HDF5 file cannot be opened (corrupt or truncated?)");
    return readOpenFile(name, file.get(), dataset, options);
}

} // namespace pf::io::detail
