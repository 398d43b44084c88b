# Runs one spec_runner build on the converted suite and checks its fuel report.
#   cmake -DRUNNER=... -DSPEC_OUT=<dir of converted JSON> -DREPORT=<fuel report to write>
#         -DEXPECTED=<tests/spec/fuel.expected> [-DUPDATE=ON] -P spec_check.cmake
# The fuel comparison is what proves metering identical across builds (goto, switch, ASan), so it
# runs even when assertions failed: both problems are reported at once. With UPDATE=ON a passing
# run's report replaces EXPECTED instead (after an intended change of the fuel rules).
# SKIP_REASON set: the suite or wast2json is missing; print the marker ctest treats as "skipped".
cmake_minimum_required(VERSION 3.25)
if(DEFINED SKIP_REASON)
  message("SPEC-SKIP: ${SKIP_REASON}")
  return()
endif()
foreach(var RUNNER SPEC_OUT REPORT EXPECTED)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "spec_check.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE "${REPORT}")
execute_process(COMMAND "${RUNNER}" --fuel-report "${REPORT}" "${SPEC_OUT}" RESULT_VARIABLE rc)

if(UPDATE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "spec_runner failed (${rc}); ${EXPECTED} left unchanged")
  endif()
  file(COPY_FILE "${REPORT}" "${EXPECTED}")
  message(STATUS "wrote ${EXPECTED}")
  return()
endif()

set(problems "")
if(NOT rc EQUAL 0)
  list(APPEND problems "spec_runner exited with ${rc}")
endif()

if(NOT EXISTS "${EXPECTED}")
  list(APPEND problems "${EXPECTED} does not exist (generate it with the spec_fuel_update target)")
elseif(NOT EXISTS "${REPORT}")
  list(APPEND problems "spec_runner wrote no fuel report")
else()
  execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${REPORT}" "${EXPECTED}"
                  RESULT_VARIABLE differ)
  if(NOT differ EQUAL 0)
    # Name the scripts whose fuel changed rather than just saying "files differ".
    file(STRINGS "${REPORT}" got)
    file(STRINGS "${EXPECTED}" want)
    foreach(line IN LISTS want)
      if(NOT line IN_LIST got)
        message("fuel: expected  ${line}")
      endif()
    endforeach()
    foreach(line IN LISTS got)
      if(NOT line IN_LIST want)
        message("fuel: got       ${line}")
      endif()
    endforeach()
    list(APPEND problems "fuel report ${REPORT} differs from ${EXPECTED}")
  endif()
endif()

if(problems)
  list(JOIN problems "; " text)
  message(FATAL_ERROR "${text}")
endif()
