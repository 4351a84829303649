// HDF5 plumbing shared by the HDF5/CXI reader and the CXI writer.
#pragma once

#include "phaseforge/image.h"
#include "phaseforge/io/load.h"

#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace pf::io::detail {

/// Owns one HDF5 identifier of any kind (file, group, dataset, dataspace,
/// datatype, property list, attribute) and releases it on destruction.
class Hid {
public:
    Hid() = default;
    explicit Hid(hid_t id) : m_id(id) {}
    ~Hid() { reset(); }
    Hid(Hid&& o) noexcept : m_id(o.m_id) { o.m_id = H5I_INVALID_HID; }
    Hid& operator=(Hid&& o) noexcept {
        if (this != &o) {
            reset();
            m_id = o.m_id;
            o.m_id = H5I_INVALID_HID;
        }
        return *this;
    }
    Hid(const Hid&) = delete;
    Hid& operator=(const Hid&) = delete;

    hid_t get() const { return m_id; }
    bool valid() const { return m_id >= 0; }
    explicit operator bool() const { return valid(); }
    void reset() {
        if (m_id >= 0) {
            H5E_BEGIN_TRY { H5Idec_ref(m_id); } H5E_END_TRY;
        }
        m_id = H5I_INVALID_HID;
    }

private:
    hid_t m_id = H5I_INVALID_HID;
};

/// Silences HDF5's automatic error printing for its lifetime: the RAII form
/// of H5E_BEGIN_TRY/H5E_END_TRY, safe when an exception leaves the scope.
/// Also serialises HDF5 use: the Debian library is not built thread-safe.
class Hdf5Scope {
public:
    Hdf5Scope();
    ~Hdf5Scope();
    Hdf5Scope(const Hdf5Scope&) = delete;
    Hdf5Scope& operator=(const Hdf5Scope&) = delete;

private:
    std::unique_lock<std::recursive_mutex> m_lock;
    H5E_auto2_t m_func = nullptr;
    void* m_data = nullptr;
};

/// True when `path` (absolute or relative to loc) names an existing object
/// (every link along the way exists and the last one resolves).
bool objectExists(hid_t loc, const std::string& path);

// ---- single datasets (hdf5_dataset.cpp) -------------------------------------

std::string parentOf(const std::string& path); ///< "/a/b" -> "/a"
std::string lower(std::string s);

/// Opens a dataset, explaining precisely why when it is not one (FileError).
Hid openDataset(const std::string& name, hid_t file, const std::string& path);

/// Reads a small string dataset (fixed or variable length); "" if unreadable.
std::string readString(hid_t file, const std::string& path);

/// Reads a scalar integer or boolean (h5py stores numpy bools as an enum).
bool readScalarInt(hid_t file, const std::string& path, long long& out);

/// Reads a scalar integer or float dataset converted to `memType`.
bool readScalar(hid_t file, const std::string& path, hid_t memType, void* out);

/// The length of a 1-D integer or float dataset of at most `maxCount` numbers
/// whose storage in the file can hold them; nullopt when it is missing, not
/// such a dataset, longer, or claims more than the file stores (checked
/// before anything is allocated).
std::optional<std::uint64_t> vectorLength(hid_t file, const std::string& path, std::uint64_t maxCount);
/// Reads such a dataset (vectorLength() numbers) converted to `memType`.
bool readVector(hid_t file, const std::string& path, hid_t memType, void* out);

struct RawImage;
/// Reads a result saved by PhaseForge: its object, support and parameters
/// (saved_result.cpp).
RawImage readSavedResult(const std::string& name, hid_t file, const LoadOptions& options);

/// A 2-D image or a 3-D stack of them.
struct DatasetGeometry {
    Shape shape;
    std::uint64_t frames = 1;
    bool stack = false;
};

/// Checks type, rank and size of a dataset before anything is allocated;
/// `dtype` receives the numpy spelling of its type.
DatasetGeometry checkGeometry(const std::string& name, const std::string& path, hid_t ds,
                              const LoadOptions& options, std::string& dtype);

/// Reads frame `frame` of a 2-D or 3-D numeric dataset, converted to `memType`.
void readFrame(const std::string& name, const std::string& path, hid_t ds,
               const DatasetGeometry& g, int frame, hid_t memType, void* out);

} // namespace pf::io::detail
