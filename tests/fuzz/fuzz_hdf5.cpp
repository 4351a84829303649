// libFuzzer harness for the HDF5 reader with a named dataset ("file.h5:/path"):
// any bytes, taken as an HDF5 file image in memory, must end in a FileError or
// in a frame that converts to a valid image and Problem (fuzz_check.h).
// fuzz_cxi.cpp covers the CXI discovery path (no dataset named).
// Built and run by tests/fuzz/run-fuzzers.
#include "fuzz_check.h"

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    pf::io::LoadOptions options = pf::fuzz::fuzzOptions();
    // HDF5 ignores bytes past the end of the file, so the input's length is a
    // free channel: it picks the dataset path (the seeds' paths, a group, a
    // path through a missing link) and the frame of a 3-D stack.
    static const char* const paths[] = {"/data", "/a/b/pattern", "/a/stack", "/entry_1/data_1/data",
                                        "/a", "/missing/x"};
    const std::string dataset = paths[size % 6];
    options.frame = int((size / 6) % 3) - 1;
    const pf::io::detail::Bytes bytes(data, size);
    pf::fuzz::checkReader(
        [&] { return pf::io::detail::readHdf5Memory("fuzz.h5", bytes, dataset, options); }, options);
    // Every file object the reader opened (the file, groups, datasets, named
    // types, attributes) must be closed again, whatever happened.
    if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) std::abort();
    return 0;
}
