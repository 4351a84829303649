// libFuzzer harness for reading a saved result (loadSavedResult's reader):
// an HDF5 file image in memory read for its object, support and process_1
// fields, then turned into a SavedResult in this process as the caller's side
// does. Any bytes must end in a FileError or in an object and support of
// agreeing sizes and parameters that validate (unknown fields fall back to
// the defaults). Built and run by tests/fuzz/run-fuzzers.
#include "fuzz_check.h"

#include <phaseforge/io/saved_result.h>

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const pf::io::LoadOptions options = pf::fuzz::fuzzOptions();
    const pf::io::detail::Bytes bytes(data, size);
    try {
        pf::io::detail::RawImage raw = pf::io::detail::readHdf5Memory(
            "fuzz.cxi", bytes, "", options, pf::io::detail::ReadPurpose::SavedResult);
        const pf::io::SavedResult saved = pf::io::detail::toSavedResult(std::move(raw), "fuzz.cxi");
        if (saved.object.data.size() != saved.object.shape.size()) std::abort();
        if (!saved.support.empty() && !(saved.support.shape == saved.object.shape)) std::abort();
        if (saved.support.data.size() != saved.support.shape.size()) std::abort();
        saved.parameters.validate(); // throws InvalidArgument (a finding) if not
    } catch (const pf::FileError&) {
        // the expected outcome for malformed input
    }
    if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) std::abort();
    return 0;
}
