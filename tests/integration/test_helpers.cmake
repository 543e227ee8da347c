# Small assertions for the CMake-script tests that drive real cmake, ninja and ctest processes.

# Runs a command; fails the test with its output unless it exits 0. The output is left in `output`.
function(run_checked)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "command failed (${result}): ${ARGN}\n${out}${err}")
  endif()
  set(output "${out}${err}" PARENT_SCOPE)
endfunction()

# Runs a command that must fail; its output is left in `output`.
function(run_failing)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(result EQUAL 0)
    message(FATAL_ERROR "command succeeded but should have failed: ${ARGN}\n${out}${err}")
  endif()
  set(output "${out}${err}" PARENT_SCOPE)
endfunction()

function(expect_output text)
  string(FIND "${output}" "${text}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "expected \"${text}\" in the output:\n${output}")
  endif()
endfunction()

function(expect_no_output text)
  string(FIND "${output}" "${text}" found)
  if(NOT found EQUAL -1)
    message(FATAL_ERROR "did not expect \"${text}\" in the output:\n${output}")
  endif()
endfunction()

function(expect_exists path)
  if(NOT EXISTS ${path})
    message(FATAL_ERROR "expected ${path} to exist")
  endif()
endfunction()

# A numbered migration and its snapshot exist in DIR.
function(expect_migration dir number)
  file(GLOB migration ${dir}/${number}_*.sql)
  if(NOT migration)
    file(GLOB present ${dir}/*.sql)
    message(FATAL_ERROR "expected migration ${number} in ${dir}; found: ${present}")
  endif()
  expect_exists(${dir}/snapshots/${number}.sql)
endfunction()
