#include "reference.h"

#include <phaseforge/error.h>
#include <phaseforge/simulate.h>
#include <phaseforge/support.h>

#include <QtTest>

#include <cmath>

class TestSimulate : public QObject {
    Q_OBJECT

private slots:
    void noiselessMagnitudeIsTheFourierModulus() {
        const std::uint64_t seed = pftest::testSeed("simulate");
        const pf::ImageF obj = pf::randomBlobs({21, 30}, 5, seed);
        const pf::Simulation sim = pf::simulate(obj, {});
        const pf::Shape s = sim.problem.shape();
        QCOMPARE(s, (pf::Shape{42, 60}));
        QCOMPARE(pf::countOnes(sim.problem.support), 21LL * 30LL);
        std::vector<std::complex<double>> field(sim.object.data.begin(), sim.object.data.end());
        const auto f = pftest::fft2(field, s);
        std::vector<double> ref(s.size());
        for (std::size_t i = 0; i < ref.size(); ++i)
            ref[i] = std::abs(f[i]);
        QVERIFY(pftest::relL2(sim.problem.magnitude.data, ref) < 1e-5);
        double objectSum = 0;
        for (float v : obj.data)
            objectSum += v;
        QVERIFY(std::abs(sim.problem.magnitude.data[0] - objectSum) < 1e-3 * objectSum);
        QVERIFY(sim.problem.measured.empty());
    }

    void poissonNoiseKeepsThePhotonCount() {
        pf::SimulationOptions opt;
        opt.photons = 1e6;
        opt.seed = 5;
        const pf::Simulation sim = pf::simulate(pf::randomBlobs({16, 16}, 3, 9), opt);
        double total = 0;
        bool integral = true;
        for (float m : sim.problem.magnitude.data) {
            const double counts = double(m) * m;
            total += counts;
            integral = integral && std::abs(counts - std::round(counts)) < 1e-2 * (1 + counts);
        }
        QVERIFY(integral);
        QVERIFY(std::abs(total - 1e6) < 5 * std::sqrt(1e6)); // 5 sigma
        const pf::Simulation again = pf::simulate(pf::randomBlobs({16, 16}, 3, 9), opt);
        QCOMPARE(again.problem.magnitude.data, sim.problem.magnitude.data); // seeded
    }

    void beamstopLeavesCentreUnmeasured() {
        pf::SimulationOptions opt;
        opt.beamstopRadius = 2.5;
        const pf::Simulation sim = pf::simulate(pf::randomBlobs({16, 16}, 3, 9), opt);
        // Pixels within 2.5 of (0, 0) with wrap-around: 21 of them.
        QCOMPARE((long long)sim.problem.measured.data.size() - pf::countOnes(sim.problem.measured),
                 21LL);
        QCOMPARE(int(sim.problem.measured.at(0, 0)), 0);
        QCOMPARE(int(sim.problem.measured.at(31, 31)), 0);
        QCOMPARE(int(sim.problem.measured.at(3, 0)), 1);
        sim.problem.validate();
    }

    void rejectsBadOptions() {
        const pf::ImageF obj = pf::randomBlobs({8, 8}, 2, 1);
        pf::SimulationOptions opt;
        opt.oversampling = 0.5;
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, pf::simulate(obj, opt));
        pf::ImageF neg = obj;
        neg.at(1, 1) = -1;
        QVERIFY_THROWS_EXCEPTION(pf::InvalidArgument, pf::simulate(neg, {}));
    }
};

QTEST_GUILESS_MAIN(TestSimulate)
#include "tst_simulate.moc"
