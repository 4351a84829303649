// The table of formats: what the public registry shows, how each is
// recognised and which reader it takes. Adding a format is one row here and
// its reader.
#include "formats_table.h"

#include <cctype>
#include <cstring>

namespace pf::io {
namespace detail {
namespace {

bool startsWith(Bytes head, const char* magic, std::size_t n, std::size_t at = 0) {
    return head.size() >= at + n && std::memcmp(head.data() + at, magic, n) == 0;
}

bool sniffHdf5(Bytes head) {
    // The signature sits at 0 or after a user block of 512·2^k bytes.
    for (std::size_t at = 0; at < head.size(); at = at ? at * 2 : 512)
        if (startsWith(head, "\x89HDF\r\n\x1a\n", 8, at)) return true;
    return false;
}
bool sniffNpy(Bytes head) { return startsWith(head, "\x93NUMPY", 6); }
bool sniffTiff(Bytes head) {
    return startsWith(head, "II*\0", 4) || startsWith(head, "MM\0*", 4) || startsWith(head, "II+\0", 4) ||
           startsWith(head, "MM\0+", 4);
}
bool sniffPng(Bytes head) { return startsWith(head, "\x89PNG\r\n\x1a\n", 8); }

RawImage readHdf5Image(const std::string& name, Bytes bytes, const std::string& dataset,
                       const LoadOptions& options, ReadPurpose purpose) {
    return readHdf5Memory(name, bytes, dataset, options, purpose);
}
RawImage readHdf5Isolated(const std::string& path, const std::string& dataset, const LoadOptions& options,
                          ReadPurpose purpose) {
    return readHdf5FileIsolated(path, dataset, options, purpose);
}
template <RawImage (*Read)(const std::string&, Bytes, const LoadOptions&)>
RawImage readPlain(const std::string& name, Bytes bytes, const std::string&, const LoadOptions& options,
                   ReadPurpose) {
    return Read(name, bytes, options);
}

} // namespace

const std::vector<FormatRow>& formatTable() {
    static const std::vector<FormatRow> table = {
        {{"CXI", "Coherent X-ray Imaging (HDF5)", {"cxi"}, "HDF5", true, true}, nullptr, nullptr, nullptr},
        {{"HDF5", "HDF5 or NeXus", {"h5", "hdf5", "hdf", "nxs"}, "HDF5", true, true},
         sniffHdf5, readHdf5Image, readHdf5Isolated},
        {{"NPY", "NumPy array", {"npy"}, "NPY", false, false}, sniffNpy, readPlain<readNpy>, nullptr},
        {{"TIFF", "TIFF image or stack", {"tif", "tiff"}, "TIFF", false, false}, sniffTiff, readPlain<readTiff>,
         nullptr},
        {{"PNG", "PNG image", {"png"}, "PNG", false, false}, sniffPng, readPlain<readPng>, nullptr},
    };
    return table;
}

const FormatRow* sniffFormat(Bytes head) {
    for (const FormatRow& row : formatTable())
        if (row.sniff && row.sniff(head)) return &row;
    return nullptr;
}

} // namespace detail

const std::vector<FormatInfo>& supportedFormats() {
    static const std::vector<FormatInfo> formats = [] {
        std::vector<FormatInfo> out;
        for (const auto& row : detail::formatTable()) out.push_back(row.info);
        return out;
    }();
    return formats;
}

const FormatInfo* formatForExtension(std::string_view extension) {
    if (!extension.empty() && extension.front() == '.') extension.remove_prefix(1);
    std::string lower(extension);
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    for (const FormatInfo& f : supportedFormats())
        for (std::string_view e : f.extensions)
            if (e == lower) return &f;
    return nullptr;
}

std::string formatListText(bool datasetHint) {
    const auto& formats = supportedFormats();
    std::string out;
    for (std::size_t i = 0; i < formats.size(); ++i) {
        if (i) out += i + 1 == formats.size() ? " or " : ", ";
        out += formats[i].name;
        if (datasetHint && formats[i].datasetPath && formats[i].container == formats[i].name)
            out += " (file." + std::string(formats[i].extensions.front()) + ":/path/to/data)";
    }
    return out;
}

namespace {
std::string patternsOf(const FormatInfo& f) {
    std::string patterns;
    for (std::string_view e : f.extensions) patterns += (patterns.empty() ? "*." : " *.") + std::string(e);
    return patterns;
}
} // namespace

std::string filePatterns() {
    std::string all;
    for (const FormatInfo& f : supportedFormats()) all += (all.empty() ? "" : " ") + patternsOf(f);
    return all;
}

std::string fileDialogFilter(std::string_view allLabel) {
    std::string each;
    for (const FormatInfo& f : supportedFormats()) each += ";;" + std::string(f.name) + " (" + patternsOf(f) + ")";
    return std::string(allLabel) + " (" + filePatterns() + ")" + each + ";;All files (*)";
}

} // namespace pf::io
