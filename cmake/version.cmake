# Runs at build time: bakes the version and the git commit into version.cpp (rewritten only on change).
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SRC_DIR}
                OUTPUT_VARIABLE GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${SRC_DIR}
                OUTPUT_VARIABLE GIT_DIRTY OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT GIT_COMMIT)
  set(GIT_COMMIT "unknown")
elseif(GIT_DIRTY)
  set(GIT_COMMIT "${GIT_COMMIT}-dirty")
endif()
configure_file(${IN_FILE} ${OUT_FILE}.new @ONLY)
file(COPY_FILE ${OUT_FILE}.new ${OUT_FILE} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT_FILE}.new)
