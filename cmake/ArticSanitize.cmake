# ARTIC_SANITIZE: build everything with AddressSanitizer + UndefinedBehaviorSanitizer.
# ARTIC_FUZZ: also the libFuzzer targets of tests/fuzz (clang only; implies ARTIC_SANITIZE).
# launch/test-sanitize.sh configures build-san with both (docs/testing.md).
option(ARTIC_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(ARTIC_FUZZ "Build the libFuzzer targets in tests/fuzz (needs clang)" OFF)

if(ARTIC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ARTIC_FUZZ needs clang (libFuzzer): configure with CC=clang CXX=clang++")
  endif()
  set(ARTIC_SANITIZE ON)
endif()

if(ARTIC_SANITIZE)
  set(ARTIC_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
                           -fno-omit-frame-pointer)
  add_compile_options(${ARTIC_SANITIZE_FLAGS})
  add_link_options(${ARTIC_SANITIZE_FLAGS})
  message(STATUS "artic: ASan + UBSan build")
endif()
