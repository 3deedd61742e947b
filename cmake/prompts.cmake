# Embeds every prompts/*.txt file into the binary as data (sci::prompts::builtin()).
# Prompts stay reviewable text files; SCIENTIST_PROMPTS_DIR overrides them at run time.
file(GLOB_RECURSE SCI_PROMPT_FILES CONFIGURE_DEPENDS ${SCI_SOURCE_DIR}/prompts/*.txt)
set(SCI_PROMPTS_GENERATED ${CMAKE_BINARY_DIR}/generated/prompts_data.cpp)
add_custom_command(
  OUTPUT ${SCI_PROMPTS_GENERATED}
  COMMAND ${CMAKE_COMMAND} -DPROMPTS_DIR=${SCI_SOURCE_DIR}/prompts -DOUT=${SCI_PROMPTS_GENERATED}
          -P ${SCI_SOURCE_DIR}/cmake/embed_prompts.cmake
  DEPENDS ${SCI_PROMPT_FILES} ${SCI_SOURCE_DIR}/cmake/embed_prompts.cmake
  COMMENT "Embedding prompts")
