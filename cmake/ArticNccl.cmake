# Finds CUDA and NCCL (e.g. /usr/local/cuda). Sets ARTIC_HAVE_NCCL and the imported
# target artic::nccl. The NCCL backend is configured only when both are present.
set(ARTIC_HAVE_NCCL OFF)
if(ARTIC_WITH_NCCL)
  find_package(CUDAToolkit QUIET)
  find_path(NCCL_INCLUDE_DIR nccl.h
            HINTS ${NCCL_ROOT} $ENV{NCCL_ROOT} ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include)
  find_library(NCCL_LIBRARY nccl
               HINTS ${NCCL_ROOT} $ENV{NCCL_ROOT} ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib64)
  if(CUDAToolkit_FOUND AND NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
    set(ARTIC_HAVE_NCCL ON)
    add_library(artic::nccl INTERFACE IMPORTED)
    target_include_directories(artic::nccl SYSTEM INTERFACE ${NCCL_INCLUDE_DIR})
    target_link_libraries(artic::nccl INTERFACE ${NCCL_LIBRARY} CUDA::cudart)
    message(STATUS "artic: NCCL backend enabled (${NCCL_LIBRARY}, CUDA ${CUDAToolkit_VERSION})")
  else()
    message(STATUS "artic: NCCL backend disabled (CUDA or NCCL not found)")
  endif()
endif()
