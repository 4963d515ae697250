# CMake package file of libuid2, for C (uid2.h) and C++ (uid2/uid2.hpp, C++11 or later).
#
#   find_package(uid2 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE uid2::uid2)
#
# Relocatable: paths are relative to this file (<prefix>/lib/cmake/uid2/).
get_filename_component(_uid2_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

if(NOT TARGET uid2::uid2)
  if(NOT EXISTS "${_uid2_prefix}/lib/libuid2.so.1")
    set(uid2_FOUND FALSE)
    set(uid2_NOT_FOUND_MESSAGE "uid2: ${_uid2_prefix}/lib/libuid2.so.1 is missing")
    return()
  endif()
  add_library(uid2::uid2 SHARED IMPORTED)
  set_target_properties(uid2::uid2 PROPERTIES
    IMPORTED_LOCATION "${_uid2_prefix}/lib/libuid2.so.1"
    IMPORTED_SONAME "libuid2.so.1"
    INTERFACE_INCLUDE_DIRECTORIES "${_uid2_prefix}/include")
  # uid2.hpp needs C++11 and runs a thread per client that has a refresh
  # failure callback. (A C-only project has no C++ standard to raise.)
  include(CMakeFindDependencyMacro)
  find_dependency(Threads)
  set_property(TARGET uid2::uid2 APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
  get_property(_uid2_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if("CXX" IN_LIST _uid2_languages)
    set_property(TARGET uid2::uid2 APPEND PROPERTY INTERFACE_COMPILE_FEATURES cxx_std_11)
  endif()
  unset(_uid2_languages)
endif()

set(uid2_INCLUDE_DIRS "${_uid2_prefix}/include")
set(uid2_LIBRARIES uid2::uid2)
unset(_uid2_prefix)
