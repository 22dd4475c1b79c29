"""Python side of `convscope bench matching` (Swift side: MatchingBenchmark.run).

Both sides draw the same deterministic scenes (Sources/Matching/SyntheticScene.swift
documents the formula; `scene` below is its NumPy transcription, SplitMix64 included)
and time the same steps; every value is the median wall-clock time in seconds:
  opencv_sift_pair   cv2.SIFT detect+compute on scenes 1 and 2 (224x224 grey uint8) + BFMatcher (L2)
  skimage_sift_pair  skimage.feature.SIFT detect_and_extract on both + nearest neighbour
                     (skimage.feature.match_descriptors, cross_check=False)
  opencv_bow_30      cv2.SIFT on scenes 100..129, cv2.kmeans (k=10, k-means++), histograms,
                     tf-idf (tf = count/total, idf = ln(N/n_w)), sqrt, L2, then SIFT of scene 1
                     and its cosine scores against the 30

  opencv_keypoints   cv2.SIFT feature counts of scenes 1 and 2
OpenCV runs at --threads threads (cv2.setNumThreads), as ConvScope's side does.

Usage: python Benchmarks/matching_bench.py [--repeats 5] [--threads N] [--write-npy DIR]
(--write-npy saves the scenes as float32 HxWx3 .npy files, values in [0, 255]).
"""
import argparse
import json
import math
import os
import time

import cv2
import numpy as np
from skimage.feature import SIFT, match_descriptors

MASK = (1 << 64) - 1
PAIR_SEEDS = (1, 2)
BOW_SEEDS = list(range(100, 130))


def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


class SeededRandom:
    """SplitMix64, identical to Matching.SeededRandom."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        return mix(self.state)

    def unit(self):
        return (self.next() >> 11) * 2.0 ** -53

    def int_below(self, bound):
        return (self.next() * bound) >> 64


def scene(seed, width=224, height=224):
    """Matching.SyntheticScene.image(seed:width:height:) in NumPy (HWC float32, [0, 255])."""
    r = SeededRandom(seed)
    base = [40 + 120 * r.unit() for _ in range(3)]
    gx = 0.6 * (r.unit() - 0.5)
    gy = 0.6 * (r.unit() - 0.5)
    amp = 10 + 20 * r.unit()
    fx = 0.03 + 0.15 * r.unit()
    fy = 0.03 + 0.15 * r.unit()
    phase = 2 * math.pi * r.unit()
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    v = np.stack([base[c] + gx * xx + gy * yy + amp * np.sin(fx * xx + fy * yy + phase + c) for c in range(3)], -1)
    for _ in range(14 + r.int_below(8)):
        kind = r.int_below(2)
        colour = [255 * r.unit() for _ in range(3)]
        cx = width * r.unit()
        cy = height * r.unit()
        if kind == 0:
            hw = 4 + r.unit() * width / 8
            hh = 4 + r.unit() * height / 8
            covered = (np.abs(xx - cx) <= hw) & (np.abs(yy - cy) <= hh)
        else:
            rad = 4 + r.unit() * width / 10
            covered = (xx - cx) ** 2 + (yy - cy) ** 2 <= rad * rad
        v[covered] = colour
    s = r.next()
    lw, lh = width // 8 + 2, height // 8 + 2
    lattice = np.array([[60 * ((mix((s + j * lw + i) & MASK) >> 11) * 2.0 ** -53 - 0.5)
                         for i in range(lw)] for j in range(lh)])
    px, py = xx / 8, yy / 8
    i, j = np.floor(px).astype(int), np.floor(py).astype(int)
    wx, wy = px - i, py - j
    top = lattice[j, i] * (1 - wx) + lattice[j, i + 1] * wx
    bottom = lattice[j + 1, i] * (1 - wx) + lattice[j + 1, i + 1] * wx
    noise = top * (1 - wy) + bottom * wy
    return np.clip(v + noise[..., None], 0, 255).astype(np.float32)


def grey(img):
    return 0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]


def median_time(repeats, fn):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def bow_scores(descriptor_sets, query, k=10):
    data = np.concatenate(descriptor_sets).astype(np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 100, 0.0)
    cv2.setRNGSeed(0)
    _, _, vocab = cv2.kmeans(data, k, None, criteria, 1, cv2.KMEANS_PP_CENTERS)

    def counts(d):
        dist = ((d[:, None, :] - vocab[None, :, :]) ** 2).sum(-1)
        return np.bincount(dist.argmin(1), minlength=k).astype(np.float64)

    hists = np.array([counts(d) for d in descriptor_sets])
    n = len(hists)
    nw = (hists > 0).sum(0)
    idf = np.where(nw > 0, np.log(n / np.maximum(nw, 1)), 0.0)

    def vec(c):
        x = np.sqrt(c / max(c.sum(), 1) * idf)
        norm = np.linalg.norm(x)
        return x / norm if norm > 0 else x

    vs = np.array([vec(h) for h in hists])
    return vs @ vec(counts(query))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--write-npy", metavar="DIR")
    args = parser.parse_args()
    cv2.setNumThreads(args.threads)

    a, b = scene(PAIR_SEEDS[0]), scene(PAIR_SEEDS[1])
    bow_images = [scene(s) for s in BOW_SEEDS]
    if args.write_npy:
        os.makedirs(args.write_npy, exist_ok=True)
        for s, img in [(PAIR_SEEDS[0], a), (PAIR_SEEDS[1], b)] + list(zip(BOW_SEEDS, bow_images)):
            np.save(os.path.join(args.write_npy, f"scene_{s}.npy"), img)

    ga, gb = (np.round(grey(x)).astype(np.uint8) for x in (a, b))
    gbow = [np.round(grey(x)).astype(np.uint8) for x in bow_images]
    sift = cv2.SIFT_create()
    matcher = cv2.BFMatcher(cv2.NORM_L2)

    def opencv_pair():
        _, da = sift.detectAndCompute(ga, None)
        _, db = sift.detectAndCompute(gb, None)
        matcher.match(da, db)

    def skimage_pair():
        ds = []
        for g in (ga, gb):
            ex = SIFT()
            ex.detect_and_extract(g.astype(np.float64) / 255)
            ds.append(ex.descriptors)
        match_descriptors(ds[0], ds[1], metric="euclidean", cross_check=False)

    def opencv_bow():
        sets = [sift.detectAndCompute(g, None)[1] for g in gbow]
        bow_scores(sets, sift.detectAndCompute(ga, None)[1])

    results = {
        "opencv_sift_pair": median_time(args.repeats, opencv_pair),
        "skimage_sift_pair": median_time(args.repeats, skimage_pair),
        "opencv_bow_30": median_time(args.repeats, opencv_bow),
        "opencv_keypoints": [len(sift.detect(g, None)) for g in (ga, gb)],
        "threads": cv2.getNumThreads(),
        "scene_1_checksum": float(a.astype(np.float64).sum()),
    }
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
