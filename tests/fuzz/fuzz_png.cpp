// libFuzzer harness for the PNG reader: any bytes must end in a FileError or
// in a frame that converts to a valid image and Problem (fuzz_check.h), never
// in a crash, a hang, a sanitizer report or a huge allocation.
// Built and run by tests/fuzz/run-fuzzers.
#include "fuzz_check.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const pf::io::LoadOptions options = pf::fuzz::fuzzOptions();
    const pf::io::detail::Bytes bytes(data, size);
    pf::fuzz::checkReader([&] { return pf::io::detail::readPng("fuzz.png", bytes, options); }, options);
    return 0;
}
