// The file formats PhaseForge reads, from one table (core/src/io/formats.cpp):
// the loader dispatches through it, and the CLI and app help texts, the app's
// file-dialog filters and `phaseforge-cli info` are generated from it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pf::io {

struct FormatInfo {
    std::string_view name;        ///< "CXI", "HDF5", "NPY", "TIFF", "PNG"
    std::string_view description; ///< e.g. "NumPy array", for help texts and filters
    std::vector<std::string_view> extensions; ///< lower case, without the dot; the first is the usual one
    /// The format whose signature the file carries: the name itself, or
    /// "HDF5" for CXI (an HDF5 layout, told apart after opening the file).
    std::string_view container;
    bool isolated = false;        ///< read in the child process (libhdf5 can crash on a corrupt file)
    bool datasetPath = false;     ///< accepts FILE:/path/to/data
};

/// Every format read, in the order help texts and dialogs list them.
const std::vector<FormatInfo>& supportedFormats();

/// The format an extension (with or without the dot, any case) suggests; nullptr if none.
const FormatInfo* formatForExtension(std::string_view extension);

/// "CXI, HDF5 (file.h5:/path/to/data), NPY, TIFF or PNG" for help texts;
/// without the dataset hint, "CXI, HDF5, NPY, TIFF or PNG".
std::string formatListText(bool datasetHint = true);

/// Every format's extensions as file-dialog patterns: "*.cxi *.h5 ... *.png".
std::string filePatterns();

/// A file-dialog filter: "Diffraction data (*.cxi *.h5 ...);;CXI (*.cxi);;...;;All files (*)".
std::string fileDialogFilter(std::string_view allLabel = "Diffraction data");

} // namespace pf::io
