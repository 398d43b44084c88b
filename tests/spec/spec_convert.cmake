# Converts one .wast script into OUT_DIR/NAME.json (+ NAME.N.wasm, NAME.N.wat) with wast2json.
#   cmake -DWAST2JSON=... -DWAST=.../x.wast -DOUT_DIR=.../spec/x -DNAME=x
#         -DNOISY="elem;..." -P spec_convert.cmake
# wast2json can print an error and still exit 0 (it did so for a valid module in elem.wast), so
# its stderr is checked too: any diagnostic fails the conversion unless NAME is listed in NOISY,
# the files whose diagnostics are known to be harmless. The directory is recreated each time so
# no .wasm of an older version of the script survives next to the new JSON.
cmake_minimum_required(VERSION 3.25)
foreach(var WAST2JSON WAST OUT_DIR NAME)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "spec_convert.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${OUT_DIR}")
file(MAKE_DIRECTORY "${OUT_DIR}")
execute_process(
  COMMAND "${WAST2JSON}" "${WAST}" -o "${NAME}.json"
  WORKING_DIRECTORY "${OUT_DIR}"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)

if(NOT rc EQUAL 0)
  file(REMOVE "${OUT_DIR}/${NAME}.json")
  message(FATAL_ERROR "wast2json ${WAST} failed (${rc}):\n${out}${err}")
endif()
if(NOT err STREQUAL "")
  if(NAME IN_LIST NOISY)
    message(STATUS "wast2json ${NAME}.wast: known harmless diagnostic ignored")
  else()
    file(REMOVE "${OUT_DIR}/${NAME}.json")
    message(FATAL_ERROR "wast2json ${WAST} exited 0 but reported:\n${err}")
  endif()
endif()
