#include "phaseforge/image.h"

namespace pf {

std::string Shape::toString() const { return std::to_string(rows) + " x " + std::to_string(cols); }

namespace {

// Circular shift by (dr, dc): out(r + dr, c + dc) = in(r, c).
template <class T> Image<T> roll(const Image<T>& in, int dr, int dc) {
    Image<T> out(in.shape);
    const int rows = in.shape.rows, cols = in.shape.cols;
    for (int r = 0; r < rows; ++r) {
        const int rr = (r + dr) % rows;
        for (int c = 0; c < cols; ++c)
            out.at(rr, (c + dc) % cols) = in.at(r, c);
    }
    return out;
}

} // namespace

template <class T> Image<T> fftShift(const Image<T>& in) {
    return roll(in, in.shape.rows / 2, in.shape.cols / 2);
}

template <class T> Image<T> ifftShift(const Image<T>& in) {
    return roll(in, (in.shape.rows + 1) / 2, (in.shape.cols + 1) / 2);
}

template Image<float> fftShift(const Image<float>&);
template Image<double> fftShift(const Image<double>&);
template Image<std::uint8_t> fftShift(const Image<std::uint8_t>&);
template Image<float> ifftShift(const Image<float>&);
template Image<double> ifftShift(const Image<double>&);
template Image<std::uint8_t> ifftShift(const Image<std::uint8_t>&);

} // namespace pf
