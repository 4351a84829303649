// The persistent two-pass kernel (gpu/src/persistent.cu), which the two-pass
// path picks for rows and cols up to 1024, against the one-launch-per-pass
// kernels it replaces (TwoPassTuning::persistent = Never selects those). Both run the
// same pass bodies with other tile shapes, which must not change a value:
// the iterates are expected bit for bit (checked to 1e-6 and reported), the
// metrics to the order of their sums. The launch counter tells which path ran.
// The two-pass tests (tst_gpu_two_pass) compare the same path against stage 1,
// FFTW and float64.
#include "gpu_test_util.h"

#include <phaseforge/gpu/cuda_engine.h>
#include <phaseforge/gpu/stats.h>

#include <QtTest>


using namespace pftest;
using namespace pfgputest;

namespace {

/// The two-pass tuning a setting names: "0" the per-pass kernels, "1" the
/// persistent kernel wherever the shape allows, a larger number that and its
/// threads per block, "" the engine's automatic choice.
pf::TwoPassTuning tuningFor(const char* setting) {
    pf::TwoPassTuning t;
    const QByteArray text(setting);
    if (text.isEmpty())
        return t;
    if (text == "0") {
        t.persistent = pf::PersistentKernel::Never;
        return t;
    }
    t.persistent = pf::PersistentKernel::Always;
    if (text != "1")
        t.persistentThreads = text.toInt();
    return t;
}

/// One schedule's outcome: every start's iterate, the metrics, and the
/// kernel launches of the iterations.
struct Outcome {
    std::vector<std::vector<float>> iterates;
    std::vector<pf::MetricsRecord> metrics;
    std::uint64_t launches = 0;
};

/// `step` for `count` iterations (records every `every`), then a shrink-wrap
/// and ER for 7 when `shrink`, on a fresh two-pass engine under `setting`.
Outcome runSchedule(const char* setting, const pf::Problem& p,
                    const std::vector<pf::InitialGuess>& guesses, const pf::Step& step, int count,
                    int every, bool shrink) {
    pf::gpu::CudaEngine engine;
    engine.setTwoPass(true);
    engine.setTwoPassTuning(tuningFor(setting));
    engine.load(p, guesses);
    engine.setMetricsInterval(every);
    engine.finish();
    const pf::gpu::Stats before = pf::gpu::stats();
    engine.iterate(step, count);
    if (shrink) {
        engine.shrinkWrap(2.0f, 0.2f);
        engine.iterate({pf::Algorithm::ER, 1.0f}, 7);
    }
    engine.finish();
    Outcome out;
    out.launches = (pf::gpu::stats() - before).kernelLaunches;
    out.metrics = engine.takeMetrics();
    for (int k = 0; k < engine.startCount(); ++k) {
        out.iterates.emplace_back(p.shape().size());
        engine.readIterate(k, out.iterates.back());
    }
    if (!engine.twoPassActive())
        throw std::runtime_error("two-pass path not active");
    return out;
}

std::vector<pf::InitialGuess> guessesFor(int count, std::uint64_t seed) {
    std::vector<pf::InitialGuess> g;
    for (int k = 0; k < count; ++k)
        g.push_back(pf::InitialGuess::random(seed + 17 * std::uint64_t(k)));
    return g;
}

/// Iterates equal within 1e-6 (reported: bitwise or not), metrics equal but
/// for the order of the double sums.
void compareOutcomes(const Outcome& a, const Outcome& b, const QString& what) {
    QCOMPARE(a.iterates.size(), b.iterates.size());
    int bitwise = 0;
    for (std::size_t k = 0; k < a.iterates.size(); ++k) {
        const double d = relL2f(a.iterates[k], b.iterates[k]);
        bitwise += a.iterates[k] == b.iterates[k] ? 1 : 0;
        QVERIFY2(d <= 1e-6, qPrintable(what + QString(" start %1: %2").arg(k).arg(d)));
    }
    qInfo("%s: %d of %d starts bit for bit", qPrintable(what), bitwise, int(a.iterates.size()));
    QCOMPARE(a.metrics.size(), b.metrics.size());
    for (std::size_t i = 0; i < a.metrics.size(); ++i) {
        const auto& x = a.metrics[i];
        const auto& y = b.metrics[i];
        QCOMPARE(x.iteration, y.iteration);
        QCOMPARE(x.start, y.start);
        QCOMPARE(x.supportSize, y.supportSize);
        QVERIFY2(std::abs(x.fourierError - y.fourierError) <= 1e-6f * y.fourierError + 1e-9f,
                 qPrintable(what + QString(" fourier %1 vs %2").arg(x.fourierError).arg(y.fourierError)));
        QVERIFY2(std::abs(x.realError - y.realError) <= 1e-6f * y.realError + 1e-9f,
                 qPrintable(what + QString(" real %1 vs %2").arg(x.realError).arg(y.realError)));
    }
}

const pf::Step kSteps[] = {{pf::Algorithm::GS, 1.0f},  {pf::Algorithm::ER, 1.0f},
                           {pf::Algorithm::HIO, 0.9f}, {pf::Algorithm::IO, 0.9f},
                           {pf::Algorithm::OO, 0.8f},  {pf::Algorithm::RAAR, 0.75f}};

} // namespace

class TestGpuPersistent : public QObject {
    Q_OBJECT

private slots:
    void init() { PF_REQUIRE_GPU(); }

    // Every rule, several shapes (square, wide, tall; 64..1024) and K starts:
    // the persistent kernel (one launch per batch) against the per-pass
    // kernels (two launches per iteration plus the closing C2R).
    void matchesPerPassKernels() {
        const std::uint64_t seed = testSeed("persistent vs per-pass");
        struct Case {
            pf::Shape shape;
            int starts;
        };
        const Case cases[] = {{{64, 64}, 1},   {{128, 256}, 3}, {{256, 64}, 2}, {{256, 256}, 1},
                              {{512, 512}, 2}, {{1024, 1024}, 1}};
        for (const Case& c : cases) {
            const pf::Problem p = makeProblem(c.shape, seed, true, true, true);
            const auto guesses = guessesFor(c.starts, seed + 5);
            for (const auto& step : kSteps) {
                const QString what = QString("%1 K=%2 %3")
                                         .arg(c.shape.toString().c_str())
                                         .arg(c.starts)
                                         .arg(pf::algorithmName(step.algorithm).data());
                // 25 iterations recorded every 10: batches of 10, 10 and 5.
                const Outcome per = runSchedule("0", p, guesses, step, 25, 10, false);
                const Outcome pers = runSchedule("1", p, guesses, step, 25, 10, false);
                QCOMPARE(pers.metrics.size(), std::size_t(3 * c.starts));
                compareOutcomes(pers, per, what);
                // Which path ran: one launch per batch against two per
                // iteration plus one per batch; the rest is common to both.
                QVERIFY2(per.launches - pers.launches == 2 * 25,
                         qPrintable(what + QString(" launches %1, %2").arg(pers.launches).arg(per.launches)));
            }
        }
    }

    // The block size only regroups work items: every allowed size gives the
    // same iterates, here with a support changed by shrink-wrap mid-run.
    void blockSizesAgree() {
        const std::uint64_t seed = testSeed("persistent block sizes");
        const pf::Shape shape{256, 256};
        const pf::Problem p = makeProblem(shape, seed, true, true, true);
        const auto guesses = guessesFor(2, seed + 9);
        const pf::Step hio{pf::Algorithm::HIO, 0.9f};
        const Outcome per = runSchedule("0", p, guesses, hio, 20, 1000, true);
        for (const char* threads : {"32", "64", "128", "256", "512"}) {
            const Outcome o = runSchedule(threads, p, guesses, hio, 20, 1000, true);
            compareOutcomes(o, per, QString("256x256 K=2 HIO+shrink+ER, %1 threads").arg(threads));
            // Two batches (and the shrink-wrap's kernels on both sides).
            QCOMPARE(per.launches - o.launches, std::uint64_t(2 * (20 + 7)));
        }
        // A size that does not fit is refused with the reason.
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument,
                                 runSchedule("16", p, guesses, hio, 2, 1000, false));
    }

    // Chained batches equal one long batch, bit for bit: 100 iterations in one
    // call (batches of 64 and 36) against 100 calls of one iteration, and
    // against 4 calls of 25.
    void chainedBatchesEqualOneBatch() {
        const std::uint64_t seed = testSeed("persistent chained");
        for (const pf::Shape shape : {pf::Shape{128, 128}, pf::Shape{512, 256}}) {
            const pf::Problem p = makeProblem(shape, seed, true, true, true);
            const auto guesses = guessesFor(2, seed + 1);
            for (const pf::Step step : {pf::Step{pf::Algorithm::GS, 1.0f},
                                        pf::Step{pf::Algorithm::HIO, 0.9f}}) {
                pf::gpu::CudaEngine one, steps, quarters;
                for (auto* e : {&one, &steps, &quarters}) {
                    e->setTwoPass(true);
                    e->setTwoPassTuning(tuningFor("1"));
                    e->load(p, guesses);
                    e->setMetricsInterval(1000);
                }
                one.iterate(step, 100); // batches of 64 and 36
                for (int i = 0; i < 100; ++i)
                    steps.iterate(step, 1);
                for (int i = 0; i < 4; ++i)
                    quarters.iterate(step, 25);
                std::vector<float> a(shape.size()), b(shape.size()), c(shape.size());
                for (int k = 0; k < 2; ++k) {
                    one.readIterate(k, a);
                    steps.readIterate(k, b);
                    quarters.readIterate(k, c);
                    const QString what = QString("%1 %2 start %3")
                                             .arg(shape.toString().c_str())
                                             .arg(pf::algorithmName(step.algorithm).data())
                                             .arg(k);
                    QVERIFY2(a == b, qPrintable(what + QString(" stepwise %1").arg(relL2f(b, a))));
                    QVERIFY2(a == c, qPrintable(what + QString(" quarters %1").arg(relL2f(c, a))));
                }
            }
        }
    }

    // Many starts in one launch (the grid holds all starts' work items) give
    // what each start gives alone, and what the per-pass kernels give.
    void manyStartsEqualOneByOne() {
        const std::uint64_t seed = testSeed("persistent many starts");
        const pf::Shape shape{512, 512};
        const pf::Problem p = makeProblem(shape, seed, true, true, true);
        const auto guesses = guessesFor(12, seed + 3);
        const pf::Step hio{pf::Algorithm::HIO, 0.9f};
        const Outcome batched = runSchedule("1", p, guesses, hio, 30, 1000, true);
        const Outcome per = runSchedule("0", p, guesses, hio, 30, 1000, true);
        compareOutcomes(batched, per, "512x512 K=12 vs per-pass");
        for (int k : {0, 5, 11}) {
            const Outcome alone = runSchedule("1", p, {guesses[std::size_t(k)]}, hio, 30, 1000, true);
            const double d = relL2f(batched.iterates[std::size_t(k)], alone.iterates[0]);
            qInfo("512x512 start %d of 12 vs alone: %.2e", k, d);
            QVERIFY2(d <= 1e-6, qPrintable(QString::number(d)));
        }
    }

    // The automatic choice: the persistent kernel up to 1024² pixels in all
    // starts (one start of 256² or 1024², 8 of 256²: latency-bound work), the
    // per-pass kernels above (2 starts of 1024², 8 of 512², where they fill
    // the device and were faster on the H200). The launch counts tell which ran.
    void automaticChoice() {
        const std::uint64_t seed = testSeed("persistent automatic choice");
        struct Case {
            pf::Shape shape;
            int starts;
            bool persistent;
        };
        for (const Case& c : {Case{{256, 256}, 1, true}, Case{{128, 512}, 2, true}, Case{{256, 256}, 8, true},
                              Case{{1024, 1024}, 1, true}, Case{{1024, 1024}, 2, false},
                              Case{{512, 512}, 8, false}}) {
            const pf::Problem p = makeProblem(c.shape, seed, true, true, true);
            const auto guesses = guessesFor(c.starts, seed + 2);
            const pf::Step gs{pf::Algorithm::GS, 1.0f};
            const Outcome automatic = runSchedule("", p, guesses, gs, 10, 1000, false);
            const Outcome per = runSchedule("0", p, guesses, gs, 10, 1000, false);
            QCOMPARE(per.launches - automatic.launches, std::uint64_t(c.persistent ? 2 * 10 : 0));
            compareOutcomes(automatic, per, QString("%1 K=%2 automatic")
                                                .arg(c.shape.toString().c_str())
                                                .arg(c.starts));
        }
    }
};

QTEST_GUILESS_MAIN(TestGpuPersistent)
#include "tst_gpu_persistent.moc"
