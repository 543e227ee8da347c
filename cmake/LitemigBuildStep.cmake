# The build step behind litemig_add_migrations(), run with cmake -P:
#   1. litemig generate: a new migration and snapshot in DIR when the reference database changed;
#   2. litemig embed: the target's generated source and the verification test list;
#   3. the depfile naming every input, so the next build reruns this only when one changes.
# Inputs (-D): LITEMIG REFERENCE_DB DIR HINTS FIXTURES TEST_PREFIX GENERATE SOURCE_FILE TESTS_FILE DEPFILE.
# With GENERATE off, step 1 only checks that the reference database equals the newest snapshot,
# and fails the build when it does not: nothing is written into the source tree.

if(NOT DEFINED GENERATE OR GENERATE)
  set(generate_command ${LITEMIG} generate --schema ${REFERENCE_DB} --dir ${DIR})
  if(HINTS AND EXISTS ${HINTS})
    list(APPEND generate_command --hints ${HINTS})
  endif()
  execute_process(COMMAND ${generate_command}
                  RESULT_VARIABLE generate_result
                  OUTPUT_VARIABLE generate_output
                  ERROR_VARIABLE generate_errors)

  if(generate_result EQUAL 3)
    if(HINTS)
      set(where "Write the decisions into ${HINTS} (one per line) and build again.")
    else()
      set(where "Add HINTS <file> to litemig_add_migrations(), write the decisions there and build again.")
    endif()
    message(NOTICE "${generate_errors}${generate_output}${where}")
    message(FATAL_ERROR "litemig generate needs a decision about ${REFERENCE_DB}")
  elseif(NOT generate_result EQUAL 0)
    message(NOTICE "${generate_errors}${generate_output}")
    message(FATAL_ERROR "litemig generate failed (exit ${generate_result}) for ${REFERENCE_DB}")
  endif()
  string(STRIP "${generate_output}" generate_output)
  string(STRIP "${generate_errors}" generate_errors)
  if(generate_errors)
    message(NOTICE "${generate_errors}")
  endif()
  if(generate_output AND NOT generate_output STREQUAL "no changes")
    message(NOTICE "litemig: new migration ${generate_output}: review it and commit it with its snapshot")
  endif()
else()
  execute_process(COMMAND ${LITEMIG} verify --dir ${DIR} --reference ${REFERENCE_DB}
                  RESULT_VARIABLE verify_result OUTPUT_VARIABLE verify_output ERROR_VARIABLE verify_errors)
  if(NOT verify_result EQUAL 0)
    message(NOTICE "${verify_errors}${verify_output}")
    message(FATAL_ERROR "${REFERENCE_DB} differs from the newest snapshot in ${DIR}, and LITEMIG_GENERATE is OFF: "
                        "generate the migration (a build with LITEMIG_GENERATE=ON) and commit it")
  endif()
endif()

set(embed_command ${LITEMIG} embed --dir ${DIR} --output ${SOURCE_FILE} --tests ${TESTS_FILE}
                  --litemig ${LITEMIG} --reference ${REFERENCE_DB})
if(FIXTURES)
  list(APPEND embed_command --fixtures ${FIXTURES})
endif()
if(TEST_PREFIX)
  list(APPEND embed_command --test-prefix ${TEST_PREFIX})
endif()
execute_process(COMMAND ${embed_command} RESULT_VARIABLE embed_result)
if(NOT embed_result EQUAL 0)
  message(FATAL_ERROR "litemig embed failed (exit ${embed_result}) for ${DIR}")
endif()

file(GLOB inputs LIST_DIRECTORIES false ${DIR}/*.sql ${DIR}/snapshots/*.sql ${DIR}/litemig.sum)
# The folders themselves too: a file added to them (a hand-written migration, a new fixture)
# changes their modification time.
foreach(folder ${DIR} ${DIR}/snapshots ${FIXTURES})
  if(IS_DIRECTORY ${folder})
    list(APPEND inputs ${folder})
  endif()
endforeach()
if(HINTS AND EXISTS ${HINTS})
  list(APPEND inputs ${HINTS})
endif()
if(FIXTURES AND IS_DIRECTORY ${FIXTURES})
  file(GLOB fixture_files LIST_DIRECTORIES false ${FIXTURES}/*)
  list(APPEND inputs ${fixture_files})
endif()
list(SORT inputs)
set(depfile_text "${SOURCE_FILE}:")
foreach(input ${REFERENCE_DB} ${inputs})
  string(REPLACE " " "\\ " input "${input}")
  string(APPEND depfile_text " \\\n  ${input}")
endforeach()
file(CONFIGURE OUTPUT ${DEPFILE} CONTENT "${depfile_text}\n" @ONLY)
