# Writes one shell completion script: cmake -DGREENFETCH=path -DSHELL_NAME=bash -DOUT=file -P
# completion.cmake (a script, because a build command cannot redirect stdout portably).
execute_process(COMMAND ${GREENFETCH} --completions ${SHELL_NAME} OUTPUT_FILE ${OUT}
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE ${OUT})
  message(FATAL_ERROR "greenfetch --completions ${SHELL_NAME} failed: ${status}")
endif()
