# cl_embed_files(<target-source-var> <symbol> <files...>): generate a source holding the files.
function(cl_embed_files out_var symbol)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${symbol}.cpp)
  string(REPLACE ";" "\\;" files_arg "${ARGN}")
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} "-DFILES=${files_arg}" -DSYMBOL=${symbol} -DOUTPUT=${output}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${ARGN} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding ${symbol}")
  set(${out_var} ${output} PARENT_SCOPE)
endfunction()
