"""Formants of steady vowels measured apart from artic's code, with numpy only: the pole
frequencies of an all-pole model fitted to the samples, lowest first.

- `noise` (whispered: white noise through the tract): LPC by the autocorrelation method on the
  Hamming-windowed segment (no pre-emphasis: the excitation is already flat).
- `voiced`: closed-phase covariance LPC. Autocorrelation LPC of a voice at f0 ~ 100 Hz snaps a
  narrow F1 to a harmonic (up to 12 % off); in the glottal closed phase the tract rings freely,
  so a least-squares fit over those samples gives its poles. Closure instants are the largest
  excursions of the autocorrelation-LPC residual, one per period (the pitch period from the
  residual's autocorrelation); the fit uses the 30 % of each period after them (the closed
  phase of the test voices is longer), with the residual's sign (closure or opening) that
  predicts best.

Usage: formant_oracle.py MANIFEST, a line per case: NAME PATH SAMPLE_RATE MODE (PATH: raw
float32, little-endian, mono; MODE: voiced or noise). Prints a line per case:
NAME F1 F2 F3 F4 (Hz).
"""
import sys

import numpy as np

CLOSED_SHARE = 0.3


def autocorrelation_lpc(x, order):
    n = len(x)
    r = np.fft.irfft(np.abs(np.fft.rfft(x, 2 * n)) ** 2)[: order + 1]
    toeplitz = np.array([[r[abs(i - j)] for j in range(order)] for i in range(order)])
    a = np.linalg.solve(toeplitz, r[1 : order + 1])
    return np.concatenate(([1.0], -a))


def preemphasised(x):
    return np.append(x[0], x[1:] - 0.97 * x[:-1])


def covariance_fit(x, starts, length, order):
    rows, targets = [], []
    for start in starts:
        for m in range(max(start + 1, order), min(len(x), start + length)):
            rows.append(x[m - order : m][::-1])
            targets.append(x[m])
    a, b = np.array(rows), np.array(targets)
    coef = np.linalg.solve(a.T @ a, a.T @ b)
    error = np.sum((b - a @ coef) ** 2) / np.sum(b**2)
    return np.concatenate(([1.0], -coef)), error


def closed_phase_lpc(x, order, fs):
    residual = np.convolve(x, autocorrelation_lpc(np.hamming(len(x)) * preemphasised(x), order))
    residual = residual[: len(x)]
    ac = np.fft.irfft(np.abs(np.fft.rfft(residual, 2 * len(x))) ** 2)
    lo, hi = int(fs / 400), int(fs / 50)
    period = lo + int(np.argmax(ac[lo:hi]))
    best = None
    for sign in (1.0, -1.0):
        instants, n = [], order
        while n + period < len(x):
            k = n + int(np.argmax(sign * residual[n : n + period]))
            instants.append(k)
            n = k + int(0.7 * period)
        a, error = covariance_fit(x, instants, int(CLOSED_SHARE * period), order)
        if best is None or error < best[1]:
            best = (a, error)
    return best[0]


def formants(x, fs, mode, count=4):
    x = x.astype(np.float64) - x.mean()
    order = int(round(fs / 1000.0)) + 4
    if mode == "voiced":
        a = closed_phase_lpc(x, order, fs)
    else:
        a = autocorrelation_lpc(np.hamming(len(x)) * x, order)
    roots = np.roots(a)
    roots = roots[np.imag(roots) > 0]
    hz = np.angle(roots) * fs / (2 * np.pi)
    bw = -np.log(np.abs(roots)) * fs / np.pi
    keep = (hz > 90) & (bw > 0) & (bw < 600)
    return sorted(hz[keep])[:count]


def main():
    for line in open(sys.argv[1]):
        if not line.strip():
            continue
        name, path, fs, mode = line.split()
        x = np.fromfile(path, dtype="<f4")
        print(name, " ".join("%.1f" % f for f in formants(x, float(fs), mode)))


if __name__ == "__main__":
    main()
