# cmake -P script: installs the project into a scratch prefix, then asks the
# installed app which samples File > Open Sample offers. Each must come from
# <prefix>/share/phaseforge/samples, not from the source tree the build knows,
# and every bundled sample must be there.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install failed (${rc}): ${err}")
endif()

set(ENV{QT_QPA_PLATFORM} offscreen)
unset(ENV{PF_SAMPLES_DIR})
execute_process(COMMAND ${prefix}/bin/phaseforge --list-samples
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the installed app failed (${rc}): ${err}")
endif()
string(STRIP "${out}" out)
string(REPLACE "\n" ";" listed "${out}")
message(STATUS "the installed app lists: ${listed}")

file(REAL_PATH ${prefix}/share/phaseforge/samples want)
file(GLOB bundled RELATIVE ${SAMPLES_DIR} ${SAMPLES_DIR}/*.cxi)
list(LENGTH bundled n_bundled)
list(LENGTH listed n_listed)
if(n_bundled EQUAL 0 OR NOT n_listed EQUAL n_bundled)
  message(FATAL_ERROR "expected the ${n_bundled} bundled samples, the app lists ${n_listed}: ${listed}")
endif()
foreach(path ${listed})
  get_filename_component(dir ${path} DIRECTORY)
  file(REAL_PATH ${dir} dir)
  if(NOT dir STREQUAL want)
    message(FATAL_ERROR "${path} is not in the installed samples folder ${want}")
  endif()
endforeach()
foreach(name ${bundled})
  if(NOT EXISTS ${want}/${name})
    message(FATAL_ERROR "${name} was not installed into ${want}")
  endif()
endforeach()
