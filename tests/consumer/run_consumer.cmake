# Installs litemig into a scratch prefix, then configures, builds and tests a project that finds
# it with find_package(litemig CONFIG REQUIRED) and calls litemig_add_migrations().
# -D LITEMIG_BINARY_DIR=  -D PROJECT_TEMPLATE=  -D WORK=  -D SQLITE3=  -D CTEST=
include(${CMAKE_CURRENT_LIST_DIR}/../integration/test_helpers.cmake)

file(REMOVE_RECURSE ${WORK})
run_checked(${CMAKE_COMMAND} --install ${LITEMIG_BINARY_DIR} --prefix ${WORK}/prefix)
foreach(installed bin/litemig lib/cmake/litemig/litemigConfig.cmake lib/cmake/litemig/LitemigMigrations.cmake
                  lib/cmake/litemig/CTestTestfile.in include/litemig/applier.hpp)
  expect_exists(${WORK}/prefix/${installed})
endforeach()

file(COPY ${PROJECT_TEMPLATE}/ DESTINATION ${WORK}/src)
run_checked(${SQLITE3} ${WORK}/src/schema/reference.sqlite3
            "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT DEFAULT 'major', note TEXT DEFAULT 'it''s \"quoted\" \\\\ )\" ??= \\x41 \\101 é ☘');")
run_checked(${CMAKE_COMMAND} -S ${WORK}/src -B ${WORK}/build -G Ninja -DCMAKE_BUILD_TYPE=Release
            -DCMAKE_PREFIX_PATH=${WORK}/prefix)
run_checked(${CMAKE_COMMAND} --build ${WORK}/build)
expect_migration(${WORK}/src/schema/migrations 0001)

run_checked(${WORK}/build/tiny ${WORK}/app.sqlite3)
expect_output("at version 1 of 1")
run_checked(${CTEST} --test-dir ${WORK}/build --output-on-failure)
expect_output("migration.0001")
expect_output("100% tests passed")
