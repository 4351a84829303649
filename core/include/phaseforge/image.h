// Plain row-major 2-D images on the host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pf {

/// Size of a 2-D array; element (r, c) lives at r * cols + c.
struct Shape {
    int rows = 0;
    int cols = 0;

    std::size_t size() const { return std::size_t(rows) * std::size_t(cols); }
    bool empty() const { return rows <= 0 || cols <= 0; }
    /// Width of the half spectrum of a real transform along rows: cols / 2 + 1.
    int halfCols() const { return cols / 2 + 1; }
    std::size_t halfSize() const { return std::size_t(rows) * std::size_t(halfCols()); }
    bool operator==(const Shape&) const = default;
    std::string toString() const; ///< "rows x cols"
};

/// An owning row-major image.
template <class T> struct Image {
    Shape shape;
    std::vector<T> data;

    Image() = default;
    explicit Image(Shape s, T fill = T{}) : shape(s), data(s.size(), fill) {}
    T& at(int r, int c) { return data[std::size_t(r) * std::size_t(shape.cols) + std::size_t(c)]; }
    const T& at(int r, int c) const {
        return data[std::size_t(r) * std::size_t(shape.cols) + std::size_t(c)];
    }
    bool empty() const { return data.empty(); }
};

using ImageF = Image<float>;
using ImageD = Image<double>;
/// A boolean mask: 1 = true, 0 = false.
using Mask = Image<std::uint8_t>;

/// Circular shift: out(r + dr, c + dc) = in(r, c), indices wrapping (any sign).
template <class T> Image<T> circularShift(const Image<T>& in, int dr, int dc);

/// Moves the zero frequency between the corner and the centre (numpy's
/// fftshift / ifftshift; they differ for odd sizes).
template <class T> Image<T> fftShift(const Image<T>& in);
template <class T> Image<T> ifftShift(const Image<T>& in);

} // namespace pf
