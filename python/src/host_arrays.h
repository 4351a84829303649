// Conversions between numpy arrays and the core's host images, with checks that
// name the Python argument at fault. Wrong dtype -> TypeError, wrong shape or
// strides -> ValueError (pybind11 maps the exceptions thrown here).
#pragma once

#include <phaseforge/image.h>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <complex>
#include <string>

namespace pfpy {

namespace py = pybind11;

/// "(3, 4)", as numpy writes a shape.
std::string shapeText(pf::Shape s);
/// The array's shape as pf::Shape; ValueError unless it is 2-D.
pf::Shape shape2d(const py::array& a, const char* name);

/// A 2-D real array (float32 or float64, any strides) copied into an ImageF.
/// `expected`, when not empty, is the shape it must have.
pf::ImageF toImage(const py::handle& obj, const char* name, pf::Shape expected = {});
/// A 2-D mask (bool or uint8 holding 0/1, any strides) copied into a Mask.
pf::Mask toMask(const py::handle& obj, const char* name, pf::Shape expected);

/// A float32 numpy array of the image (a copy).
py::array_t<float> toNumpy(const pf::ImageF& image);
/// A bool numpy array of the mask (a copy); empty mask -> all True of `shape`.
py::array_t<bool> toNumpy(const pf::Mask& mask, pf::Shape shape);
/// The same without copying: the numpy array takes over the image's (or the
/// mask's) memory and frees it when the last reference to it goes. A mask's
/// values are made 0/1 in place first.
py::array_t<float> toNumpy(pf::ImageF&& image);
py::array_t<bool> toNumpy(pf::Mask&& mask, pf::Shape shape);

/// Checks for the per-kernel API, which works in place and never converts:
/// `a` must be a numpy array of exactly dtype T, C-contiguous, writeable when
/// `writeable`, with the given 2-D shape. Returns its data pointer.
template <class T>
T* checkedData(const py::handle& obj, const char* name, pf::Shape shape, bool writeable);

} // namespace pfpy
