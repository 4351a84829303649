// Colour tables for the image views, and the host-side colouring that the
// FFTW path, exports and the interop fallback use. The CUDA path applies the
// same table on the device (gpu/src/gl_interop.cu).
#pragma once

#include "phaseforge/ui/frame_bridge.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <span>

class QImage;

namespace pf::ui {

enum class Colormap { Grey, Viridis, Magma, Inferno, Hot };

/// Display names, in enum order.
QStringList colormapNames();
/// By display name (case-insensitive); Viridis when unknown.
Colormap colormapFromName(const QString& name);
QString colormapName(Colormap map);
/// 256 colours sampled from the map (opaque).
ColorTable colorTable(Colormap map);

/// One colour packed like ColorTable entries (bytes R, G, B, A in memory).
std::uint32_t packRgba(std::uint8_t r, std::uint8_t g, std::uint8_t b, std::uint8_t a);

/// Smallest and largest finite value (0, 0 when there is none).
struct ValueRange {
    float lo = 0;
    float hi = 0;
};
ValueRange finiteRange(std::span<const float> values);

/// Colours `values` into `rgba` (bytes R, G, B, A per pixel). With logScale
/// each value v is shown as log10(1 + max(v, 0)). Values are scaled from the
/// range's low to high end; NaN/Inf become transparent black.
void colourize(std::span<const float> values, const ColorTable& table, bool logScale,
               std::span<std::uint32_t> rgba);

/// A colour-mapped copy of an image, for PNG export.
QImage colourizedImage(const ImageF& image, const ColorTable& table, bool logScale);

} // namespace pf::ui
