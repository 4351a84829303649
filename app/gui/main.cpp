// phaseforge: the desktop app. Parses the command line and hands over to the
// main window (or to one of the scripted modes).
#include <phaseforge/engine_factory.h>
#include <phaseforge/io/formats.h>
#include <phaseforge/ui/data_source.h>
#include <phaseforge/ui/main_window.h>
#include <phaseforge/ui/scripted_runs.h>
#include <phaseforge/version.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>

#if defined(PF_HAVE_XCB)
#include <xcb/xcb.h>
#endif

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <tuple>

namespace {

// The command line, defined once for both the windowed start and the one
// without a display.
struct CommandLine {
    QCommandLineParser parser;
    const QCommandLineOption engine{QStringLiteral("engine"), QStringLiteral("Engine: auto, cuda or cpu (default auto)"), QStringLiteral("kind"), QStringLiteral("auto")};
    const QCommandLineOption bench{QStringLiteral("bench"), QStringLiteral("Measure headless and live-view speed, publish cost and pause latency; print JSON")};
    const QCommandLineOption benchSize{QStringLiteral("bench-size"), QStringLiteral("Problem size for --bench (default 2048)"), QStringLiteral("n"), QStringLiteral("2048")};
    const QCommandLineOption benchSeconds{QStringLiteral("bench-seconds"), QStringLiteral("Length of each timed phase of --bench (default 3)"), QStringLiteral("s"), QStringLiteral("3")};
    const QCommandLineOption lagIterations{QStringLiteral("bench-lag-iterations"), QStringLiteral("Iterations of the display-lag run of --bench, in the whole window (default 1000000; 0 skips it)"), QStringLiteral("n"), QStringLiteral("1000000")};
    const QCommandLineOption lagSize{QStringLiteral("bench-lag-size"), QStringLiteral("Problem size of the display-lag run (default 64)"), QStringLiteral("n"), QStringLiteral("64")};
    const QCommandLineOption screenshots{QStringLiteral("screenshots"), QStringLiteral("Run, pause and write screenshots into this folder, then quit"), QStringLiteral("dir")};
    const QCommandLineOption iterations{QStringLiteral("iterations"), QStringLiteral("Iterations before the --screenshots pause (default 150)"), QStringLiteral("n"), QStringLiteral("150")};
    const QCommandLineOption settings{QStringLiteral("settings"), QStringLiteral("Keep settings in this INI file"), QStringLiteral("file")};
    const QCommandLineOption listSamples{QStringLiteral("list-samples"), QStringLiteral("Print the sample files File > Open Sample offers, one a line, and quit")};

    CommandLine() {
        parser.setApplicationDescription(QStringLiteral("Phase retrieval workbench for coherent diffractive imaging"));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("Diffraction data to open (%1)").arg(QString::fromStdString(pf::io::formatListText(false))), QStringLiteral("[file]"));
        parser.addOptions({engine, bench, benchSize, benchSeconds, lagIterations, lagSize, screenshots, iterations, settings, listSamples});
    }
    // --help and --version print and exit inside process().
    void process(const QCoreApplication& app) { parser.process(app); }
};

void nameApplication() {
    QCoreApplication::setOrganizationName(QStringLiteral("PhaseForge"));
    QCoreApplication::setApplicationName(QStringLiteral("PhaseForge"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(pf::version()));
}

int listSampleFiles() {
    for (const QString& path : pf::ui::sampleFiles())
        std::printf("%s\n", qPrintable(QDir::toNativeSeparators(path)));
    return 0;
}

// Qt aborts when its window system cannot start. Without any display named
// (and no platform chosen), say so in one line instead; what needs no window
// (--help, --version, --list-samples) still works.
bool displayNamed() {
    for (const char* name : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"}) {
        const char* value = std::getenv(name);
        if (value && *value)
            return true;
    }
    return false;
}

// With only DISPLAY named and the X platform in use: does the server answer?
// Returns an empty string when it does (or when that cannot be checked here).
std::string unreachableDisplay() {
#if defined(PF_HAVE_XCB)
    const char* platform = std::getenv("QT_QPA_PLATFORM");
    const char* wayland = std::getenv("WAYLAND_DISPLAY");
    const char* display = std::getenv("DISPLAY");
    const bool x11 = (!platform || !*platform || std::string_view(platform).starts_with("xcb")) &&
                     !(wayland && *wayland) && display && *display;
    if (!x11)
        return {};
    xcb_connection_t* c = xcb_connect(nullptr, nullptr);
    const bool failed = xcb_connection_has_error(c) != 0;
    xcb_disconnect(c);
    if (failed)
        return std::string("the X display ") + display + " does not answer";
#endif
    return {};
}

int runWithoutDisplay(int argc, char** argv, const std::string& why) {
    QCoreApplication app(argc, argv);
    nameApplication();
    CommandLine cl;
    cl.process(app);
    if (cl.parser.isSet(cl.listSamples))
        return listSampleFiles();
    std::fprintf(stderr, "phaseforge: %s: start it in a desktop session or under xvfb-run, or use "
                         "phaseforge-cli for batch runs\n", why.c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    if (!displayNamed())
        return runWithoutDisplay(argc, argv, "no display (DISPLAY and WAYLAND_DISPLAY are unset)");
    if (const std::string why = unreachableDisplay(); !why.empty())
        return runWithoutDisplay(argc, argv, why);
    QApplication app(argc, argv);
    // Qt adopts the user's locale for the C library too; numbers in files and
    // on the command line are always written with '.', so keep C numerics.
    std::setlocale(LC_NUMERIC, "C");
    nameApplication();

    CommandLine cl;
    cl.process(app);
    QCommandLineParser& parser = cl.parser;
    const auto& [engine, bench, benchSize, benchSeconds, screenshots, iterations, settings, listSamples] =
        std::tie(cl.engine, cl.bench, cl.benchSize, cl.benchSeconds, cl.screenshots, cl.iterations, cl.settings, cl.listSamples);

    if (parser.isSet(listSamples))
        return listSampleFiles();

    pf::EngineKind kind;
    try {
        kind = pf::parseEngineKind(parser.value(engine).toStdString());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "phaseforge: --engine: %s\n", e.what());
        return 2;
    }
    const auto positiveNumber = [&](const QCommandLineOption& o, double& out) {
        bool ok = false;
        out = parser.value(o).toDouble(&ok);
        if (!ok || !(out > 0)) {
            std::fprintf(stderr, "phaseforge: --%s: expected a positive number, got '%s'\n",
                         qPrintable(o.names().first()), qPrintable(parser.value(o)));
            return false;
        }
        return true;
    };

    if (parser.isSet(bench)) {
        pf::ui::BenchOptions o;
        double size = 0, seconds = 0;
        if (!positiveNumber(benchSize, size) || !positiveNumber(benchSeconds, seconds))
            return 2;
        o.size = int(size);
        o.seconds = seconds;
        bool ok = false;
        o.lagIterations = parser.value(cl.lagIterations).toLongLong(&ok);
        double lag = 0;
        if (!ok || o.lagIterations < 0 || !positiveNumber(cl.lagSize, lag)) {
            std::fprintf(stderr, "phaseforge: --bench-lag-iterations: expected a count\n");
            return 2;
        }
        o.lagSize = int(lag);
        o.engine = kind;
        return pf::ui::runBench(o);
    }

    pf::ui::MainWindowOptions options;
    options.settingsFile = parser.value(settings);
    options.quietErrors = parser.isSet(screenshots);
    if (parser.isSet(engine))
        options.engine = kind;
    pf::ui::MainWindow window(options);
    window.show();
    const QStringList files = parser.positionalArguments();
    if (!files.isEmpty())
        window.openFile(files.first());
    if (parser.isSet(screenshots)) {
        double n = 0;
        if (!positiveNumber(iterations, n))
            return 2;
        pf::ui::runScreenshots(window, parser.value(screenshots), (long long)n);
    }
    return app.exec();
}
