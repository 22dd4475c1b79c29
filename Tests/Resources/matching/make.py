"""Reference data for MatchingTests (run with the ConvScope venv:
/root/.cache/convscope/venv/bin/python Tests/Resources/matching/make.py).

Writes, next to this script:
  harris_{a,b}.bin  80x80 float32 grey images in [0, 255] (little endian, row-major)
  sift_{a,b,c}.bin  160x160 uint8 grey images
  bow_descriptors.bin  float32 descriptors (rows of 128), bow_vocabulary.bin 10x128 float32
  meta.json         shapes and the reference outputs:
    harris: skimage.feature.corner_peaks(corner_harris(img / 255, method='k', k=0.05, sigma=1),
            min_distance=1, threshold_rel=0.001) as [row, col] lists, plus the response's max
    sift:   OpenCV SIFT (default parameters) and skimage.feature.SIFT keypoint counts
    bow:    NumPy implementation of the tf-idf / sqrt / L2 / cosine formula (two schemes)
"""
import json
import os

import cv2
import numpy as np
import skimage
from scipy import ndimage as ndi
from skimage.feature import SIFT, corner_harris, corner_peaks

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20190101)


def scene(h, w, shapes):
    img = ndi.gaussian_filter(rng.uniform(0, 255, (h, w)), 2.0) * 0.6 + 40
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(shapes):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        v = rng.uniform(0, 255)
        if rng.uniform() < 0.5:
            hh, hw = rng.uniform(3, h / 5), rng.uniform(3, w / 5)
            img[(abs(yy - cy) <= hh) & (abs(xx - cx) <= hw)] = v
        else:
            r = rng.uniform(3, w / 8)
            img[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = v
    img += ndi.gaussian_filter(rng.normal(0, 20, (h, w)), 1.0)
    return np.clip(img, 0, 255)


meta = {"harris": {}, "sift": {}, "bow": {}}

# Harris: float32 images, references on float64 copies scaled to [0, 1].
for name in ["a", "b"]:
    img = scene(80, 80, 10).astype("<f4")
    img.tofile(os.path.join(HERE, f"harris_{name}.bin"))
    response = corner_harris(img.astype(np.float64) / 255, method="k", k=0.05, sigma=1)
    peaks = corner_peaks(response, min_distance=1, threshold_rel=0.001)
    meta["harris"][name] = {"height": 80, "width": 80, "peaks": peaks.tolist(),
                            "responseMax": float(response.max()), "responseMin": float(response.min())}

# SIFT: uint8 images so that OpenCV (8-bit input) and VLFeat see the same values.
for name in ["a", "b", "c"]:
    img = np.round(scene(160, 160, 16)).astype(np.uint8)
    img.tofile(os.path.join(HERE, f"sift_{name}.bin"))
    cv_count = len(cv2.SIFT_create().detect(img, None))
    sk = SIFT()
    sk.detect(img.astype(np.float64) / 255)
    meta["sift"][name] = {"height": 160, "width": 160, "opencv": cv_count, "skimage": int(len(sk.keypoints))}

# BoW: fixed vocabulary, descriptors drawn around subsets of words.
k, dim = 10, 128
vocab = rng.uniform(0, 0.3, (k, dim)).astype("<f4")
sizes = [9, 7, 8, 6, 10, 5, 8, 7]          # 6 dataset images, then 2 queries
chunks = []
for n in sizes:
    words = rng.choice(k, size=rng.integers(3, 7), replace=False)
    picks = rng.choice(words, size=n)
    chunks.append((vocab[picks] + rng.normal(0, 0.01, (n, dim))).astype("<f4"))
np.concatenate(chunks).tofile(os.path.join(HERE, "bow_descriptors.bin"))
vocab.tofile(os.path.join(HERE, "bow_vocabulary.bin"))
dataset, queries = chunks[:6], chunks[6:]


def counts_of(d):
    dist = ((d.astype(np.float64)[:, None, :] - vocab.astype(np.float64)[None, :, :]) ** 2).sum(-1)
    return np.bincount(dist.argmin(1), minlength=k).astype(np.float64)


def standard(counts, collection):
    n = len(collection)
    nw = (np.array(collection) > 0).sum(0)
    idf = np.where(nw > 0, np.log(n / np.maximum(nw, 1)), 0.0)
    total = counts.sum()
    tf = counts / total if total > 0 else np.zeros_like(counts)
    x = np.sqrt(tf * idf)
    norm = np.linalg.norm(x)
    return x / norm if norm > 0 else x


def nn_visu(counts, collection):
    n = len(collection)
    nw = (np.array(collection) > 0).sum(0)
    tf = counts / counts.sum()
    x = np.sqrt(counts * np.maximum(tf * np.log(n / (nw + 1.0)), 1e-4))
    return x / np.linalg.norm(x)


def cosine(a, b):
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0


data_counts = [counts_of(d) for d in dataset]
scores = {"standard": [], "nnVisu": []}
for q in queries:
    qc = counts_of(q)
    scores["standard"].append([cosine(standard(qc, data_counts), standard(c, data_counts)) for c in data_counts])
    scores["nnVisu"].append([cosine(nn_visu(qc, [qc] + data_counts), nn_visu(c, data_counts)) for c in data_counts])
meta["bow"] = {"words": k, "dimension": dim, "datasetSizes": sizes[:6], "querySizes": sizes[6:],
               "counts": [c.astype(int).tolist() for c in data_counts], "scores": scores}
meta["versions"] = {"numpy": np.__version__, "opencv": cv2.__version__, "skimage": skimage.__version__}

with open(os.path.join(HERE, "meta.json"), "w") as f:
    json.dump(meta, f, indent=1)
print(json.dumps({n: {"peaks": len(v["peaks"])} for n, v in meta["harris"].items()}), meta["sift"])
