# Three separate runs of the CLI with the same seed must give the same numbers.
# FFTW_MEASURE chooses algorithms by timing them, so without the wisdom file
# (core/src/fftw_util.cpp) separate processes could differ in the last bits,
# which HIO amplifies into visibly different results.
# -DCLI=<phaseforge-cli> -DSAMPLE=<cxi> -DWORK_DIR=<scratch folder>
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(ENV{PF_FFTW_WISDOM} "${WORK_DIR}/wisdom")
set(first "")
foreach(run 1 2 3)
  execute_process(
    COMMAND "${CLI}" reconstruct "${SAMPLE}" -o "${WORK_DIR}/out${run}.cxi"
            --algorithm "HIO:300,ER:50" --seed 7 --engine cpu --json
    OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run ${run} failed (${rc})")
  endif()
  string(REGEX MATCH "\"final_errors\": \\[[^]]*\\]" errors "${out}")
  if(errors STREQUAL "")
    message(FATAL_ERROR "run ${run}: no final_errors in ${out}")
  endif()
  message(STATUS "run ${run}: ${errors}")
  if(run EQUAL 1)
    set(first "${errors}")
  elseif(NOT errors STREQUAL first)
    message(FATAL_ERROR "same seed, different results: ${first} then ${errors}")
  endif()
endforeach()
if(NOT EXISTS "${WORK_DIR}/wisdom")
  message(FATAL_ERROR "no FFTW wisdom file was written")
endif()
