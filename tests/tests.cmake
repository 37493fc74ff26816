# Test registration: the doctest binary (unit tests that start their own loopback servers)
# and end-to-end runs of the greenfetch binary (tests/e2e/*.py).
find_package(Python3 REQUIRED COMPONENTS Interpreter)

# The sanitizer build's tests carry the sanitizer settings themselves, so that a plain
# `ctest --test-dir build-asan` runs them as tests/run_all.sh does (leak checks on, the
# first error ends the run, tests that measure memory skipped).
set(GREENFETCH_TEST_ENV "")
if(GREENFETCH_SANITIZE)
  set(GREENFETCH_TEST_ENV
      "GREENFETCH_SANITIZED=1;ASAN_OPTIONS=detect_leaks=1:abort_on_error=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endif()

add_test(NAME unit COMMAND unit_tests)
set_tests_properties(unit PROPERTIES TIMEOUT 300 ENVIRONMENT "${GREENFETCH_TEST_ENV}")

file(GLOB GREENFETCH_E2E_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/e2e/test_*.py)
foreach(script ${GREENFETCH_E2E_TESTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME e2e_${name}
           COMMAND ${Python3_EXECUTABLE} ${script} --greenfetch $<TARGET_FILE:greenfetch>
                   --build-dir ${CMAKE_BINARY_DIR})
  set_tests_properties(e2e_${name} PROPERTIES TIMEOUT 300 ENVIRONMENT "${GREENFETCH_TEST_ENV}")
endforeach()

# Test-only tools the e2e tests run beside greenfetch (found in --build-dir).
add_executable(url_probe ${CMAKE_SOURCE_DIR}/tests/tools/url_probe.cpp)
target_link_libraries(url_probe PRIVATE greenfetch_core)

# tests/unit/http/content_decoder_test.cpp compresses its br samples with libbrotlienc (zlib
# and libzstd compress as well as decompress, and core links them already).
pkg_check_modules(BROTLIENC REQUIRED IMPORTED_TARGET libbrotlienc)
target_link_libraries(unit_tests PRIVATE PkgConfig::BROTLIENC)
