#include "fused_transforms.h"

#include "check.h"
#include "counters.h"
#include "fused_callbacks_fatbin.h" // generated: <name>_fatbin[], one LTO-IR fatbin per callback

#include <cufftXt.h>

namespace pf::gpu::detail {

bool fusable(Algorithm a) {
    return a == Algorithm::GS || a == Algorithm::ER || a == Algorithm::OO;
}

namespace {
Rule ruleOf(Algorithm a) { return a == Algorithm::OO ? Rule::Oo : Rule::ErGs; }
} // namespace

FusedTransforms::FusedTransforms(Shape shape, int batch, const FusedInfo* info)
    : m_shape(shape), m_batch(batch), m_info(info) {}

FusedTransforms::~FusedTransforms() {
    for (auto& [rule, plan] : m_plans)
        (void)cufftDestroy(plan); // never throws
}

void FusedTransforms::prepare(Algorithm a) {
    if (!fusable(a))
        throw InvalidArgument("fused transforms: " + std::string(algorithmName(a)) +
                              " reads g and is not fused");
    const Rule rule = ruleOf(a);
    if (m_plans.count(rule))
        return;
    cufftHandle h = 0;
    PF_CUFFT_CHECK(cufftCreate(&h));
    try {
        void* info = const_cast<FusedInfo*>(m_info);
        if (rule == Rule::Oo)
            PF_CUFFT_CHECK(cufftXtSetJITCallback(h, "pf_load_oo", pf_load_oo_fatbin,
                                                 sizeof pf_load_oo_fatbin, CUFFT_CB_LD_REAL, &info));
        else
            PF_CUFFT_CHECK(cufftXtSetJITCallback(h, "pf_load_er", pf_load_er_fatbin,
                                                 sizeof pf_load_er_fatbin, CUFFT_CB_LD_REAL, &info));
        PF_CUFFT_CHECK(cufftXtSetJITCallback(h, "pf_store_project", pf_store_project_fatbin,
                                             sizeof pf_store_project_fatbin, CUFFT_CB_ST_COMPLEX,
                                             &info));
        int n[2] = {m_shape.rows, m_shape.cols};
        std::size_t work = 0;
        PF_CUFFT_CHECK(cufftMakePlanMany(h, 2, n, nullptr, 1, 0, nullptr, 1, 0, CUFFT_R2C,
                                         m_batch, &work));
        m_work += work;
    } catch (...) {
        (void)cufftDestroy(h);
        throw;
    }
    m_plans.emplace(rule, h);
}

void FusedTransforms::r2c(Algorithm a, const float* gOut, Complex* spectrum, cudaStream_t stream) {
    prepare(a);
    const cufftHandle h = m_plans.at(ruleOf(a));
    PF_CUFFT_CHECK(cufftSetStream(h, stream));
    PF_CUFFT_CHECK(cufftExecR2C(h, const_cast<cufftReal*>(gOut),
                                reinterpret_cast<cufftComplex*>(spectrum)));
    countLaunch();
}

} // namespace pf::gpu::detail
