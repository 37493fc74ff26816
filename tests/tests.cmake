# Test registration: the doctest binary (unit tests that start their own loopback servers)
# and end-to-end runs of the greenfetch binary (tests/e2e/*.py).
find_package(Python3 REQUIRED COMPONENTS Interpreter)

add_test(NAME unit COMMAND unit_tests)
set_tests_properties(unit PROPERTIES TIMEOUT 300)

file(GLOB GREENFETCH_E2E_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/e2e/test_*.py)
foreach(script ${GREENFETCH_E2E_TESTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME e2e_${name}
           COMMAND ${Python3_EXECUTABLE} ${script} --greenfetch $<TARGET_FILE:greenfetch>
                   --build-dir ${CMAKE_BINARY_DIR})
  set_tests_properties(e2e_${name} PROPERTIES TIMEOUT 300)
endforeach()
