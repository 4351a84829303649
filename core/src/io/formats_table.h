// The format table behind phaseforge/io/formats.h, with what only the loader
// needs: how each format is recognised and read. Private to core/src/io.
#pragma once

#include "phaseforge/io/formats.h"
#include "raw_image.h"

namespace pf::io::detail {

struct FormatRow {
    FormatInfo info;
    /// Recognises the file's first bytes; nullptr for a layout told apart
    /// inside its container (CXI inside HDF5).
    bool (*sniff)(Bytes head);
    /// Reads from bytes in memory (the fuzzers read HDF5 this way too).
    RawImage (*readMemory)(const std::string& name, Bytes bytes, const std::string& dataset,
                           const LoadOptions& options, ReadPurpose purpose);
    /// For isolated formats: reads the file by path in the child process.
    RawImage (*readFile)(const std::string& path, const std::string& dataset, const LoadOptions& options,
                         ReadPurpose purpose);
};

const std::vector<FormatRow>& formatTable();

/// The row whose signature the bytes carry; nullptr when none does.
const FormatRow* sniffFormat(Bytes head);

} // namespace pf::io::detail
