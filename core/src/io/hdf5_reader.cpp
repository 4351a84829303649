// HDF5 datasets ("file.h5:/path/to/data") and CXI files (entry_N/data_1/data,
// entry_N/image_1/data, data_type, is_fft_shifted, the detector mask).
#include "cxi_layout.h"
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

/// The image datasets of a plain HDF5 file: numeric, 2-D or 3-D, with a
/// non-zero shape and data written. Found by iterating groups one at a time
/// (hard links only, so no external file is opened) to a bounded depth and
/// count: a whole-file walk (H5Ovisit) reaches metadata on which libhdf5 1.10
/// overflows a buffer (see RootListing).
struct ImageSearch {
    std::vector<std::string> found;
    std::vector<haddr_t> addresses; ///< of the datasets found: one reached by two names counts once
    std::size_t visited = 0;
    static constexpr int kMaxDepth = 4;           // /entry/data/data in NeXus is depth 3
    static constexpr std::size_t kMaxLinks = 4096;
};

void searchGroup(hid_t file, const std::string& group, int depth, ImageSearch& search);

struct GroupWalk {
    hid_t file;
    std::string group;
    int depth;
    ImageSearch* search;
};

herr_t visitLink(hid_t, const char* linkName, const H5L_info_t* info, void* op) noexcept {
    auto* walk = static_cast<GroupWalk*>(op);
    try {
        if (++walk->search->visited > ImageSearch::kMaxLinks) return 1;
        if (info->type != H5L_TYPE_HARD) return 0;
        const std::string path = (walk->group == "/" ? "/" : walk->group + "/") + linkName;
        H5O_info_t object{};
        if (H5Oget_info_by_name2(walk->file, path.c_str(), &object, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return 0;
        if (object.type == H5O_TYPE_GROUP) {
            if (walk->depth < ImageSearch::kMaxDepth) searchGroup(walk->file, path, walk->depth + 1, *walk->search);
            return 0;
        }
        if (object.type != H5O_TYPE_DATASET) return 0;
        auto& seen = walk->search->addresses;
        if (std::find(seen.begin(), seen.end(), object.addr) != seen.end()) return 0;
        Hid ds(H5Dopen2(walk->file, path.c_str(), H5P_DEFAULT));
        Hid type(ds ? H5Dget_type(ds.get()) : H5I_INVALID_HID);
        Hid space(ds ? H5Dget_space(ds.get()) : H5I_INVALID_HID);
        if (!type || !space) return 0;
        const H5T_class_t cls = H5Tget_class(type.get());
        const int rank = H5Sget_simple_extent_ndims(space.get());
        if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || (rank != 2 && rank != 3)) return 0;
        hsize_t dims[3] = {};
        H5Sget_simple_extent_dims(space.get(), dims, nullptr);
        for (int i = 0; i < rank; ++i)
            if (dims[i] == 0) return 0;
        if (H5Dget_storage_size(ds.get()) == 0) return 0;
        walk->search->found.push_back(path);
        seen.push_back(object.addr);
    } catch (...) {
        return -1;
    }
    return 0;
}

void searchGroup(hid_t file, const std::string& group, int depth, ImageSearch& search) {
    GroupWalk walk{file, group, depth, &search};
    hsize_t index = 0;
    H5Literate_by_name(file, group.c_str(), H5_INDEX_NAME, H5_ITER_INC, &index, visitLink, &walk, H5P_DEFAULT);
}

/// A plain HDF5 file without a dataset named: its one image dataset, with a
/// notice; otherwise an error that lists the candidates (or the root).
std::string soleImageDataset(const std::string& name, hid_t file, const RootListing& root,
                             std::vector<std::string>& notices) {
    if (root.links == 0) fail(name, "HDF5 file holds nothing (an empty root group)");
    ImageSearch search;
    searchGroup(file, "/", 1, search);
    std::vector<std::string>& found = search.found;
    if (found.size() == 1) {
        notices.push_back("the file holds one 2-D/3-D dataset, " + found.front() +
                          "; reading it (name another as FILE:/path)");
        return found.front();
    }
    std::string list;
    const std::vector<std::string>& shown = found.empty() ? root.names : found;
    const std::size_t limit = std::min<std::size_t>(shown.size(), 8);
    for (std::size_t i = 0; i < limit; ++i) list += std::string(i ? ", " : "") + (found.empty() ? "/" : "") + shown[i];
    if (found.empty())
        fail(name, "not a CXI file (no entry_N) and no 2-D or 3-D numeric dataset found; name a dataset as "
                   "FILE:/path (the root holds " + list + (root.links > root.names.size() ? ", ..." : "") +
                   "; h5ls -r lists every dataset)");
    fail(name, "holds " + std::to_string(found.size()) + " 2-D/3-D datasets (" + list +
                   (found.size() > limit ? ", ..." : "") + "); name a dataset as FILE:/path");
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

/// A result saved by PhaseForge (cxi_layout.h): its object is real space and
/// the magnitudes it was made from sit beside it.
bool isSavedResult(hid_t file) {
    return objectExists(file, cxi::kMagnitudes) &&
           lower(readString(file, parentOf(cxi::kObject) + "/data_space")) == "real" &&
           lower(readString(file, std::string(cxi::kMagnitudeGroup) + "/data_space")) == "diffraction";
}

RawImage readOpenFile(const std::string& name, hid_t file, const std::string& requested,
                      const LoadOptions& options, ReadPurpose purpose) {
    if (purpose == ReadPurpose::SavedResult) return readSavedResult(name, file, options);
    RawImage raw;
    std::string path = requested;
    if (path.empty()) {
        RootListing root;
        if (H5Literate(file, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, collectRoot, &root) < 0)
            fail(name, "HDF5 root group cannot be read (corrupt file?)");
        std::vector<int>& entries = root.entries;
        std::sort(entries.begin(), entries.end());
        if (entries.empty()) {
            path = soleImageDataset(name, file, root, raw.notices);
            raw.format = "HDF5";
        } else if (options.entry > 0) {
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
        if (raw.format.empty()) raw.format = "CXI";
        if (purpose == ReadPurpose::Pattern && raw.entry == 1 && isSavedResult(file)) {
            path = cxi::kMagnitudes;
            raw.notices.push_back(std::string("a result saved by PhaseForge: reading the magnitudes it was made from (") +
                                  cxi::kMagnitudes + ")");
        }
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
                      const LoadOptions& options, ReadPurpose purpose) {
    Hdf5Scope scope;
    if (H5Fis_hdf5(path.c_str()) <= 0) fail(path, "not an HDF5 file");
    Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file) fail(path, "HDF5 file cannot be opened (corrupt or truncated?)");
    return readOpenFile(path, file.get(), dataset, options, purpose);
}

RawImage readHdf5Memory(const std::string& name, Bytes bytes, const std::string& dataset,
                        const LoadOptions& options, ReadPurpose purpose) {
    Hdf5Scope scope;
    Hid fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (!fapl || H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
        H5Pset_file_image(fapl.get(), const_cast<unsigned char*>(bytes.data()), bytes.size()) < 0)
        fail(name, "HDF5 file image cannot be set up");
    Hid file(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.get()));
    if (!file) fail(name, "HDF5 file cannot be opened (corrupt or truncated?)");
    return readOpenFile(name, file.get(), dataset, options, purpose);
}

} // namespace pf::io::detail
