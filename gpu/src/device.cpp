#include "phaseforge/gpu/kernels.h"

#include "check.h"

#include <string>

namespace pf::gpu {

bool deviceAvailable(std::string* why) {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        (void)cudaGetLastError();
        if (why)
            *why = std::string("no usable CUDA driver or device (cudaGetDeviceCount: ") +
                   cudaGetErrorName(status) + ", " + cudaGetErrorString(status) + ")";
        return false;
    }
    if (count <= 0) {
        if (why)
            *why = "no CUDA device found";
        return false;
    }
    if (why)
        why->clear();
    return true;
}

int deviceCount() {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        (void)cudaGetLastError();
        return 0;
    }
    return count;
}

std::string deviceName() {
    int device = 0;
    PF_CUDA_CHECK(cudaGetDevice(&device));
    cudaDeviceProp prop{};
    PF_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    return prop.name;
}

} // namespace pf::gpu
