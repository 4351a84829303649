// libFuzzer harness for the NPY reader: any bytes must end in a FileError or
// in a frame that converts to a valid image and Problem (fuzz_check.h), never
// in a crash, a hang, a sanitizer report or a huge allocation.
// Built and run by tests/fuzz/run-fuzzers.
#include "fuzz_check.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    pf::io::LoadOptions options = pf::fuzz::fuzzOptions();
    // The input's length picks the frame of a 3-D array (-1: the default, 0, 1), so
    // that the mutator reaches the selection code without a separate channel.
    options.frame = int(size % 3) - 1;
    const pf::io::detail::Bytes bytes(data, size);
    pf::fuzz::checkReader([&] { return pf::io::detail::readNpy("fuzz.npy", bytes, options); }, options);
    return 0;
}
