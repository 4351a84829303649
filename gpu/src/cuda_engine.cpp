// CudaEngine: the state of one problem on the device and the orchestration of
// its iterations. The iterations themselves are the paths' (iteration_path.h);
// this file chooses the path, captures and replays its batches as CUDA graphs,
// and owns metrics, supports, reading and publishing.
#include "phaseforge/gpu/cuda_engine.h"

#include "autocorrelation_fill.h"
#include "check.h"
#include "counters.h"
#include "cuda_resources.h"
#include "engine_kernels.h"
#include "engine_state.h"
#include "iteration_path.h"
#include "metrics_pipeline.h"
#include "object_rule.h"
#include "phaseforge/gpu/device_display.h"
#include "phaseforge/gpu/kernels.h"
#include "two_pass.h"

#include <phaseforge/error.h>
#include <phaseforge/problem.h>
#include <phaseforge/support.h>

#include <cmath>
#include <map>
#include <tuple>

namespace pf::gpu {

using detail::count;
using detail::counters;

namespace {

/// Iterations captured in one graph at most; longer runs replay it.
constexpr int kMaxGraphIterations = 64;
/// Graphs kept at most (distinct rules and lengths); the cache is cleared beyond.
constexpr std::size_t kMaxGraphs = 64;

/// What a captured batch depends on besides device memory. β is not part of
/// it: the kernels read β on the device (EngineState::beta).
struct GraphKey {
    detail::Rule rule;
    int length;
    bool record;
    bool wholeField;
    bool operator<(const GraphKey& o) const {
        return std::tie(rule, length, record, wholeField) <
               std::tie(o.rule, o.length, o.record, o.wholeField);
    }
};

bool runsTwoPass(CudaPath path, Shape shape, int starts) {
    switch (path) {
    case CudaPath::Stage1: return false;
    case CudaPath::TwoPass: return detail::twoPassShape(shape);
    case CudaPath::Automatic: break;
    }
    return detail::twoPassByDefault(shape, starts);
}

} // namespace

struct CudaEngine::State : detail::EngineState {
    std::unique_ptr<detail::IterationPath> path;
    bool twoPass = false; ///< which kind `path` is
    long long iteration = 0;
    int metricsEvery = 1;
    std::map<GraphKey, detail::GraphExec> graphs;
    detail::MetricsPipeline metrics;
    // Shrink-wrap scratch.
    DeviceBuffer<float> blurWeights;
    DeviceBuffer<unsigned int> peakBits;
    DeviceBuffer<double> newCounts;
    DeviceBuffer<float> shrinkThresholds; ///< one per start, uploaded per update

    void setBeta(const Step& step);
    void runIterations(const Step& step, int length, bool record);
};

void CudaEngine::State::setBeta(const Step& step) {
    // Stream-ordered before the work that reads it; the kernel copies the value.
    if (usesBeta(step.algorithm) && step.beta != betaWritten) {
        detail::setDeviceFloat(beta.data(), step.beta, cudaStream());
        betaWritten = step.beta;
    }
}

void CudaEngine::State::runIterations(const Step& step, int length, bool record) {
    const detail::Rule rule = detail::ruleOf(step.algorithm);
    setBeta(step);
    if (!path->capturable()) {
        path->enqueue(rule, length, record);
    } else {
        const GraphKey key{rule, length, record, wholeField};
        auto it = graphs.find(key);
        if (it == graphs.end()) {
            if (graphs.size() >= kMaxGraphs)
                graphs.clear();
            detail::CaptureGuard capture(cudaStream());
            path->enqueue(rule, length, record);
            it = graphs.emplace(key, capture.finish()).first;
        }
        PF_CUDA_CHECK(cudaGraphLaunch(it->second.get(), cudaStream()));
        count(counters().graphLaunches);
        detail::countLaunch(it->second.launches());
    }
    iteration += length;
    if (record)
        metrics.enqueue(slot.data(), iteration, cudaStream());
}

CudaEngine::CudaEngine(int device) : m_device(device) {
    std::string why;
    if (!deviceAvailable(&why))
        throw EngineError("cuda engine: " + why);
    int devices = 0;
    PF_CUDA_CHECK(cudaGetDeviceCount(&devices));
    if (device < 0 || device >= devices)
        throw InvalidArgument("cuda engine: device " + std::to_string(device) +
                              " does not exist (" + std::to_string(devices) +
                              " found: indices 0.." + std::to_string(devices - 1) + ")");
    detail::DeviceGuard guard(m_device);
    m_deviceName = deviceName();
}

CudaEngine::CudaEngine(const EngineOptions& options) : CudaEngine(options.device) {
    m_path = options.path;
    m_tuning = options.twoPassTuning;
}

CudaEngine::~CudaEngine() {
    if (!m)
        return;
    int previous = 0;
    PF_CUDA_CHECK_NOTHROW(cudaGetDevice(&previous));
    PF_CUDA_CHECK_NOTHROW(cudaSetDevice(m_device));
    PF_CUDA_CHECK_NOTHROW(cudaStreamSynchronize(m->cudaStream()));
    m.reset();
    PF_CUDA_CHECK_NOTHROW(cudaSetDevice(previous));
}

EngineInfo CudaEngine::info() const {
    if (m)
        return {m->path->name(), m_deviceName};
    // Before load() the shape is unknown: name the path asked for.
    return {m_path == CudaPath::TwoPass ? "cuda two-pass" : "cuda", m_deviceName};
}

DeviceFootprint CudaEngine::estimateFootprint(Shape shape, int starts, CudaPath path) {
    if (shape.empty() || starts < 1)
        throw InvalidArgument("estimateFootprint: empty shape or no start");
    const std::size_t K = std::size_t(starts), n = shape.size(), half = shape.halfSize();
    DeviceFootprint f;
    f.state = K * (n * (2 * sizeof(float) + 1) + half * sizeof(Complex));
    f.weights = half * 4 * sizeof(float);
    f.other = 4 * K * sizeof(double) + sizeof(float);
    if (runsTwoPass(path, shape, starts)) {
        f.state += K * std::size_t(shape.rows) * std::size_t(detail::twoPassPitch(shape)) * 8;
        f.other += std::size_t(detail::twiddleCount(shape.cols)) * 8;
    }
    try {
        f.fftWork = FftPlans::estimateWorkBytes(shape, starts);
    } catch (const EngineError&) {
        f.fftWork = K * half * sizeof(Complex); // cuFFT could not say: assume one spectrum
    }
    return f;
}

void CudaEngine::load(const Problem& problem, std::span<const InitialGuess> guesses) {
    problem.validate();
    loadValidated(problem, guesses);
}

void CudaEngine::loadValidated(ProblemRef problem, std::span<const InitialGuess> guesses) {
    if (guesses.empty())
        throw InvalidArgument("starts: at least one initial guess is needed");
    detail::DeviceGuard guard(m_device);
    m.reset(); // free the previous problem before measuring what is free

    const Shape s = problem.shape();
    const int K = int(guesses.size());
    const DeviceFootprint need = estimateFootprint(s, K, m_path);
    const DeviceMemoryInfo mem = deviceMemoryInfo();
    if (need.total() > mem.freeBytes)
        throw EngineError("cuda engine: a " + s.toString() + " problem with " +
                          std::to_string(K) + " start(s) needs " + std::to_string(need.total()) +
                          " bytes of device memory, but only " + std::to_string(mem.freeBytes) +
                          " bytes are free (of " + std::to_string(mem.totalBytes) + ")");

    auto st = std::make_unique<State>();
    st->shape = s;
    st->starts = K;
    const std::size_t n = s.size(), half = s.halfSize();
    void* stream = st->stream.handle();
    st->g = DeviceBuffer<float>(K * n);
    st->gOut = DeviceBuffer<float>(K * n);
    st->spectrum = DeviceBuffer<Complex>(K * half);
    st->support = DeviceBuffer<std::uint8_t>(K * n);
    st->slot = DeviceBuffer<double>(4 * std::size_t(K));
    st->beta = DeviceBuffer<float>(1);
    st->peakBits = DeviceBuffer<unsigned int>(std::size_t(K));
    st->newCounts = DeviceBuffer<double>(std::size_t(K));
    st->shrinkThresholds = DeviceBuffer<float>(std::size_t(K));
    st->weights = DeviceWeights(hermitianWeights(problem), stream);
    st->footprint = need;
    st->footprint.state = K * (n * (2 * sizeof(float) + 1) + half * sizeof(Complex));
    st->footprint.other = 4 * std::size_t(K) * sizeof(double) + sizeof(float);
    st->footprint.fftWork = st->plans.prepare(s, K);
    detail::setDeviceFloat(st->beta.data(), 1.0f, st->cudaStream());
    st->betaWritten = 1.0f;

    // g0 = g'0 = Re(IFFT(M·exp(iφ0))): the Hermitian half spectrum of each
    // start, one start at a time through one host buffer. A start from an
    // object (InitialGuess::Kind::Object) transforms zeros here and is
    // overwritten with its object below, bit for bit.
    for (int k = 0; k < K; ++k) {
        const InitialGuess& guess = guesses[std::size_t(k)];
        const std::vector<std::complex<float>> h =
            initialObject(guess, s) ? std::vector<std::complex<float>>(half)
                                    : initialHalfSpectrum(problem, guess);
        upload(st->spectrum.data() + std::size_t(k) * half, h.data(), half * sizeof(Complex),
               stream);
        synchronize(stream); // h dies here
    }
    st->plans.c2r(st->spectrum.data(), st->gOut.data(), s, K, stream);
    detail::scaleAndDuplicate(st->gOut.data(), st->g.data(), 1.0f / float(n), s, K,
                              st->cudaStream());
    for (int k = 0; k < K; ++k)
        if (const ImageF* object = initialObject(guesses[std::size_t(k)], s)) {
            for (float* to : {st->g.data(), st->gOut.data()})
                upload(to + std::size_t(k) * n, object->data.data(), n * sizeof(float), stream);
            synchronize(stream);
        }

    if (problem.support.empty()) {
        detail::fillSupport(st->support.data(), st->supportCounts(), s, K, st->cudaStream());
        st->wholeField = true;
    } else {
        for (int k = 0; k < K; ++k)
            upload(st->support.data() + std::size_t(k) * n, problem.support.data.data(), n, stream);
        detail::countSupport(st->support.data(), st->supportCounts(), s, K, st->cudaStream());
        st->wholeField = false;
    }
    st->metrics = detail::MetricsPipeline(K, st->weights.sumMeasuredSquared());
    m = std::move(st);
    try {
        choosePath();
        synchronize(stream);
    } catch (...) {
        m.reset();
        throw;
    }
}

void CudaEngine::choosePath() {
    const bool twoPass = runsTwoPass(m_path, m->shape, m->starts);
    if (m->path && twoPass == m->twoPass)
        return;
    // The graphs hold the old path's kernels and buffers.
    m->graphs.clear();
    m->path.reset();
    m->path = twoPass ? detail::makeTwoPassPath(*m, m_tuning) : detail::makeStage1Path(*m);
    m->twoPass = twoPass;
    m->path->prepare();
}

bool CudaEngine::twoPassActive() const { return m && m->twoPass; }

void CudaEngine::setPath(CudaPath path) {
    m_path = path;
    if (m) {
        detail::DeviceGuard guard(m_device);
        choosePath();
    }
}

void CudaEngine::setTwoPassTuning(const TwoPassTuning& tuning) {
    m_tuning = tuning;
    if (m && m->twoPass) {
        detail::DeviceGuard guard(m_device);
        m->twoPass = false; // makes choosePath() rebuild the path with the new shapes
        choosePath();
    }
}

int CudaEngine::startCount() const { return m ? m->starts : 0; }
Shape CudaEngine::shape() const { return m ? m->shape : Shape{}; }
long long CudaEngine::iteration() const { return m ? m->iteration : 0; }

void CudaEngine::iterate(const Step& step, int count) {
    if (!m)
        throw InvalidArgument("cuda engine: iterate() before load()");
    if (usesBeta(step.algorithm))
        checkBeta(step.beta);
    detail::DeviceGuard guard(m_device);
    const bool recordingOff = metricsRecording() == MetricsRecording::Off;
    long long remaining = count;
    while (remaining > 0) {
        // Run up to the next iteration that may record: a multiple of the
        // interval, or the last of this call (the whole call when recording
        // is off). Engine::recordsMetrics says whether it does.
        const long long every = m->metricsEvery;
        long long toRecord = recordingOff ? remaining : every - m->iteration % every;
        if (toRecord > remaining)
            toRecord = remaining;
        remaining -= toRecord;
        const bool record = recordsMetrics(m->iteration + toRecord, int(every), remaining == 0);
        while (toRecord > kMaxGraphIterations) {
            m->runIterations(step, kMaxGraphIterations, false);
            toRecord -= kMaxGraphIterations;
        }
        m->runIterations(step, int(toRecord), record);
    }
}

void CudaEngine::setSupport(const Mask& support) {
    if (!m)
        throw InvalidArgument("cuda engine: setSupport() before load()");
    if (!support.empty() && support.shape != m->shape)
        throw InvalidArgument("support: shape " + support.shape.toString() +
                              " differs from the problem's " + m->shape.toString());
    detail::DeviceGuard guard(m_device);
    const Shape s = m->shape;
    if (support.empty()) {
        detail::fillSupport(m->support.data(), m->supportCounts(), s, m->starts, m->cudaStream());
        m->wholeField = true;
        return;
    }
    if (countOnes(support) == 0)
        throw InvalidArgument("support: it is empty (no pixel may be non-zero)");
    for (int k = 0; k < m->starts; ++k)
        upload(m->support.data() + std::size_t(k) * s.size(), support.data.data(), s.size(),
               m->stream.handle());
    detail::countSupport(m->support.data(), m->supportCounts(), s, m->starts, m->cudaStream());
    m->wholeField = false;
}

void CudaEngine::setStartSupport(int start, const Mask& support) {
    if (!m)
        throw InvalidArgument("cuda engine: setStartSupport() before load()");
    if (start < 0 || start >= m->starts)
        throw InvalidArgument("support: no start " + std::to_string(start));
    if (support.shape != m->shape)
        throw InvalidArgument("support: shape " + support.shape.toString() +
                              " differs from the problem's " + m->shape.toString());
    if (countOnes(support) == 0)
        throw InvalidArgument("support: it is empty (no pixel may be non-zero)");
    detail::DeviceGuard guard(m_device);
    const Shape s = m->shape;
    if (m->wholeField) // the other starts keep the whole field, now written out
        detail::fillSupport(m->support.data(), m->supportCounts(), s, m->starts, m->cudaStream());
    upload(m->support.data() + std::size_t(start) * s.size(), support.data.data(), s.size(),
           m->stream.handle());
    detail::countSupport(m->support.data(), m->supportCounts(), s, m->starts, m->cudaStream());
    m->wholeField = false;
}

void CudaEngine::shrinkWrap(const ShrinkWrapUpdate& update) {
    if (!m)
        throw InvalidArgument("cuda engine: shrinkWrap() before load()");
    update.validate(m->starts);
    detail::DeviceGuard guard(m_device);
    int radius = 0;
    const std::vector<float> w = gaussianBlurWeights(update.sigma, radius);
    if (m->blurWeights.size() < w.size())
        m->blurWeights = DeviceBuffer<float>(w.size());
    upload(m->blurWeights.data(), w.data(), w.size() * sizeof(float), m->stream.handle());
    // The spectrum is scratch between iterations and holds >= n floats per start.
    const detail::ShrinkWrapScratch scratch{reinterpret_cast<float*>(m->spectrum.data()),
                                            m->peakBits.data(), m->newCounts.data(),
                                            m->blurWeights.data(), radius};
    upload(m->shrinkThresholds.data(), update.thresholds.data(),
           update.thresholds.size() * sizeof(float), m->stream.handle());
    const detail::ShrinkWrapLimits limits{m->shrinkThresholds.data(), update.minPixels,
                                          update.maxPixels};
    detail::shrinkWrapSupport(m->g.data(), m->support.data(), m->supportCounts(), scratch,
                              limits, m->shape, m->starts, m->cudaStream());
    m->wholeField = false;
    synchronize(m->stream.handle()); // w and the thresholds die here; shrink-wrap is rare
}

void CudaEngine::fillAutocorrelation(const IntensityFill& fill, std::span<float> out) {
    detail::DeviceGuard guard(m_device);
    detail::fillAutocorrelationOnDevice(fill, out);
}

void CudaEngine::setMetricsInterval(int every) {
    if (every < 1)
        throw InvalidArgument("metrics interval: must be at least 1, got " + std::to_string(every));
    if (!m)
        throw InvalidArgument("cuda engine: setMetricsInterval() before load()");
    m->metricsEvery = every;
}

std::vector<MetricsRecord> CudaEngine::takeMetrics() {
    if (!m)
        return {};
    detail::DeviceGuard guard(m_device);
    m->metrics.drain(false);
    return m->metrics.take();
}

void CudaEngine::finish() {
    if (!m)
        return;
    detail::DeviceGuard guard(m_device);
    synchronize(m->stream.handle());
    m->metrics.drain(true);
}

void CudaEngine::readIterate(int start, std::span<float> out) {
    if (!m)
        throw InvalidArgument("cuda engine: readIterate() before load()");
    checkStart(start, m->starts);
    if (out.size() != m->n())
        throw InvalidArgument("readIterate: output holds " + std::to_string(out.size()) +
                              " values, needs " + std::to_string(m->n()));
    detail::DeviceGuard guard(m_device);
    download(out.data(), m->g.data() + std::size_t(start) * m->n(), m->n() * sizeof(float),
             m->stream.handle());
    synchronize(m->stream.handle());
}

void CudaEngine::setIterate(int start, std::span<const float> iterate) {
    if (!m)
        throw InvalidArgument("cuda engine: setIterate() before load()");
    checkIterate(start, m->starts, iterate, m->shape);
    detail::DeviceGuard guard(m_device);
    // g and g' alike, as load() leaves them: a two-pass batch enters from g'.
    for (float* to : {m->g.data(), m->gOut.data()})
        upload(to + std::size_t(start) * m->n(), iterate.data(), m->n() * sizeof(float),
               m->stream.handle());
    synchronize(m->stream.handle()); // the caller's buffer may die on return
}

void CudaEngine::readSupport(int start, Mask& out) {
    if (!m)
        throw InvalidArgument("cuda engine: readSupport() before load()");
    checkStart(start, m->starts);
    if (m->wholeField) {
        out = Mask{};
        return;
    }
    detail::DeviceGuard guard(m_device);
    Mask mask(m->shape);
    download(mask.data.data(), m->support.data() + std::size_t(start) * m->n(), m->n(),
             m->stream.handle());
    synchronize(m->stream.handle());
    out = std::move(mask);
}

void CudaEngine::publish(int start, DisplayTarget& target) {
    if (!m)
        throw InvalidArgument("cuda engine: publish() before load()");
    checkStart(start, m->starts);
    detail::DeviceGuard guard(m_device);
    if (auto* device = dynamic_cast<DeviceDisplayTarget*>(&target)) {
        // The spectrum of start 0 is scratch until the next iteration, which
        // the stream orders after the target's own copy.
        float* object = reinterpret_cast<float*>(m->spectrum.data());
        const std::size_t offset = std::size_t(start) * m->n();
        detail::objectEstimate(m->g.data() + offset,
                               m->wholeField ? nullptr : m->support.data() + offset, object,
                               m->shape, m->cudaStream());
        device->acceptDeviceFrame(object, m->shape, m->stream.handle());
        return;
    }
    std::vector<float> object(m->n());
    readObject(start, object);
    target.acceptHostFrame(object, m->shape);
}

DeviceFootprint CudaEngine::footprint() const {
    if (!m)
        return {};
    DeviceFootprint f = m->footprint;
    m->path->addFootprint(f);
    return f;
}

void* CudaEngine::stream() const { return m ? m->stream.handle() : nullptr; }

float* CudaEngine::deviceIterate(int start) {
    if (!m)
        throw InvalidArgument("cuda engine: deviceIterate() before load()");
    checkStart(start, m->starts);
    return m->g.data() + std::size_t(start) * m->n();
}

float* CudaEngine::deviceFourierOutput(int start) {
    if (!m)
        throw InvalidArgument("cuda engine: deviceFourierOutput() before load()");
    checkStart(start, m->starts);
    return m->gOut.data() + std::size_t(start) * m->n();
}

} // namespace pf::gpu
