# LibTorch as a SYSTEM dependency plus one shared precompiled header.
# artic_use_torch(target) links torch and reuses the PCH of <torch/torch.h>, so only one
# translation unit pays the ~20 s parse of the torch headers.
# pip wheels before PyTorch 2.7 were built with the pre-C++11 std::string ABI; mixing that with
# Debian's C++ libraries (TOML++, prometheus-cpp, HDF5's C++ parts) fails at link or run time.
if("${TORCH_CXX_FLAGS}" MATCHES "_GLIBCXX_USE_CXX11_ABI=0")
  message(FATAL_ERROR
    "artic: this LibTorch (${TORCH_INSTALL_PREFIX}) uses the old C++ ABI (_GLIBCXX_USE_CXX11_ABI=0, "
    "pip wheels before PyTorch 2.7). Use PyTorch >= 2.7, or the cxx11-ABI LibTorch zip from "
    "pytorch.org, and pass it with launch/build-gpu.sh --torch DIR (docs/gpu.md).")
endif()
add_library(artic_torch INTERFACE)
target_link_libraries(artic_torch INTERFACE ${TORCH_LIBRARIES})
target_include_directories(artic_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
target_compile_options(artic_torch INTERFACE ${TORCH_CXX_FLAGS})

add_library(artic_torch_pch OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/cmake/torch_pch.cpp)
target_link_libraries(artic_torch_pch PUBLIC artic_torch artic_includes)
target_precompile_headers(artic_torch_pch PRIVATE <torch/torch.h>)

function(artic_use_torch target)
  target_link_libraries(${target} PUBLIC artic_torch)
  target_precompile_headers(${target} REUSE_FROM artic_torch_pch)
endfunction()

# A CUDA LibTorch (e.g. the one inside a PyTorch installation) provides c10_cuda.
if(C10_CUDA_LIBRARY OR TARGET c10_cuda)
  target_compile_definitions(artic_torch INTERFACE ARTIC_TORCH_CUDA=1)
  message(STATUS "artic: LibTorch with CUDA")
endif()
