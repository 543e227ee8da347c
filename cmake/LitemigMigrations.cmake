# litemig_add_migrations(<target>
#     REFERENCE_DB <file>          the database the team edits (the schema the product should have)
#     DIR <migrations dir>         NNNN_slug.sql, snapshots/, litemig.sum (committed like code)
#     [HINTS <file>]               decisions litemig will not guess (renames, drops, fills)
#     [FIXTURES <dir>]             real databases at earlier versions, used by the verification tests
#     [TEST_PREFIX <prefix>])      prepended to the verification test names
#
# Several calls in one directory do not collide: each target has its own generated files, a
# later call without TEST_PREFIX names its tests "<target>.migration.NNNN" when the plain names
# are taken, and calls sharing a migrations directory generate one at a time. A target embeds
# one migrations directory (the generated symbols are fixed): a second call for it is an error.
#
# With LITEMIG_GENERATE set to OFF (a CI that must not write the source tree) the build never
# writes a migration: a reference database that differs from the newest snapshot fails it.
#
# At build time, when the reference database, the hints or a migration file changed, runs
# `litemig generate` (which writes the next migration and snapshot into DIR) and embeds every
# migration into <target> through one generated source with a fixed name. It also writes the
# list of verification tests (one `migration.NNNN` per migration plus `migration.reference`),
# which ctest picks up without re-running cmake.
include_guard(GLOBAL)

set(_litemig_module_dir ${CMAKE_CURRENT_LIST_DIR})

function(_litemig_find_ctest_template out_var)
  foreach(candidate ${_litemig_module_dir}/CTestTestfile.in ${_litemig_module_dir}/../CTestTestfile.in)
    if(EXISTS ${candidate})
      set(${out_var} ${candidate} PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "litemig_add_migrations: CTestTestfile.in not found next to ${_litemig_module_dir}")
endfunction()

function(litemig_add_migrations target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "REFERENCE_DB;DIR;HINTS;FIXTURES;TEST_PREFIX" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "litemig_add_migrations: unexpected arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "litemig_add_migrations: ${target} is not a target")
  endif()
  foreach(required REFERENCE_DB DIR)
    if(NOT arg_${required})
      message(FATAL_ERROR "litemig_add_migrations: ${required} is required")
    endif()
  endforeach()
  if(NOT TARGET litemig::litemig)
    message(FATAL_ERROR "litemig_add_migrations: the litemig::litemig executable target is missing "
                        "(find_package(litemig) provides it)")
  endif()

  cmake_path(ABSOLUTE_PATH arg_REFERENCE_DB BASE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} NORMALIZE)
  cmake_path(ABSOLUTE_PATH arg_DIR BASE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} NORMALIZE)
  if(NOT EXISTS ${arg_REFERENCE_DB})
    message(FATAL_ERROR "litemig_add_migrations: reference database ${arg_REFERENCE_DB} does not exist")
  endif()
  foreach(optional HINTS FIXTURES)
    if(arg_${optional})
      cmake_path(ABSOLUTE_PATH arg_${optional} BASE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} NORMALIZE)
    endif()
  endforeach()

  get_property(embedded_dir TARGET ${target} PROPERTY LITEMIG_MIGRATIONS_DIR)
  if(embedded_dir)
    message(FATAL_ERROR "litemig_add_migrations: ${target} already embeds the migrations of ${embedded_dir}; "
                        "a target embeds one migrations directory")
  endif()
  set_property(TARGET ${target} PROPERTY LITEMIG_MIGRATIONS_DIR ${arg_DIR})

  # Test names are unique in a directory (ctest runs one test per name).
  get_property(taken_prefixes DIRECTORY PROPERTY LITEMIG_TEST_PREFIXES)
  set(test_prefix "${arg_TEST_PREFIX}")
  if("prefix:${test_prefix}" IN_LIST taken_prefixes AND NOT arg_TEST_PREFIX)
    set(test_prefix "${target}.")
  endif()
  if("prefix:${test_prefix}" IN_LIST taken_prefixes)
    message(FATAL_ERROR "litemig_add_migrations: another call in this directory already names its tests "
                        "\"${test_prefix}migration.NNNN\"; give ${target} its own TEST_PREFIX")
  endif()
  set_property(DIRECTORY APPEND PROPERTY LITEMIG_TEST_PREFIXES "prefix:${test_prefix}")

  # Calls sharing a migrations directory must not generate into it at the same time.
  get_property(job_pools GLOBAL PROPERTY JOB_POOLS)
  if(NOT "litemig_generate=1" IN_LIST job_pools)
    set_property(GLOBAL APPEND PROPERTY JOB_POOLS litemig_generate=1)
  endif()

  set(generate ON)
  if(DEFINED LITEMIG_GENERATE AND NOT LITEMIG_GENERATE)
    set(generate OFF)
  endif()
  set(work_dir ${CMAKE_CURRENT_BINARY_DIR}/litemig/${target})
  set(source_file ${work_dir}/embedded_migrations.cpp)
  set(tests_file ${work_dir}/migration_tests.cmake)
  set(depfile ${work_dir}/embedded_migrations.d)
  file(MAKE_DIRECTORY ${work_dir})

  # One command with fixed output names: Ninja must know every output at configure time. The
  # migration files are inputs found through the depfile, so a migration written by this very
  # command is tracked from the next build on. Outputs are rewritten only when their bytes change.
  add_custom_command(
    OUTPUT ${source_file}
    BYPRODUCTS ${tests_file}
    COMMAND ${CMAKE_COMMAND}
            -D LITEMIG=$<TARGET_FILE:litemig::litemig>
            -D REFERENCE_DB=${arg_REFERENCE_DB}
            -D DIR=${arg_DIR}
            -D HINTS=${arg_HINTS}
            -D FIXTURES=${arg_FIXTURES}
            -D TEST_PREFIX=${test_prefix}
            -D GENERATE=${generate}
            -D SOURCE_FILE=${source_file}
            -D TESTS_FILE=${tests_file}
            -D DEPFILE=${depfile}
            -P ${_litemig_module_dir}/LitemigBuildStep.cmake
    DEPENDS ${arg_REFERENCE_DB} $<TARGET_FILE:litemig::litemig> ${_litemig_module_dir}/LitemigBuildStep.cmake
    DEPFILE ${depfile}
    JOB_POOL litemig_generate
    COMMENT "litemig: generating and embedding the migrations of ${target}"
    VERBATIM)

  target_sources(${target} PRIVATE ${source_file})
  target_link_libraries(${target} PRIVATE litemig::runtime)

  # The guard ctest includes (the TEST_INCLUDE_FILES mechanism): the real list when the build
  # wrote it, otherwise a failing placeholder that says the build has not run.
  _litemig_find_ctest_template(template)
  set(LITEMIG_TARGET ${target})
  set(LITEMIG_TESTS_FILE ${tests_file})
  set(LITEMIG_PLACEHOLDER_TEST "${test_prefix}migrations_NOT_BUILT_${target}")
  configure_file(${template} ${work_dir}/ctest_include.cmake @ONLY)
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${work_dir}/ctest_include.cmake)
endfunction()
