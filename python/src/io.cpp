// phaseforge.load_diffraction(): core's readers (TIFF, PNG, NPY, HDF5, CXI).
// A pf::FileError arrives in Python as OSError with .filename set.
#include "bindings.h"
#include "host_arrays.h"

#include <phaseforge/io/load.h>

#include <pybind11/stl.h>

namespace pfpy {

void bindIo(py::module_& m) {
    using namespace pybind11::literals;
    m.def(
        "load_diffraction",
        [](const std::string& path, const py::handle& kind, const py::handle& centring, int frame) {
            pf::io::LoadOptions options;
            options.frame = frame;
            if (!kind.is_none()) {
                const std::string k = py::str(kind);
                if (k == "intensity")
                    options.kind = pf::io::ValueKind::Intensity;
                else if (k == "amplitude")
                    options.kind = pf::io::ValueKind::Amplitude;
                else
                    throw py::value_error("kind: expected 'intensity' or 'amplitude'");
            }
            if (!centring.is_none()) {
                const std::string c = py::str(centring);
                if (c == "centred")
                    options.centring = pf::io::Centring::Centred;
                else if (c == "fft-shifted")
                    options.centring = pf::io::Centring::FftShifted;
                else
                    throw py::value_error("centring: expected 'centred' or 'fft-shifted'");
            }
            pf::io::LoadedPattern loaded;
            {
                py::gil_scoped_release release;
                loaded = pf::io::loadDiffraction(path, options);
            }
            const pf::Shape s = loaded.problem.shape();
            py::dict out;
            out["magnitude"] = toNumpy(loaded.problem.magnitude);
            out["mask"] = toNumpy(loaded.problem.measured, s);
            out["format"] = loaded.info.format;
            out["dtype"] = loaded.info.dtype;
            out["notices"] = loaded.notices;
            return out;
        },
        "path"_a, py::kw_only(), "kind"_a = py::none(), "centring"_a = py::none(), "frame"_a = -1,
        "Reads a diffraction pattern into FFT-order magnitudes and a measured mask: a dict "
        "with magnitude, mask, format, dtype, notices. Errors raise OSError.");
}

} // namespace pfpy
