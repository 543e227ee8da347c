# Several litemig_add_migrations() calls in one directory, in a real project configured, built
# and tested: two products with their own migrations and a third sharing the first one's
# directory each get their own generated files and tests, and a second call for one target is
# refused at configure time.
# -D LITEMIG_PACKAGE_DIR=  -D PROJECT_TEMPLATE=  -D WORK=  -D SQLITE3=  -D CTEST=
include(${CMAKE_CURRENT_LIST_DIR}/test_helpers.cmake)

set(src ${WORK}/src)
set(build ${WORK}/build)

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${src}/schema)
file(COPY ${PROJECT_TEMPLATE}/main.cpp DESTINATION ${src})
set(project_head [=[
cmake_minimum_required(VERSION 3.25)
project(several LANGUAGES CXX)
find_package(litemig CONFIG REQUIRED)
enable_testing()
foreach(app tunes notes tools)
  add_executable(${app} main.cpp)
endforeach()
litemig_add_migrations(tunes REFERENCE_DB schema/tunes.sqlite3 DIR schema/tunes)
litemig_add_migrations(notes REFERENCE_DB schema/notes.sqlite3 DIR schema/notes)
litemig_add_migrations(tools REFERENCE_DB schema/tunes.sqlite3 DIR schema/tunes)
]=])
file(WRITE ${src}/CMakeLists.txt "${project_head}")
run_checked(${SQLITE3} ${src}/schema/tunes.sqlite3 "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL);")
run_checked(${SQLITE3} ${src}/schema/notes.sqlite3 "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT); CREATE TABLE tag (name TEXT);")
run_checked(${CMAKE_COMMAND} -S ${src} -B ${build} -G Ninja -DCMAKE_BUILD_TYPE=Release -Dlitemig_DIR=${LITEMIG_PACKAGE_DIR})
run_checked(${CMAKE_COMMAND} --build ${build})

# One migration per directory: the calls sharing schema/tunes generated it once.
expect_migration(${src}/schema/tunes 0001)
expect_migration(${src}/schema/notes 0001)
file(GLOB tunes_migrations ${src}/schema/tunes/*.sql)
list(LENGTH tunes_migrations count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "schema/tunes holds ${count} migrations, expected one: ${tunes_migrations}")
endif()

# Each product embeds its own directory.
foreach(app tunes notes tools)
  run_checked(${build}/${app} ${WORK}/${app}.sqlite3)
  expect_output("at version 1 of 1")
endforeach()
run_checked(${SQLITE3} ${WORK}/notes.sqlite3 "SELECT count(*) FROM tag;")

# Distinct test names, every one run.
run_checked(${CTEST} --test-dir ${build} -N)
foreach(name migration.0001 notes.migration.0001 tools.migration.0001 migration.reference notes.migration.reference
             tools.migration.reference)
  expect_output(" ${name}\n")
endforeach()
expect_output("Total Tests: 6")
run_checked(${CTEST} --test-dir ${build} --output-on-failure)
expect_output("100% tests passed")

# A second call for one target would embed two sets of the same symbols.
file(APPEND ${src}/CMakeLists.txt "litemig_add_migrations(notes REFERENCE_DB schema/tunes.sqlite3 DIR schema/tunes)\n")
run_failing(${CMAKE_COMMAND} -S ${src} -B ${build})
expect_output("notes already embeds the migrations of")

# A TEST_PREFIX that another call already uses is refused with the fix.
file(WRITE ${src}/CMakeLists.txt "${project_head}")
file(APPEND ${src}/CMakeLists.txt [=[
add_executable(extra main.cpp)
litemig_add_migrations(extra REFERENCE_DB schema/notes.sqlite3 DIR schema/notes TEST_PREFIX notes.)
]=])
run_failing(${CMAKE_COMMAND} -S ${src} -B ${build})
expect_output("give extra its own TEST_PREFIX")
