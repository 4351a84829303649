#include "check.h"

#include <phaseforge/log.h>

#include <string>

namespace pf::gpu::detail {

namespace {
std::string where(const char* call, const char* file, int line) {
    return std::string(file) + ":" + std::to_string(line) + ": " + call;
}
} // namespace

void throwCudaError(cudaError_t code, const char* call, const char* file, int line) {
    throw EngineError(where(call, file, line) + " failed: " + cudaGetErrorName(code) + " (" +
                      cudaGetErrorString(code) + ")");
}

const char* cufftResultName(cufftResult code) {
    switch (code) {
    case CUFFT_SUCCESS: return "CUFFT_SUCCESS";
    case CUFFT_INVALID_PLAN: return "CUFFT_INVALID_PLAN";
    case CUFFT_ALLOC_FAILED: return "CUFFT_ALLOC_FAILED (out of device memory)";
    case CUFFT_INVALID_TYPE: return "CUFFT_INVALID_TYPE";
    case CUFFT_INVALID_VALUE: return "CUFFT_INVALID_VALUE";
    case CUFFT_INTERNAL_ERROR: return "CUFFT_INTERNAL_ERROR";
    case CUFFT_EXEC_FAILED: return "CUFFT_EXEC_FAILED";
    case CUFFT_SETUP_FAILED: return "CUFFT_SETUP_FAILED";
    case CUFFT_INVALID_SIZE: return "CUFFT_INVALID_SIZE";
    case CUFFT_UNALIGNED_DATA: return "CUFFT_UNALIGNED_DATA";
    case CUFFT_INVALID_DEVICE: return "CUFFT_INVALID_DEVICE";
    case CUFFT_NO_WORKSPACE: return "CUFFT_NO_WORKSPACE";
    case CUFFT_NOT_IMPLEMENTED: return "CUFFT_NOT_IMPLEMENTED";
    case CUFFT_NOT_SUPPORTED: return "CUFFT_NOT_SUPPORTED";
    default: return "unknown cuFFT error";
    }
}

void throwCufftError(cufftResult code, const char* call, const char* file, int line) {
    throw EngineError(where(call, file, line) + " failed: " + cufftResultName(code) + " (" +
                      std::to_string(int(code)) + ")");
}

void logCudaFailure(cudaError_t code, const char* call, const char* file, int line) noexcept {
    try {
        log(LogLevel::Error,
            where(call, file, line) + " failed in a destructor: " + cudaGetErrorName(code));
    } catch (...) {
    }
}

} // namespace pf::gpu::detail
