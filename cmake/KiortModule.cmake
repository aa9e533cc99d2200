# kiort_module(NAME SOURCES ... DEPS ...): one library target per module (folder = namespace = target).
function(kiort_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Werror)
  if(KIORT_FUZZ)  # clang warns on other things than the GCC builds, which keep -Werror
    target_compile_options(${target} PRIVATE -Wno-error)
  endif()
endfunction()

function(kiort_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(kiort_${name} ${ARG_SOURCES})
  add_library(kiort::${name} ALIAS kiort_${name})
  target_include_directories(kiort_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(kiort_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  kiort_warnings(kiort_${name})
endfunction()

# kiort_test(NAME LABEL SOURCES ... DEPS ... [ENVIRONMENT VAR=value ...]): a GoogleTest executable
# whose tests carry LABEL (and run with ENVIRONMENT, e.g. sanitizer options).
function(kiort_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;DEPS;ENVIRONMENT" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE KIORT_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/data"
                                             KIORT_REAL_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
                                             KIORT_REGRESSION_DIR="${PROJECT_SOURCE_DIR}/tests/fuzz/regressions")
  kiort_warnings(${name})
  if(ARG_ENVIRONMENT)
    gtest_discover_tests(${name} PROPERTIES LABELS ${ARG_LABEL} ENVIRONMENT "${ARG_ENVIRONMENT}"
                         DISCOVERY_TIMEOUT 60)
  else()
    gtest_discover_tests(${name} PROPERTIES LABELS ${ARG_LABEL} DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
