#!/usr/bin/python3
"""numpy (fp64) oracle for artic prep's acoustic features.

Usage: features_oracle.py SAMPLES.f32 FEATURES.f32 KIND N_BANDS [N_MFCC]
SAMPLES: float32 mono 16 kHz samples; FEATURES: artic's float32 [frames, dims] output.
Written from the definitions, not from artic's code: frames centred at k * 160 samples
(reflect padding by n_fft / 2), a periodic Hann window of 400 samples centred in a 512-point
FFT, power spectrum, HTK-mel triangular filters from 0 Hz to 8 kHz, natural log floored at
1e-10; MFCC = orthonormal DCT-II of 40 log-mel bands, deltas by regression over +-2 frames
with the edge frames repeated. Exits 1 when any value differs by more than 2e-4 + 2e-5 * |x|.
"""
import sys

import numpy as np

SR, N_FFT, WIN, HOP = 16000, 512, 400, 160


def mel(hz):
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def inv_mel(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def filterbank(n_mels):
    freqs = np.arange(N_FFT // 2 + 1) * SR / N_FFT
    pts = inv_mel(np.linspace(mel(0.0), mel(SR / 2), n_mels + 2))
    fb = np.zeros((n_mels, freqs.size))
    for m in range(n_mels):
        lo, c, hi = pts[m], pts[m + 1], pts[m + 2]
        up = (freqs - lo) / (c - lo)
        down = (hi - freqs) / (hi - c)
        fb[m] = np.clip(np.minimum(up, down), 0.0, None)
    return fb


def log_mel(x, n_mels):
    padded = np.pad(x, N_FFT // 2, mode="reflect")
    n_frames = 1 + (padded.size - N_FFT) // HOP
    window = np.zeros(N_FFT)
    left = (N_FFT - WIN) // 2
    window[left:left + WIN] = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WIN) / WIN)
    frames = np.stack([padded[i * HOP:i * HOP + N_FFT] * window for i in range(n_frames)])
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return np.log(np.maximum(power @ filterbank(n_mels).T, 1e-10))


def deltas(c):
    padded = np.concatenate([c[:1], c[:1], c, c[-1:], c[-1:]])
    t = c.shape[0]
    return sum(n * (padded[2 + n:2 + n + t] - padded[2 - n:2 - n + t]) for n in (1, 2)) / 10.0


def main():
    samples = np.fromfile(sys.argv[1], dtype=np.float32).astype(np.float64)
    got = np.fromfile(sys.argv[2], dtype=np.float32).astype(np.float64)
    kind, bands = sys.argv[3], int(sys.argv[4])
    if kind == "logmel":
        want = log_mel(samples, bands)
    else:
        n_mfcc = int(sys.argv[5])
        lm = log_mel(samples, bands)
        n = np.arange(bands)
        dct = np.array([np.cos(np.pi * k * (2 * n + 1) / (2 * bands)) for k in range(n_mfcc)])
        dct *= np.sqrt(2.0 / bands)
        dct[0] /= np.sqrt(2.0)
        c = lm @ dct.T
        d = deltas(c)
        want = np.concatenate([c, d, deltas(d)], axis=1)
    if got.size != want.size:
        print(f"size mismatch: artic {got.size} values, oracle {want.shape}")
        return 1
    got = got.reshape(want.shape)
    err = np.abs(got - want)
    tol = 2e-4 + 2e-5 * np.abs(want)
    worst = np.unravel_index(np.argmax(err - tol), err.shape)
    print(f"{kind}: {want.shape[0]} frames x {want.shape[1]}; max abs diff {err.max():.3g} "
          f"at frame {worst[0]} dim {worst[1]} (artic {got[worst]:.6g}, oracle {want[worst]:.6g})")
    return 0 if np.all(err <= tol) else 1


if __name__ == "__main__":
    sys.exit(main())
