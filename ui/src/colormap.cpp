#include "phaseforge/ui/colormap.h"

#include <QImage>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace pf::ui {

namespace {

using Rgb = std::array<double, 3>;

// Sixth-degree polynomial fits of matplotlib's perceptual maps (viridis,
// magma, inferno), coefficients c0..c6 per channel; they stay within about
// 1/255 of the published tables.
constexpr std::array<Rgb, 7> kViridis = {{{0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
                                          {0.1050930431085774, 1.404613529898575, 1.384590162594685},
                                          {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
                                          {-4.634230498983486, -5.799100973351585, -19.33244095627987},
                                          {6.228269936347081, 14.17993336680509, 56.69055260068105},
                                          {4.776384997670288, -13.74514537774601, -65.35303263337234},
                                          {-5.435455855934631, 4.645852612178535, 26.3124352495832}}};
constexpr std::array<Rgb, 7> kMagma = {{{-0.002136485053939582, -0.000749655052795221, -0.005386127855323933},
                                        {0.2516605407371642, 0.6775232436837668, 2.494026599312351},
                                        {8.353717279216625, -3.577719514958484, 0.3144679030132573},
                                        {-27.66873308576866, 14.26473078096533, -13.64921318813922},
                                        {52.17613981234068, -27.94360607168351, 12.94416944238394},
                                        {-50.76852536473588, 29.04658282127291, 4.23415299384598},
                                        {18.65570506591883, -11.48977351997711, -5.601961508734096}}};
constexpr std::array<Rgb, 7> kInferno = {{{0.0002189403691192265, 0.001651004631001012, -0.01948089843709184},
                                          {0.1065134194856116, 0.5639564367884091, 3.932712388889277},
                                          {11.60249308247187, -3.972853965665698, -15.9423941062914},
                                          {-41.70399613139459, 17.43639888205313, 44.35414519872813},
                                          {77.162935699427, -33.40235894210092, -81.80730925738993},
                                          {-71.31942824499214, 32.62606426397723, 73.20951985803202},
                                          {25.13112622477341, -12.24266895238567, -23.07032500287172}}};

Rgb polynomial(const std::array<Rgb, 7>& c, double t) {
    Rgb out{};
    for (int k = 0; k < 3; ++k) {
        double acc = 0;
        for (int j = 6; j >= 0; --j)
            acc = acc * t + c[std::size_t(j)][std::size_t(k)];
        out[std::size_t(k)] = acc;
    }
    return out;
}

Rgb sample(Colormap map, double t) {
    switch (map) {
    case Colormap::Grey: return {t, t, t};
    case Colormap::Viridis: return polynomial(kViridis, t);
    case Colormap::Magma: return polynomial(kMagma, t);
    case Colormap::Inferno: return polynomial(kInferno, t);
    case Colormap::Hot: return {3 * t, 3 * t - 1, 3 * t - 2};
    }
    return {t, t, t};
}

std::uint32_t pack(const Rgb& c, std::uint8_t alpha) {
    std::uint8_t bytes[4];
    for (int k = 0; k < 3; ++k)
        bytes[k] = std::uint8_t(std::lround(std::clamp(c[std::size_t(k)], 0.0, 1.0) * 255.0));
    bytes[3] = alpha;
    std::uint32_t packed;
    std::memcpy(&packed, bytes, 4); // bytes in memory order R, G, B, A
    return packed;
}

} // namespace

std::uint32_t packRgba(std::uint8_t r, std::uint8_t g, std::uint8_t b, std::uint8_t a) {
    const std::uint8_t bytes[4] = {r, g, b, a};
    std::uint32_t packed;
    std::memcpy(&packed, bytes, 4);
    return packed;
}

QStringList colormapNames() {
    return {QStringLiteral("Grey"), QStringLiteral("Viridis"), QStringLiteral("Magma"),
            QStringLiteral("Inferno"), QStringLiteral("Hot")};
}

Colormap colormapFromName(const QString& name) {
    const QStringList names = colormapNames();
    for (int i = 0; i < names.size(); ++i)
        if (names[i].compare(name, Qt::CaseInsensitive) == 0)
            return Colormap(i);
    return Colormap::Viridis;
}

QString colormapName(Colormap map) { return colormapNames().value(int(map)); }

ColorTable colorTable(Colormap map) {
    ColorTable table{};
    for (int i = 0; i < 256; ++i)
        table[std::size_t(i)] = pack(sample(map, i / 255.0), 255);
    return table;
}

ValueRange finiteRange(std::span<const float> values) {
    float lo = INFINITY, hi = -INFINITY;
    for (float v : values)
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    return lo <= hi ? ValueRange{lo, hi} : ValueRange{};
}

void colourize(std::span<const float> values, const ColorTable& table, bool logScale,
               std::span<std::uint32_t> rgba) {
    const auto shown = [logScale](float v) {
        return logScale ? std::log10(1.0f + std::max(v, 0.0f)) : v;
    };
    ValueRange r = finiteRange(values);
    const float lo = shown(r.lo), hi = shown(r.hi);
    const float scale = hi > lo ? 255.0f / (hi - lo) : 0.0f;
    const std::size_t n = std::min(values.size(), rgba.size());
    for (std::size_t i = 0; i < n; ++i) {
        const float v = values[i];
        if (!std::isfinite(v)) {
            rgba[i] = 0;
            continue;
        }
        const float t = (shown(v) - lo) * scale;
        rgba[i] = table[std::size_t(std::clamp(int(t + 0.5f), 0, 255))];
    }
}

QImage colourizedImage(const ImageF& image, const ColorTable& table, bool logScale) {
    QImage out(image.shape.cols, image.shape.rows, QImage::Format_RGBA8888);
    if (out.isNull())
        return out;
    std::vector<std::uint32_t> rgba(image.shape.size());
    colourize(image.data, table, logScale, rgba);
    for (int r = 0; r < image.shape.rows; ++r)
        std::memcpy(out.scanLine(r), rgba.data() + std::size_t(r) * std::size_t(image.shape.cols),
                    std::size_t(image.shape.cols) * 4);
    return out;
}

} // namespace pf::ui
