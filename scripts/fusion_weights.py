#!/usr/bin/env python3
"""Fusion weights for fr_feature + face-api, scored offline on LFW's per-pair cosines.

    build-vision/argus eval lfw --data ../shared/data/lfw --fusion [--flip] --dump /tmp/lfw-dump
    python3 scripts/fusion_weights.py /tmp/lfw-dump

Reads DIR/scores.csv (fold, same, fr_feature, faceapi_resnet128, fusion) and prints, for each
face-api weight w (fused score = (1 - w) * cos_fr + w * cos_fa): the 10-fold accuracy (threshold
chosen on the nine training folds, tested on the tenth) and the TAR at FAR = 1e-3. Then the
nested figure: the weight itself chosen on the training folds, so the test fold never picks it
(docs/accuracy.md "Fusion weights"). Needs python3-numpy (installed by `make setup`).
"""
import sys

import numpy as np


def best_threshold(scores, same):
    """The threshold with the best accuracy on these pairs (same = score above it)."""
    order = np.argsort(scores)
    s, y = scores[order], same[order]
    n, positives = len(s), y.sum()
    # Threshold just above s[i]: pairs 0..i say "different", the rest "same".
    correct = np.cumsum(~y) + (positives - np.cumsum(y))
    i = int(np.argmax(correct))
    return (s[i] + s[min(i + 1, n - 1)]) / 2, correct[i] / n


def ten_fold(scores, same, fold):
    accs = []
    for f in range(10):
        train, test = fold != f, fold == f
        t, _ = best_threshold(scores[train], same[train])
        accs.append(((scores[test] > t) == same[test]).mean())
    return float(np.mean(accs)), float(np.std(accs))


def tar_at_far(scores, same, far=1e-3):
    impostors = np.sort(scores[~same])[::-1]
    allowed = int(np.floor(len(impostors) * far))
    return float((scores[same] > impostors[allowed]).mean())


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = np.genfromtxt(sys.argv[1] + "/scores.csv", delimiter=",", names=True)
    same, fold = d["same"].astype(bool), d["fold"].astype(int)
    fr, fa = d["fr_feature"], d["faceapi_resnet128"]
    weights = np.round(np.linspace(0, 1, 21), 2)
    print("w_faceapi  accuracy %        TAR@FAR=1e-3 %")
    for w in weights:
        s = (1 - w) * fr + w * fa
        m, sd = ten_fold(s, same, fold)
        print(f"{w:9.2f}  {100 * m:6.2f} +- {100 * sd:4.2f}  {100 * tar_at_far(s, same):6.2f}")
    accs, picked = [], []
    for f in range(10):
        train, test = fold != f, fold == f
        best = max(weights, key=lambda w: best_threshold(((1 - w) * fr + w * fa)[train], same[train])[1])
        s = (1 - best) * fr + best * fa
        t, _ = best_threshold(s[train], same[train])
        accs.append(((s[test] > t) == same[test]).mean())
        picked.append(best)
    print(f"nested (weight chosen on the training folds): {100 * np.mean(accs):.2f} +- {100 * np.std(accs):.2f} %,"
          f" weights picked {picked}")


if __name__ == "__main__":
    main()
