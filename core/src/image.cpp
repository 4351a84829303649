#include "phaseforge/image.h"

namespace pf {

std::string Shape::toString() const { return std::to_string(rows) + " x " + std::to_string(cols); }

template <class T> Image<T> circularShift(const Image<T>& in, int dr, int dc) {
    Image<T> out(in.shape);
    const int rows = in.shape.rows, cols = in.shape.cols;
    if (in.empty())
        return out;
    dr = ((dr % rows) + rows) % rows;
    dc = ((dc % cols) + cols) % cols;
    for (int r = 0; r < rows; ++r) {
        const int rr = (r + dr) % rows;
        for (int c = 0; c < cols; ++c)
            out.at(rr, (c + dc) % cols) = in.at(r, c);
    }
    return out;
}

template <class T> Image<T> fftShift(const Image<T>& in) {
    return circularShift(in, in.shape.rows / 2, in.shape.cols / 2);
}

template <class T> Image<T> ifftShift(const Image<T>& in) {
    return circularShift(in, (in.shape.rows + 1) / 2, (in.shape.cols + 1) / 2);
}

template Image<float> circularShift(const Image<float>&, int, int);
template Image<double> circularShift(const Image<double>&, int, int);
template Image<std::uint8_t> circularShift(const Image<std::uint8_t>&, int, int);
template Image<float> fftShift(const Image<float>&);
template Image<double> fftShift(const Image<double>&);
template Image<std::uint8_t> fftShift(const Image<std::uint8_t>&);
template Image<float> ifftShift(const Image<float>&);
template Image<double> ifftShift(const Image<double>&);
template Image<std::uint8_t> ifftShift(const Image<std::uint8_t>&);

} // namespace pf
