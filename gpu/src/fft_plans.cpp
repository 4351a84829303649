// The cuFFT plan cache behind pf::gpu::FftPlans.
#include "phaseforge/gpu/kernels.h"

#include "check.h"
#include "counters.h"

#include <map>
#include <string>
#include <tuple>
#include <utility>

namespace pf::gpu {

namespace {

/// Owns one cuFFT plan.
class PlanHandle {
public:
    PlanHandle() = default;
    explicit PlanHandle(cufftHandle h) : m_handle(h), m_valid(true) {}
    ~PlanHandle() {
        if (m_valid)
            (void)cufftDestroy(m_handle); // never throws; nothing to do on failure
    }
    PlanHandle(const PlanHandle&) = delete;
    PlanHandle& operator=(const PlanHandle&) = delete;
    PlanHandle(PlanHandle&& o) noexcept : m_handle(o.m_handle), m_valid(std::exchange(o.m_valid, false)) {}
    PlanHandle& operator=(PlanHandle&&) = delete;
    cufftHandle get() const { return m_handle; }

private:
    cufftHandle m_handle = 0;
    bool m_valid = false;
};

struct Key {
    int rows, cols, batch;
    cufftType type;
    bool operator<(const Key& o) const {
        return std::tie(rows, cols, batch, type) < std::tie(o.rows, o.cols, o.batch, o.type);
    }
};

void checkShape(Shape shape, int batch, const char* what) {
    if (shape.empty() || batch < 1)
        throw InvalidArgument(std::string(what) + ": shape " + shape.toString() + " and batch " +
                              std::to_string(batch) + " must be positive");
}

/// Makes a 2-D batched plan with the default (contiguous) layout. Returns the
/// work-area size through workBytes.
PlanHandle makePlan(const Key& k, std::size_t* workBytes) {
    cufftHandle h = 0;
    PF_CUFFT_CHECK(cufftCreate(&h));
    PlanHandle owner(h);
    long long n[2] = {k.rows, k.cols};
    std::size_t work = 0;
    // The 64-bit interface: a batch may hold more than 2^31 elements.
    const cufftResult status =
        cufftMakePlanMany64(h, 2, n, nullptr, 1, 0, nullptr, 1, 0, k.type, k.batch, &work);
    if (status == CUFFT_ALLOC_FAILED) {
        std::size_t freeBytes = 0, totalBytes = 0;
        (void)cudaMemGetInfo(&freeBytes, &totalBytes);
        throw EngineError("cuFFT plan for " + std::to_string(k.batch) + " x " +
                          std::to_string(k.rows) + "x" + std::to_string(k.cols) +
                          " could not allocate its work area; " + std::to_string(freeBytes) +
                          " bytes of device memory free");
    }
    PF_CUFFT_CHECK(status);
    if (workBytes)
        *workBytes = work;
    return owner;
}

} // namespace

struct FftPlans::Impl {
    std::map<Key, PlanHandle> plans;
    std::map<Key, std::size_t> work;

    cufftHandle get(Shape s, int batch, cufftType type) {
        const Key k{s.rows, s.cols, batch, type};
        auto it = plans.find(k);
        if (it == plans.end()) {
            std::size_t w = 0;
            it = plans.emplace(k, makePlan(k, &w)).first;
            work[k] = w;
        }
        return it->second.get();
    }
};

FftPlans::FftPlans() : m(std::make_unique<Impl>()) {}
FftPlans::~FftPlans() = default;

void FftPlans::r2c(const float* in, Complex* out, Shape shape, int batch, void* stream) {
    checkShape(shape, batch, "r2c");
    const cufftHandle h = m->get(shape, batch, CUFFT_R2C);
    PF_CUFFT_CHECK(cufftSetStream(h, static_cast<cudaStream_t>(stream)));
    PF_CUFFT_CHECK(cufftExecR2C(h, const_cast<cufftReal*>(in), reinterpret_cast<cufftComplex*>(out)));
    detail::countLaunch();
}

void FftPlans::c2r(Complex* in, float* out, Shape shape, int batch, void* stream) {
    checkShape(shape, batch, "c2r");
    const cufftHandle h = m->get(shape, batch, CUFFT_C2R);
    PF_CUFFT_CHECK(cufftSetStream(h, static_cast<cudaStream_t>(stream)));
    PF_CUFFT_CHECK(cufftExecC2R(h, reinterpret_cast<cufftComplex*>(in), out));
    detail::countLaunch();
}

std::size_t FftPlans::prepare(Shape shape, int batch) {
    checkShape(shape, batch, "prepare");
    m->get(shape, batch, CUFFT_R2C);
    m->get(shape, batch, CUFFT_C2R);
    return m->work[Key{shape.rows, shape.cols, batch, CUFFT_R2C}] +
           m->work[Key{shape.rows, shape.cols, batch, CUFFT_C2R}];
}

std::size_t FftPlans::estimateWorkBytes(Shape shape, int batch) {
    checkShape(shape, batch, "estimateWorkBytes");
    long long n[2] = {shape.rows, shape.cols};
    std::size_t total = 0;
    for (cufftType type : {CUFFT_R2C, CUFFT_C2R}) {
        cufftHandle h = 0;
        PF_CUFFT_CHECK(cufftCreate(&h));
        PlanHandle owner(h);
        std::size_t w = 0;
        PF_CUFFT_CHECK(cufftGetSizeMany64(h, 2, n, nullptr, 1, 0, nullptr, 1, 0, type, batch, &w));
        total += w;
    }
    return total;
}

} // namespace pf::gpu
