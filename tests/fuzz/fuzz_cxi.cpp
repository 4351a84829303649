// libFuzzer harness for the CXI reader: an HDF5 file image in memory read with
// no dataset named, so that every input goes through CXI discovery (entry_N,
// data_1/data, image_1/data, detector data), data_type, data_space,
// is_fft_shifted and the mask bits. Any bytes must end in a FileError or in a
// frame that converts to a valid image and Problem (fuzz_check.h).
// Built and run by tests/fuzz/run-fuzzers.
#include "fuzz_check.h"

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    pf::io::LoadOptions options = pf::fuzz::fuzzOptions();
    // HDF5 ignores bytes past the end of the file, so the input's length is a
    // free channel: it picks the entry (0: the first with data, 1, 2) and the
    // frame of a 3-D stack (-1: the default, 0, 1).
    options.entry = int(size % 3);
    options.frame = int((size / 3) % 3) - 1;
    const pf::io::detail::Bytes bytes(data, size);
    pf::fuzz::checkReader([&] { return pf::io::detail::readHdf5Memory("fuzz.cxi", bytes, "", options); },
                          options);
    // Every file object the reader opened (the file, groups, datasets, named
    // types, attributes) must be closed again, whatever happened.
    if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) std::abort();
    return 0;
}
