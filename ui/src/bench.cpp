#include "phaseforge/ui/scripted_runs.h"

#include "phaseforge/ui/data_source.h"
#include "phaseforge/ui/frame_bridge.h"
#include "phaseforge/ui/image_view.h"
#include "phaseforge/ui/run_controller.h"

#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace pf::ui {

namespace {

/// Processes events until `done()` or the timeout; returns done().
template <class Pred> bool waitFor(Pred done, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        QThread::usleep(200);
    }
    return done();
}

double median(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

pf::Parameters benchParameters() {
    pf::Parameters p;
    p.schedule = pf::Schedule::parse("HIO:100000000");
    p.beta = 0.9f;
    p.seed = 1;
    return p;
}

} // namespace

int runBench(const BenchOptions& o) {
    QJsonObject out;
    try {
        pf::SimulationOptions sim;
        sim.oversampling = 2.0;
        const int objectSize = std::max(8, o.size / 2);
        const auto problem = std::make_shared<const pf::Problem>(
            pf::simulate(pf::randomBlobs({objectSize, objectSize}, 24, 5), sim).problem);
        const pf::Parameters params = benchParameters();
        out[QStringLiteral("size")] = o.size;

        // 1. Headless: the Reconstruction driven directly, large batches, no publishing.
        {
            pf::EngineOptions eo;
            eo.kind = o.engine;
            auto engine = pf::makeEngine(eo);
            const pf::EngineInfo info = engine->info();
            out[QStringLiteral("engine")] = QString::fromStdString(info.name);
            out[QStringLiteral("device")] = QString::fromStdString(info.device);
            pf::Reconstruction rec(*engine, *problem, params);
            rec.advance(10);
            engine->finish();
            QElapsedTimer t;
            t.start();
            long long n = 0;
            while (t.nsecsElapsed() < qint64(o.seconds * 1e9)) {
                n += rec.advance(20);
                engine->finish();
            }
            const double headless = double(n) / (double(t.nsecsElapsed()) * 1e-9);
            out[QStringLiteral("headless_it_per_s")] = headless;

            // 2. Publishing one frame into the display target, as the worker does.
            auto bridge = makeFrameBridge();
            for (int i = 0; i < 5; ++i)
                engine->publish(0, bridge->target());
            engine->finish();
            std::vector<double> total, enqueue;
            for (int i = 0; i < 100; ++i) {
                QElapsedTimer p;
                p.start();
                engine->publish(0, bridge->target());
                const qint64 queued = p.nsecsElapsed();
                engine->finish();
                enqueue.push_back(double(queued) * 1e-6);
                total.push_back(double(p.nsecsElapsed()) * 1e-6);
            }
            out[QStringLiteral("publish_ms")] = median(total);
            out[QStringLiteral("publish_enqueue_ms")] = median(enqueue);
        }

        // 3. The live view on: the app's worker and a visible view.
        RunController controller;
        ImageView view;
        view.setBridge(controller.bridge());
        view.resize(1024, 1024);
        view.setWindowTitle(QStringLiteral("PhaseForge bench"));
        view.show();
        long long framesDrawn = 0;
        QObject::connect(&view, &ImageView::frameDrawn, [&] { ++framesDrawn; });
        QObject::connect(&controller, &RunController::frameReady, &view, &ImageView::frameReady);
        bool loaded = false, paused = false;
        int stops = 0, finishes = 0;
        QString failure;
        Progress last;
        QObject::connect(&controller, &RunController::loaded, [&] { loaded = true; });
        QObject::connect(&controller, &RunController::paused, [&] { paused = true; });
        QObject::connect(&controller, &RunController::stopped, [&] { ++stops; });
        QObject::connect(&controller, &RunController::finished, [&] { ++finishes; });
        QObject::connect(&controller, &RunController::failed, [&](const QString& m) { failure = m; });
        QObject::connect(&controller, &RunController::progress, [&](const Progress& p) { last = p; });
        RunSettings settings;
        settings.parameters = params;
        settings.engine = o.engine;
        controller.load(problem, settings);
        if (!waitFor([&] { return loaded; }, 120000))
            throw std::runtime_error("the worker did not load the problem");
        controller.start();

        // The live view at 60 and at 30 frames per second (batches sized to
        // one frame), and the worker publishing with no view drawing: what the
        // display itself costs. The app's own setting comes last.
        struct Variant {
            const char* name;
            double frameSeconds;
            bool view;
        };
        const Variant variants[] = {{"view_60fps", 1.0 / 60.0, true},
                                    {"no_view_60fps", 1.0 / 60.0, false},
                                    {"view_app_default", kDefaultFrameSeconds, true}};
        QJsonArray runs;
        const double headlessRate = out[QStringLiteral("headless_it_per_s")].toDouble();
        for (const Variant& v : variants) {
            controller.setBatching(0, v.frameSeconds);
            view.setVisible(v.view);
            waitFor([] { return false; }, 1500); // the batch size settles
            view.resetTimings();
            const long long i0 = controller.completedIterations();
            const long long f0 = framesDrawn;
            QElapsedTimer t;
            t.start();
            waitFor([] { return false; }, int(o.seconds * 1000));
            const double seconds = double(t.nsecsElapsed()) * 1e-9;
            const double rate = double(controller.completedIterations() - i0) / seconds;
            QJsonObject r;
            r[QStringLiteral("variant")] = QLatin1String(v.name);
            r[QStringLiteral("it_per_s")] = rate;
            r[QStringLiteral("ratio_to_headless")] = rate / headlessRate;
            r[QStringLiteral("display_fps")] = double(framesDrawn - f0) / seconds;
            r[QStringLiteral("texture_update_ms")] = view.meanTextureUpdateMs();
            r[QStringLiteral("batch_iterations")] = last.batch;
            runs.append(r);
        }
        out[QStringLiteral("display_variants")] = runs;
        // The app's setting (kDefaultFrameSeconds, view on) is the last
        // variant: its numbers are the headline ones, and Pause is timed in it.
        const QJsonObject app = runs.last().toObject();
        const double displayRate = app[QStringLiteral("it_per_s")].toDouble();
        out[QStringLiteral("display_it_per_s")] = displayRate;
        out[QStringLiteral("display_fps")] = app[QStringLiteral("display_fps")];
        out[QStringLiteral("display_ratio")] = displayRate / headlessRate;
        out[QStringLiteral("texture_update_ms")] = app[QStringLiteral("texture_update_ms")];
        out[QStringLiteral("display_path")] = view.usesInterop() ? QStringLiteral("interop")
                                                                 : QStringLiteral("host upload");
        out[QStringLiteral("gl")] = view.glDescription();
        out[QStringLiteral("batch_iterations")] = last.batch;
        out[QStringLiteral("batch_ms")] =
            last.iterationsPerSecond > 0 ? 1000.0 * last.batch / last.iterationsPerSecond : 0.0;

        // 4. Pause latency: from the click until the worker stops iterating
        // (the effect), and until the GUI thread hears of it.
        const auto steadyNs = [] {
            return std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                .count();
        };
        std::vector<double> effect, notified;
        QJsonArray samples;
        for (int i = 0; i < 10; ++i) {
            paused = false;
            const long long t0 = steadyNs();
            const long long before = controller.completedIterations();
            controller.pause();
            if (!waitFor([&] { return paused; }, 10000)) {
                // What the run was doing: still iterating (the pause was not
                // seen), stopped, finished, failed, or stuck.
                const long long after = controller.completedIterations();
                char what[400];
                std::snprintf(what, sizeof what,
                              "pause %d did not take effect within 10 s: mode %d, iterations %lld "
                              "at the click and %lld after, %d stopped and %d finished signals, "
                              "last progress at iteration %lld; failure: %s",
                              i, int(controller.mode()), before, after, stops, finishes,
                              last.iteration, failure.isEmpty() ? "none" : qPrintable(failure));
                throw std::runtime_error(what);
            }
            const double ms = double(controller.pausedSinceNs() - t0) * 1e-6;
            effect.push_back(ms);
            notified.push_back(double(steadyNs() - t0) * 1e-6);
            samples.append(ms);
            controller.resume();
            waitFor([] { return false; }, 150);
        }
        out[QStringLiteral("pause_latency_ms_median")] = median(effect);
        out[QStringLiteral("pause_latency_ms_max")] = *std::max_element(effect.begin(), effect.end());
        out[QStringLiteral("pause_latency_ms")] = samples;
        out[QStringLiteral("pause_seen_by_gui_ms_median")] = median(notified);
        // The promise: Pause acts within one batch plus one displayed frame.
        const double fps = out[QStringLiteral("display_fps")].toDouble();
        out[QStringLiteral("pause_bound_ms")] =
            out[QStringLiteral("batch_ms")].toDouble() + (fps > 0 ? 1000.0 / fps : 0.0);
        controller.stop();
        controller.shutdown();

        // 5. The whole window over a long run: how far the display trails.
        if (o.lagIterations > 0)
            out[QStringLiteral("display_lag")] = measureDisplayLag(o);
    } catch (const std::exception& e) {
        out[QStringLiteral("error")] = QString::fromUtf8(e.what());
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
        return 1;
    }
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return 0;
}

} // namespace pf::ui
