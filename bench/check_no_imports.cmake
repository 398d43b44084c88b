# cmake -DOBJDUMP=<wasm-objdump> -DWASM=<file> -P check_no_imports.cmake
# Fails (and deletes the module, so the next build retries) when WASM has an import section.
execute_process(COMMAND ${OBJDUMP} -h ${WASM} OUTPUT_VARIABLE sections RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${WASM})
  message(FATAL_ERROR "${OBJDUMP} -h ${WASM} failed")
endif()
if(sections MATCHES "Import start=")
  execute_process(COMMAND ${OBJDUMP} -x -j Import ${WASM} OUTPUT_VARIABLE imports)
  file(REMOVE ${WASM})
  message(FATAL_ERROR "${WASM} has imports; benchmark workloads must have none:\n${imports}")
endif()
