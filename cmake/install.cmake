# Installs and exports litemig so another project can find_package(litemig CONFIG REQUIRED) and
# get litemig::runtime, litemig::commands, the litemig::litemig executable and litemig_add_migrations().
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LITEMIG_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/litemig)

target_include_directories(litemig_runtime PUBLIC $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
install(TARGETS litemig_runtime litemig_commands EXPORT litemigTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS litemig EXPORT litemigTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The public headers, one by one: nothing private is installed by accident.
install(FILES
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/applier.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/cluster.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/compare.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/deploy.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/embedded.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/errors.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/files.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/health.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/inspect.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/json.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/migration.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/normalize.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/quantities.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/schema.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/sql_tokens.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/litemig/sqlite.hpp
  ${PROJECT_SOURCE_DIR}/runtime/commands/include/litemig/commands.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/litemig)
install(EXPORT litemigTargets NAMESPACE litemig:: DESTINATION ${LITEMIG_INSTALL_CMAKEDIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/litemigConfig.cmake.in
  ${PROJECT_BINARY_DIR}/litemigConfig.cmake
  INSTALL_DESTINATION ${LITEMIG_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/litemigConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/litemigConfig.cmake
  ${PROJECT_BINARY_DIR}/litemigConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/LitemigMigrations.cmake
  ${PROJECT_SOURCE_DIR}/cmake/LitemigBuildStep.cmake
  ${PROJECT_SOURCE_DIR}/CTestTestfile.in
  DESTINATION ${LITEMIG_INSTALL_CMAKEDIR})

# The same package from the build tree, for projects (and tests) that use litemig uninstalled.
set(LITEMIG_BUILD_PACKAGE_DIR ${PROJECT_BINARY_DIR}/package)
export(EXPORT litemigTargets NAMESPACE litemig:: FILE ${LITEMIG_BUILD_PACKAGE_DIR}/litemigTargets.cmake)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/litemigConfig.cmake.in
  ${LITEMIG_BUILD_PACKAGE_DIR}/litemigConfig.cmake
  INSTALL_DESTINATION ${LITEMIG_BUILD_PACKAGE_DIR} INSTALL_PREFIX ${PROJECT_BINARY_DIR})
foreach(module_file cmake/LitemigMigrations.cmake cmake/LitemigBuildStep.cmake CTestTestfile.in)
  configure_file(${PROJECT_SOURCE_DIR}/${module_file} ${LITEMIG_BUILD_PACKAGE_DIR}/ COPYONLY)
endforeach()
