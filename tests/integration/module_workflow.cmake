# The team's loop, end to end, on a copy of a tiny project using the build tree's package:
# change the reference database with sqlite3, `cmake --build`, and get the next migration, its
# snapshot and its verification test without re-running cmake; a build with nothing changed
# does no work; a change that needs a decision fails the build and shows the hint.
# -D LITEMIG_PACKAGE_DIR=  -D PROJECT_TEMPLATE=  -D WORK=  -D SQLITE3=  -D CTEST=
include(${CMAKE_CURRENT_LIST_DIR}/test_helpers.cmake)

set(src ${WORK}/src)
set(build ${WORK}/build)
set(reference ${src}/schema/reference.sqlite3)
set(migrations ${src}/schema/migrations)

file(REMOVE_RECURSE ${WORK})
file(COPY ${PROJECT_TEMPLATE}/ DESTINATION ${src})
run_checked(${SQLITE3} ${reference} "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, note TEXT DEFAULT 'it''s \"quoted\" \\\\ )\" ??= \\x41 \\101 é ☘');")
run_checked(${CMAKE_COMMAND} -S ${src} -B ${build} -G Ninja -DCMAKE_BUILD_TYPE=Release -Dlitemig_DIR=${LITEMIG_PACKAGE_DIR})

# Before the first build ctest shows a failing placeholder, not silence.
run_checked(${CTEST} --test-dir ${build} -N)
expect_output("migrations_NOT_BUILT_tiny")
run_failing(${CTEST} --test-dir ${build})

# First build: the initial migration.
run_checked(${CMAKE_COMMAND} --build ${build})
expect_migration(${migrations} 0001)
expect_exists(${migrations}/litemig.sum)
run_checked(${CTEST} --test-dir ${build} -N)
expect_output("migration.0001")
expect_output("migration.reference")

# Add a column with the sqlite3 shell, build: migration 0002 and its test, no cmake re-run.
run_checked(${SQLITE3} ${reference} "ALTER TABLE tune ADD COLUMN mode TEXT DEFAULT 'major';")
run_checked(${CMAKE_COMMAND} --build ${build})
expect_no_output("Re-running CMake")
expect_migration(${migrations} 0002)
run_checked(${CTEST} --test-dir ${build} -N)
expect_output("migration.0002")
run_checked(${CTEST} --test-dir ${build} --output-on-failure)
expect_output("100% tests passed")

# Nothing changed: nothing to do.
run_checked(${CMAKE_COMMAND} --build ${build})
expect_output("ninja: no work to do")

# The app built with the migrations brings a new database to the newest version.
run_checked(${build}/tiny ${WORK}/app.sqlite3)
expect_output("at version 2 of 2")

# A rename is a decision: the build fails, shows the hint and where the hints file is.
run_checked(${SQLITE3} ${reference} "ALTER TABLE tune RENAME COLUMN mode TO key_signature;")
run_failing(${CMAKE_COMMAND} --build ${build})
expect_output("hint:")
expect_output("${src}/schema/hints.txt")
file(GLOB third ${migrations}/0003_*.sql)
if(third)
  message(FATAL_ERROR "a migration was written although a decision was needed: ${third}")
endif()

# With the decision written down the build goes through and keeps the data.
file(WRITE ${src}/schema/hints.txt "rename column tune.mode to key_signature\n")
run_checked(${CMAKE_COMMAND} --build ${build})
expect_migration(${migrations} 0003)
run_checked(${CTEST} --test-dir ${build} --output-on-failure)
expect_output("migration.0003")
expect_output("100% tests passed")
run_checked(${build}/tiny ${WORK}/app.sqlite3)
expect_output("at version 3 of 3")

# A CI that must not write the source tree turns generation off: a changed reference then fails
# the build and no migration is written; turned on again, the build writes it.
run_checked(${CMAKE_COMMAND} -S ${src} -B ${build} -DLITEMIG_GENERATE=OFF)
run_checked(${SQLITE3} ${reference} "CREATE TABLE session (id INTEGER PRIMARY KEY, started TEXT);")
run_failing(${CMAKE_COMMAND} --build ${build})
file(GLOB fourth ${migrations}/0004_*.sql)
if(fourth)
  message(FATAL_ERROR "a migration was written with LITEMIG_GENERATE=OFF: ${fourth}")
endif()
run_checked(${CMAKE_COMMAND} -S ${src} -B ${build} -DLITEMIG_GENERATE=ON)
run_checked(${CMAKE_COMMAND} --build ${build})
expect_migration(${migrations} 0004)
