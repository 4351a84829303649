#include "hdf5_support.h"

namespace pf::io::detail {
namespace {
std::recursive_mutex& hdf5Mutex() {
    static std::recursive_mutex m;
    return m;
}
} // namespace

Hdf5Scope::Hdf5Scope() : m_lock(hdf5Mutex()) {
    H5Eget_auto2(H5E_DEFAULT, &m_func, &m_data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Hdf5Scope::~Hdf5Scope() { H5Eset_auto2(H5E_DEFAULT, m_func, m_data); }

bool objectExists(hid_t loc, const std::string& path) {
    // H5Lexists fails (rather than answering false) when an intermediate
    // link is missing, so walk the path one component at a time.
    std::size_t pos = 0;
    std::string prefix;
    if (!path.empty() && path[0] == '/') {
        prefix = "/";
        pos = 1;
    }
    while (pos <= path.size()) {
        std::size_t next = path.find('/', pos);
        if (next == std::string::npos) next = path.size();
        const std::string part = path.substr(pos, next - pos);
        if (!part.empty() && part != ".") {
            prefix += (prefix.empty() || prefix.back() == '/') ? part : "/" + part;
            htri_t exists = -1;
            H5E_BEGIN_TRY { exists = H5Lexists(loc, prefix.c_str(), H5P_DEFAULT); } H5E_END_TRY;
            if (exists <= 0) return false;
            htri_t resolves = -1;
            H5E_BEGIN_TRY { resolves = H5Oexists_by_name(loc, prefix.c_str(), H5P_DEFAULT); } H5E_END_TRY;
            if (resolves <= 0) return false;
        }
        pos = next + 1;
    }
    return true;
}

} // namespace pf::io::detail
