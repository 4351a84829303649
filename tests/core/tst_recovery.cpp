// Recovery of synthetic objects: 2x oversampled, positive, real blobs in a 128²
// field. Errors are measured up to the twin image and a translation. The
// protocols live in tests/support/recovery.cpp, shared with the calibrated sweep
// bench/recovery/run, which measures over hundreds of objects how often each
// bound below would fail for a seed other than the pinned one
// (bench/results/recovery-sweep.md). CI runs the pinned seeds, so the outcome
// is the same on every run; PF_TEST_SEED tries others.
#include "recovery.h"
#include "reference.h"

#include <phaseforge/simulate.h>

#include <QtTest>

#include <algorithm>
#include <cmath>

namespace {

// Pinned base seeds (any value works; these are the CI gate).
constexpr std::uint64_t kKnownSupportSeed = 20261202;
constexpr std::uint64_t kShrinkWrapSeed = 20261203;

// The bounds, with the sweep's per-object rates (bench/results/recovery-sweep.md,
// 300 and 160 objects): the known support recovered all 160 objects to 2%;
// shrink-wrap recovered 66% to 5% and the fixed autocorrelation support 5%
// (never an object that shrink-wrap missed). For a fresh seed the shrink-wrap
// bounds fail with probability 5e-5 at the measured rates, 3e-3 at the edges
// of their 95% intervals; the known-support bound 8e-5 at its interval's edge.
constexpr int kKnownSupportAtLeast = 16;  // of 20, to 2%
constexpr int kShrinkWrapAtLeast = 5; // of 20, to 5%
constexpr int kShrinkWrapMargin = 4; // more recoveries than the fixed support

} // namespace

class TestRecovery : public QObject {
    Q_OBJECT

private slots:
    void alignmentIsTranslationAndTwinInvariant() {
        const pf::ImageF obj = pf::simulate(pf::randomBlobs({16, 16}, 4, 3), {}).object;
        pf::ImageF moved(obj.shape);
        for (int r = 0; r < obj.shape.rows; ++r)
            for (int c = 0; c < obj.shape.cols; ++c)
                moved.at(r, c) = obj.at((obj.shape.rows - r + 5) % obj.shape.rows,
                                        (obj.shape.cols - c + 3) % obj.shape.cols);
        QVERIFY(pftest::alignedError(moved, obj) < 1e-6);
        QVERIFY(pftest::alignedError(pf::ImageF(obj.shape, 0.1f), obj) > 0.5);
    }

    // 20 objects, HIO:900,ER:100 from 12 random starts each, the start with the
    // lowest Fourier error kept: at least 16 recovered to 2%. A broken rule or
    // projection recovers none.
    void hioThenErRecoversWithTheKnownSupport() {
        const std::uint64_t base = pftest::pinnedSeed("recovery", kKnownSupportSeed);
        int recovered = 0;
        for (int k = 0; k < 20; ++k) {
            const std::uint64_t object = base + std::uint64_t(k);
            const pftest::KnownSupportOutcome r = pftest::knownSupportError(object, object * 31, 12);
            qInfo("object %d: error %.4f", k, r.error);
            recovered += r.error <= pftest::kKnownSupportRecovered;
            QVERIFY2(r.keptTheLowest, "the kept start must have the lowest final Fourier error");
        }
        qInfo("recovered %d of 20 to <= 2%% (bound %d)", recovered, kKnownSupportAtLeast);
        QVERIFY(recovered >= kKnownSupportAtLeast);
    }

    // From the data alone, 20 objects from 4 starts each: shrink-wrap must
    // recover at least kShrinkWrapAtLeast of them to 5%, and at least
    // kShrinkWrapMargin more than the same run with the autocorrelation support
    // kept fixed. A shrink-wrap that never tightens the support, or tightens it
    // wrongly, recovers about as many as the fixed support.
    void shrinkWrapBeatsAFixedAutocorrelationSupport() {
        const std::uint64_t base = pftest::pinnedSeed("shrink-wrap recovery", kShrinkWrapSeed);
        int fixed = 0, wrapped = 0;
        for (int k = 0; k < 20; ++k) {
            const std::uint64_t object = base + std::uint64_t(k);
            const pftest::SupportErrors e =
                pftest::autocorrelationSupportErrors(object, object + 1000, 4);
            qInfo("object %d: fixed support %.4f, shrink-wrap %.4f", k, e.fixed, e.wrapped);
            fixed += e.fixed <= pftest::kShrinkWrapRecovered;
            wrapped += e.wrapped <= pftest::kShrinkWrapRecovered;
        }
        qInfo("recovered to <= 5%%: shrink-wrap %d of 20 (bound %d), fixed support %d (margin %d)",
              wrapped, kShrinkWrapAtLeast, fixed, kShrinkWrapMargin);
        QVERIFY(wrapped >= kShrinkWrapAtLeast);
        QVERIFY(wrapped - fixed >= kShrinkWrapMargin);
    }
};

QTEST_GUILESS_MAIN(TestRecovery)
#include "tst_recovery.moc"
