# Fuzz targets: every tests/fuzz/NAME_fuzz.cpp defines LLVMFuzzerTestOneInput and becomes the
# executable fuzz_NAME; its seed corpus is tests/fuzz/corpus/NAME/.
#
# -DGREENFETCH_FUZZ=ON (with CXX=clang++-14): the whole build gets ASan, UBSan and libFuzzer's
# coverage instrumentation (CMakeLists.txt turns the sanitizer settings on), and each target is
# a libFuzzer binary; tests/fuzz/run.sh NAME SECONDS fuzzes one.
# Otherwise (g++, release or the sanitizer build) each target is linked with
# tests/fuzz/replay_main.cpp, which feeds every file of the corpus to the target once. Either
# way ctest replays every corpus (test fuzz_NAME), so a crash found once stays fixed.
file(GLOB GREENFETCH_FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/*_fuzz.cpp)

if(GREENFETCH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "GREENFETCH_FUZZ needs clang (CXX=clang++-14): libFuzzer is part of it")
  endif()
  # Coverage feedback from the code under test, not only from the target's own file.
  target_compile_options(greenfetch_core PUBLIC -fsanitize=fuzzer-no-link)
  target_compile_options(greenfetch_cli PUBLIC -fsanitize=fuzzer-no-link)
endif()

foreach(src ${GREENFETCH_FUZZ_TARGETS})
  get_filename_component(file ${src} NAME_WE)
  string(REGEX REPLACE "_fuzz$" "" name ${file})
  set(corpus ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${name})
  add_executable(fuzz_${name} ${src})
  target_link_libraries(fuzz_${name} PRIVATE greenfetch_cli)
  if(GREENFETCH_FUZZ)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    # -runs=0: run the corpus once and stop.
    add_test(NAME fuzz_${name} COMMAND fuzz_${name} -runs=0 ${corpus})
  else()
    target_sources(fuzz_${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    add_test(NAME fuzz_${name} COMMAND fuzz_${name} ${corpus})
  endif()
  set_tests_properties(fuzz_${name} PROPERTIES TIMEOUT 300 ENVIRONMENT "${GREENFETCH_TEST_ENV}")
endforeach()
