# LibTorch as a SYSTEM dependency plus one shared precompiled header.
# artic_use_torch(target) links torch and reuses the PCH of <torch/torch.h>, so only one
# translation unit pays the ~20 s parse of the torch headers.
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
