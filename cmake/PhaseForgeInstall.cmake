# install(EXPORT): lets an outside project say find_package(PhaseForge) and link
# phaseforge::core, phaseforge::engines (pf::makeEngine) and phaseforge::gpu
# where it was built.
include(CMakePackageConfigHelpers)

set(PF_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/PhaseForge)
# Exported as phaseforge::core and phaseforge::gpu, the names used inside the build.
set_target_properties(phaseforge_core PROPERTIES EXPORT_NAME core)
set(_pf_export_targets phaseforge_core)
if(TARGET phaseforge_gpu)
  set_target_properties(phaseforge_gpu PROPERTIES EXPORT_NAME gpu)
  list(APPEND _pf_export_targets phaseforge_gpu)
endif()
# engine_factory.h is installed with core's headers; its definition lives in the
# factory that phaseforge::engines links (the CPU one, or the CUDA build's), so
# both the interface target and the factory behind it are exported.
set_target_properties(phaseforge_engines PROPERTIES EXPORT_NAME engines)
list(APPEND _pf_export_targets phaseforge_engines)
if(TARGET phaseforge_gpu_factory)
  set_target_properties(phaseforge_gpu_factory PROPERTIES EXPORT_NAME engines_gpu)
  list(APPEND _pf_export_targets phaseforge_gpu_factory)
else()
  set_target_properties(phaseforge_engines_cpu PROPERTIES EXPORT_NAME engines_cpu)
  list(APPEND _pf_export_targets phaseforge_engines_cpu)
endif()

install(TARGETS ${_pf_export_targets} EXPORT PhaseForgeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY core/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET phaseforge_gpu)
  install(DIRECTORY gpu/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
install(EXPORT PhaseForgeTargets NAMESPACE phaseforge:: DESTINATION ${PF_INSTALL_CMAKEDIR})

configure_package_config_file(cmake/PhaseForgeConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/PhaseForgeConfig.cmake
  INSTALL_DESTINATION ${PF_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/PhaseForgeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/PhaseForgeConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/PhaseForgeConfigVersion.cmake
  DESTINATION ${PF_INSTALL_CMAKEDIR})
