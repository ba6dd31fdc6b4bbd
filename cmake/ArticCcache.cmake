# Uses ccache when present. PCH-friendly sloppiness so precompiled headers are cached too.
find_program(ARTIC_CCACHE ccache)
if(ARTIC_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime"
      ${ARTIC_CCACHE})
  message(STATUS "artic: using ccache (${ARTIC_CCACHE})")
endif()
