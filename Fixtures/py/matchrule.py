"""Issue 18 (slice zf): OpenCV's BFMatcher on fixed descriptors, the reference for the
default matching rule (mutual nearest neighbours + Lowe's ratio test).

Descriptors (float32, dimension 16): 40 train vectors; 60 queries = noisy copies of the
first 30 train vectors, 20 extra noisy copies of train vectors 0-4 (many-to-one: several
queries nearest to one train vector), and 10 random vectors. Expected:
  - crossCheck: BFMatcher(NORM_L2, crossCheck=True).match(query, train)
  - ratio: knnMatch(query, train, k=2), kept when d1 < 0.8 * d2
  - nearest: BFMatcher(NORM_L2).match(query, train) (the paper's rule)
Stored as (queryIdx, trainIdx) pairs."""
import json
import os

import numpy as np

from . import common as C

RATIO = 0.8


def generate(out):
    import cv2
    d = os.path.join(out, "matchrule")
    os.makedirs(d, exist_ok=True)
    r = np.random.default_rng(20261205)
    train = r.random((40, 16)).astype(np.float32)
    copies = train[:30] + 0.02 * r.standard_normal((30, 16)).astype(np.float32)
    crowd = train[np.arange(20) % 5] + 0.05 * r.standard_normal((20, 16)).astype(np.float32)
    rand = r.random((10, 16)).astype(np.float32)
    query = C.f32(np.concatenate([copies, crowd, rand]))
    train = C.f32(train)
    C.save_npy(os.path.join(d, "query.npy"), query)
    C.save_npy(os.path.join(d, "train.npy"), train)
    cross = cv2.BFMatcher(cv2.NORM_L2, crossCheck=True).match(query, train)
    nearest = cv2.BFMatcher(cv2.NORM_L2).match(query, train)
    knn = cv2.BFMatcher(cv2.NORM_L2).knnMatch(query, train, k=2)
    ratio = [m for m, n in knn if m.distance < RATIO * n.distance]
    pairs = lambda ms: sorted([int(m.queryIdx), int(m.trainIdx)] for m in ms)
    exp = {"ratio_value": RATIO, "opencv": cv2.__version__,
           "cross_check": pairs(cross), "ratio": pairs(ratio), "nearest": pairs(nearest),
           "definition": __doc__}
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(exp, f, indent=1)
