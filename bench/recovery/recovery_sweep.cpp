// One line of JSON per object for the recovery protocols of
// tests/core/tst_recovery.cpp (tests/support/recovery.h), for objects
// first .. first + count - 1. bench/recovery/run splits a sweep over processes
// and bench/recovery/summary.py turns the lines into failure probabilities.
//
//   pf_bench_recovery wrap  FIRST COUNT STARTS     fixed vs shrink-wrapped support
//   pf_bench_recovery known FIRST COUNT STARTS     known support, STARTS starts
//
// Object k uses the seeds the test gives its k-th object for base seed FIRST - k
// (wrap: start seed object + 1000; known: start seed object · 31).
#include "recovery.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s wrap|known FIRST COUNT STARTS\n", argv[0]);
        return 2;
    }
    const std::string protocol = argv[1];
    const std::uint64_t first = std::strtoull(argv[2], nullptr, 10);
    const long count = std::strtol(argv[3], nullptr, 10);
    const int starts = std::atoi(argv[4]);
    for (long k = 0; k < count; ++k) {
        const std::uint64_t object = first + std::uint64_t(k);
        if (protocol == "wrap") {
            const pftest::SupportErrors e =
                pftest::autocorrelationSupportErrors(object, object + 1000, starts);
            std::printf("{\"protocol\": \"wrap\", \"object\": %llu, \"starts\": %d, "
                        "\"fixed\": %.6f, \"wrapped\": %.6f}\n",
                        (unsigned long long)object, starts, e.fixed, e.wrapped);
        } else if (protocol == "known") {
            const double err = pftest::knownSupportError(object, object * 31, starts).error;
            std::printf("{\"protocol\": \"known\", \"object\": %llu, \"starts\": %d, \"error\": %.6f}\n",
                        (unsigned long long)object, starts, err);
        } else {
            std::fprintf(stderr, "unknown protocol %s\n", protocol.c_str());
            return 2;
        }
        std::fflush(stdout);
    }
    return 0;
}
