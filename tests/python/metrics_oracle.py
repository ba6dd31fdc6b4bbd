#!/usr/bin/python3
"""numpy (fp64) oracle for artic's metric accumulators.

Usage: metrics_oracle.py FILE.json, where FILE holds {"utterances": [{"frames", "pred",
"target"}], "metrics": <artic eval JSON>}. RMSE and MAE pool all frames; Pearson r per
utterance then averaged, leaving out utterances where the channel is constant in target or
prediction (or shorter than 2 frames). Exits 1 when any value differs by more than 1e-10 relative.
"""
import json
import sys

import numpy as np


def main():
    doc = json.load(open(sys.argv[1]))
    got = doc["metrics"]
    names = list(got["articulators"].keys())
    na = len(names)
    sq = np.zeros(na); ab = np.zeros(na); frames = 0
    r_sum = np.zeros(na); r_n = np.zeros(na)
    for u in doc["utterances"]:
        n = u["frames"]
        p = np.asarray(u["pred"], dtype=np.float64).reshape(n, na)
        y = np.asarray(u["target"], dtype=np.float64).reshape(n, na)
        sq += ((p - y) ** 2).sum(0); ab += np.abs(p - y).sum(0); frames += n
        for a in range(na):
            if n >= 2 and p[:, a].std() > 0 and y[:, a].std() > 0:
                r_sum[a] += np.corrcoef(p[:, a], y[:, a])[0, 1]; r_n[a] += 1
    want = {"rmse_mm": np.sqrt(sq / frames), "mae_mm": ab / frames, "pearson_r": r_sum / r_n}
    worst = 0.0
    for a, name in enumerate(names):
        g = got["articulators"][name]
        if g["r_utterances"] != r_n[a]:
            print(f"{name}: r over {g['r_utterances']} utterances, oracle {int(r_n[a])}")
            sys.exit(1)
        for key, values in want.items():
            worst = max(worst, abs(g[key] - values[a]) / max(abs(values[a]), 1e-12))
    for key, values in want.items():
        worst = max(worst, abs(got["mean"][key] - values.mean()) / max(abs(values.mean()), 1e-12))
    if got["utterances"] != len(doc["utterances"]) or got["frames"] != frames:
        print("utterance or frame counts differ")
        sys.exit(1)
    print(f"metrics oracle: max relative difference {worst:.2e}")
    sys.exit(0 if worst <= 1e-10 else 1)


if __name__ == "__main__":
    main()
