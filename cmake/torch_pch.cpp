// Anchor for the shared LibTorch precompiled header (see cmake/ArticTorch.cmake).
