#!/usr/bin/env python3
"""The bf16 (and fp32) matrix-product peak of this GPU, measured: the best of several large
square matmuls, in FLOP/s. bench/run.sh --gpu divides achieved model FLOP/s by it for MFU."""
import json
import time

import torch


def peak(dtype, n=8192, reps=20):
    a = torch.randn(n, n, device="cuda", dtype=dtype)
    b = torch.randn(n, n, device="cuda", dtype=dtype)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(reps):
            a @ b
        torch.cuda.synchronize()
        best = max(best, 2 * n ** 3 * reps / (time.perf_counter() - t))
    return best


torch.backends.cuda.matmul.allow_tf32 = False
print(json.dumps({"device": torch.cuda.get_device_name(), "bf16_flops": peak(torch.bfloat16),
                  "fp32_flops": peak(torch.float32)}))
