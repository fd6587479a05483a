# Helpers that keep each module's CMakeLists.txt to a line or two.
#
# edgellm_add_module(NAME DEPS ...): a static library edgellm_NAME from every *.cc in the calling
# directory except the per-ISA kernel files (*_avx2.cc, *_avx512.cc, *_neon.cc), which the kernels
# module adds itself with their own flags. Include paths: src/ and include/.
#
# edgellm_add_test(NAME DEPS ...): one gtest executable test_NAME from every *_test.cc in the
# calling directory, registered with CTest test by test.

set(EDGELLM_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)

function(edgellm_add_module name)
  cmake_parse_arguments(M "" "" "DEPS;SOURCES" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  list(FILTER srcs EXCLUDE REGEX "_(avx2|avx512|neon)\\.cc$")
  add_library(edgellm_${name} STATIC ${srcs} ${M_SOURCES})
  target_include_directories(edgellm_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(edgellm_${name} PUBLIC ${M_DEPS})
  target_compile_options(edgellm_${name} PRIVATE ${EDGELLM_WARNINGS})
  set_property(GLOBAL APPEND PROPERTY EDGELLM_MODULES edgellm_${name})
endfunction()

function(edgellm_add_test name)
  cmake_parse_arguments(T "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  add_executable(test_${name} ${srcs})
  set_target_properties(test_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(test_${name} PRIVATE ${T_DEPS} edgellm_testing GTest::gtest_main)
  target_compile_options(test_${name} PRIVATE ${EDGELLM_WARNINGS})
  gtest_discover_tests(test_${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "EDGELLM_BIN=${CMAKE_BINARY_DIR}/bin")
endfunction()
