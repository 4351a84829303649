// phaseforge-cli info FILE: what would be loaded, and every notice.
#include "cli_common.h"
#include "commands.h"

#include <phaseforge/io/formats.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace pfcli {

std::string infoHelp() {
    std::string formats;
    for (const pf::io::FormatInfo& f : pf::io::supportedFormats()) {
        std::string extensions;
        for (std::string_view e : f.extensions) extensions += (extensions.empty() ? "." : ", .") + std::string(e);
        formats += "  " + std::string(f.name) + std::string(6 - std::min<std::size_t>(f.name.size(), 5), ' ') +
                   std::string(f.description) + " (" + extensions + ")" +
                   (f.datasetPath ? "; FILE:/path names a dataset" : "") + "\n";
    }
    return std::string(
    "usage: phaseforge-cli info FILE [options]\n"
    "\n"
    "Shows what PhaseForge would load from FILE: format, shape, type, value range,\n"
    "intensity or amplitude, centring, unmeasured pixels, and every notice.\n"
    "The format is recognised from the file's first bytes. FILE is one of:\n") + formats +
    "\n"
    "options:\n"
    "  --frame N          frame of a 3-D dataset or page of a TIFF stack (default 0)\n"
    "  --entry N          CXI entry_N (default: the first entry with data)\n"
    "  --dataset PATH     HDF5 dataset (same as FILE:PATH)\n"
    "  --intensity        the values are intensities (square-rooted on load)\n"
    "  --amplitude        the values are magnitudes\n"
    "  --centred          the zero frequency is at the centre\n"
    "  --fft-shifted      the zero frequency is at pixel (0, 0)\n"
    "  --json             print one JSON object instead of text\n";
}

namespace {

std::string sourceNote(const std::string& source) {
    if (source == "file") return "from the file";
    if (source == "option") return "from the command line";
    if (source == "heuristic") return "by heuristic";
    return "assumed";
}

} // namespace

int runInfo(int argc, char** argv, int first) {
    ArgParser args("info");
    addLoadOptions(args);
    args.flag("--json");
    args.parse(argc, argv, first);
    if (args.positionals().size() != 1) args.usageError("needs exactly one FILE");
    const std::string input = args.positionals()[0];
    const pf::io::LoadOptions options = loadOptionsFrom(args);
    const pf::io::LoadedPattern p =
        withFileCode(kExitInput, [&] { return pf::io::loadDiffraction(input, options); });
    throwIfInterrupted("while reading " + input);
    const pf::io::PatternInfo& i = p.info;

    if (args.has("--json")) {
        std::string notices = "[";
        for (std::size_t k = 0; k < p.notices.size(); ++k)
            notices += (k ? ", " : "") + jsonString(p.notices[k]);
        notices += "]";
        std::printf(
            "{\"file\": %s, \"format\": %s, \"dataset\": %s, \"entry\": %d, \"dtype\": %s, "
            "\"rows\": %d, \"cols\": %d, \"frames\": %d, \"frame\": %d, \"min\": %s, \"max\": %s, "
            "\"kind\": %s, \"kind_source\": %s, \"centring\": %s, \"centring_source\": %s, "
            "\"masked\": %lld, \"non_finite\": %lld, \"negative\": %lld, \"unmeasured\": %lld, "
            "\"notices\": %s}\n",
            jsonString(i.path).c_str(), jsonString(i.format).c_str(), jsonString(i.dataset).c_str(),
            i.entry, jsonString(i.dtype).c_str(), i.shape.rows, i.shape.cols, i.frames, i.frame,
            jsonNumber(i.minValue).c_str(), jsonNumber(i.maxValue).c_str(),
            jsonString(pf::io::valueKindName(i.kind)).c_str(), jsonString(i.kindSource).c_str(),
            jsonString(pf::io::centringName(i.centring)).c_str(), jsonString(i.centringSource).c_str(),
            static_cast<long long>(i.maskedPixels), static_cast<long long>(i.nonFinitePixels),
            static_cast<long long>(i.negativePixels), static_cast<long long>(i.unmeasuredPixels),
            notices.c_str());
        return kExitOk;
    }
    std::printf("file        %s\n", i.path.c_str());
    if (i.format == "CXI")
        std::printf("format      CXI, entry_%d, %s\n", i.entry, i.dataset.c_str());
    else if (!i.dataset.empty())
        std::printf("format      %s, %s\n", i.format.c_str(), i.dataset.c_str());
    else
        std::printf("format      %s\n", i.format.c_str());
    std::printf("shape       %d x %d (rows x cols)", i.shape.rows, i.shape.cols);
    if (i.frames > 1) std::printf(", frame %d of %d", i.frame, i.frames);
    std::printf("\ndtype       %s\n", i.dtype.c_str());
    std::printf("range       %.6g .. %.6g (finite values as stored)\n", i.minValue, i.maxValue);
    std::printf("values      %s (%s)\n", pf::io::valueKindName(i.kind), sourceNote(i.kindSource).c_str());
    std::printf("zero freq.  %s (%s)\n", pf::io::centringName(i.centring),
                sourceNote(i.centringSource).c_str());
    std::printf("unmeasured  %lld pixels (%lld masked by the file, %lld NaN/Inf)\n",
                static_cast<long long>(i.unmeasuredPixels), static_cast<long long>(i.maskedPixels),
                static_cast<long long>(i.nonFinitePixels));
    std::printf("negative    %lld values set to zero\n", static_cast<long long>(i.negativePixels));
    if (p.notices.empty()) {
        std::printf("notices     none\n");
    } else {
        std::printf("notices\n");
        for (const auto& n : p.notices) std::printf("  - %s\n", n.c_str());
    }
    return kExitOk;
}

} // namespace pfcli
