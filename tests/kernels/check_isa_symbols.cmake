# Fails if a per-ISA kernel object (kernels_*avx2*.o, *avx512*.o, *_neon*.o) defines any global
# symbol other than its table getter: a weak inline function compiled with AVX-512 flags could be
# picked by the linker for scalar code and crash CPUs without AVX-512.
# Usage: cmake -DNM=<nm> -DOBJECTS=<list> -P check_isa_symbols.cmake
foreach(obj ${OBJECTS})
  if(NOT obj MATCHES "(avx2|avx512|neon)[^/]*\\.o(bj)?$")
    continue()
  endif()
  execute_process(COMMAND ${NM} -C --defined-only --extern-only ${obj}
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${obj}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line ${lines})
    if(line STREQUAL "" OR line MATCHES "_table\\(\\)$" OR line MATCHES "DW\\.ref\\.__gxx_personality")
      continue()
    endif()
    message(FATAL_ERROR "${obj} exports '${line}': ISA code must have internal linkage")
  endforeach()
  message(STATUS "ok: ${obj}")
endforeach()
