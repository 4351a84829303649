// The _phaseforge extension module: registers every binding file and turns
// PhaseForge exceptions into Python ones at this one boundary:
//   pf::InvalidArgument -> ValueError, pf::FileError -> OSError,
//   pf::EngineError -> RuntimeError (any other pf::Error -> RuntimeError).
#include "bindings.h"

#include <phaseforge/algorithm.h>
#include <phaseforge/engine_factory.h>
#include <phaseforge/error.h>
#include <phaseforge/version.h>

#include <pybind11/pybind11.h>

namespace py = pybind11;

PYBIND11_MODULE(_phaseforge, m) {
    m.doc() = "PhaseForge phase retrieval: C++ core and CUDA engine bindings";

    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p)
                std::rethrow_exception(p);
        } catch (const pf::InvalidArgument& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const pf::FileError& e) {
            // The file name stays reachable as OSError.filename.
            py::object err = py::module_::import("builtins").attr("OSError")(e.what());
            err.attr("filename") = e.path();
            PyErr_SetObject(PyExc_OSError, err.ptr());
        } catch (const pf::EngineError& e) {
            PyErr_SetString(PyExc_RuntimeError, e.what());
        } catch (const pf::Error& e) {
            PyErr_SetString(PyExc_RuntimeError, e.what());
        }
    });

    m.attr("__version__") = pf::version();
    m.def("cuda_unavailable_reason", &pf::cudaUnavailableReason,
          "Why the CUDA engine cannot be used here ('' when it can).");

    // The algorithm table, from which the package's docstrings name the rules.
    m.def(
        "algorithms",
        [] {
            py::list out;
            for (const pf::AlgorithmInfo& a : pf::algorithms()) {
                py::dict row;
                row["name"] = std::string(a.name);
                row["title"] = std::string(a.title);
                row["formula"] = std::string(a.formula);
                row["uses_beta"] = a.usesBeta;
                row["reads_iterate"] = a.readsIterate;
                out.append(row);
            }
            return out;
        },
        "The algorithm table (core/src/algorithm.cpp), one dict per rule: name, title, "
        "formula (g: the current iterate, g': the Fourier projection's output), uses_beta, "
        "reads_iterate.");
    m.def(
        "algorithm_help", [](const std::string& indent) { return pf::algorithmHelp(indent); },
        py::arg("indent") = "  ", "The rules as the help texts list them, two lines each.");

    pfpy::bindReconstruct(m);
    pfpy::bindReconstructor(m);
    pfpy::bindDeviceArray(m);
    pfpy::bindIo(m);
    pfpy::bindBenchHooks(m);
    py::module_ kernels = m.def_submodule("kernels", "One call per stage of an iteration.");
    pfpy::bindKernels(kernels);
}
