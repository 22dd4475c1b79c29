"""Loads files ConvScope exported in real Keras and compares Keras' predictions with ConvScope's.

Usage: python Tests/keras_load_check.py MANIFEST.json [REPORT.json]

MANIFEST: {"cases": [{
    "file": "x.h5",                      exported file
    "kind": "model" | "weights" | "tfjs", full model, weights only, or a TF.js layers model folder
                                         (loaded with tensorflowjs' keras_tfjs_loader, tf-keras only)
    "architecture": {"keras3": "a.h5", "tf_keras": "b.h5"},   weights only: full-model files giving
                                         the architecture (cloned, so the weights really come from "file")
    "inputs": ["in0.npy", ...],          model inputs (batch first)
    "outputs": ["out0.npy", ...],        ConvScope's predictions for those inputs
    "require": ["keras3", "tf_keras"]    frameworks that must load it and agree
    "same_weights_as": "ref.keras"       optional, instead of inputs/outputs: the loaded variables must equal
                                         (dtype and value) those Keras loads from this file (half precision)
}]}

Every case is tried in Keras 3 and in tf-keras (each in its own subprocess, since TF_USE_LEGACY_KERAS
must be set before TensorFlow is imported). Predictions must match ConvScope's within rtol 1e-4,
atol 1e-5. Prints one line per case and framework; exits 1 when a required load or comparison failed.
Relative paths are relative to the manifest's folder.
"""
import json
import os
import subprocess
import sys

RTOL, ATOL = 1e-4, 1e-5


def tfjs_loader():
    """tensorflowjs' loader (pinned, installed --no-deps): its package imports jax2tf, TF decision forests and
    TF Hub at import time, which loading a layers model does not use; empty stand-ins take their place."""
    import types
    import tf_keras  # noqa: F401  (Keras first, then the stand-ins)
    for name in ["jax", "jax.experimental", "jax.experimental.jax2tf", "tensorflow_decision_forests", "tensorflow_hub"]:
        sys.modules.setdefault(name, types.ModuleType(name))
    from tensorflowjs.converters import keras_tfjs_loader
    return keras_tfjs_loader


def run_framework(framework, manifest_path):
    """Child process: loads every case in one framework and prints a JSON list of results."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    if framework == "tf_keras":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tf_keras as keras
    else:
        import keras
    import numpy as np

    base = os.path.dirname(os.path.abspath(manifest_path))
    p = lambda f: f if os.path.isabs(f) else os.path.join(base, f)
    cases = json.load(open(manifest_path))["cases"]
    results = []
    for case in cases:
        if case["kind"] == "tfjs" and framework != "tf_keras":
            continue  # TF.js layers models load into tf-keras only (tensorflowjs' keras_tfjs_loader)
        r = {"file": case["file"], "framework": framework}
        try:
            if case["kind"] == "tfjs":
                model = tfjs_loader().load_keras_model(os.path.join(p(case["file"]), "model.json"))
            elif case["kind"] == "model":
                kwargs = {"compile": False}
                if framework == "keras3":
                    kwargs["safe_mode"] = True
                model = keras.models.load_model(p(case["file"]), **kwargs)
            else:
                arch = case["architecture"][framework]
                template = keras.models.load_model(p(arch), compile=False)
                model = keras.models.clone_model(template)
                if not model.built:
                    model.build(template.input_shape if hasattr(template, "input_shape") else None)
                before = [w.copy() for w in model.get_weights()]
                model.load_weights(p(case["file"]))
                r["weights_changed_by_load"] = any(
                    not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
            if "same_weights_as" in case:
                ref = keras.models.load_model(p(case["same_weights_as"]), compile=False).get_weights()
                got = model.get_weights()
                ok = len(got) == len(ref) and all(
                    a.dtype == b.dtype and np.array_equal(np.asarray(a, np.float32), np.asarray(b, np.float32))
                    for a, b in zip(got, ref))
                r.update(loaded=True, match=bool(ok), max_abs_diff=0.0 if ok else float("nan"),
                         dtypes=[str(a.dtype) for a in got])
                results.append(r)
                continue
            inputs = [np.load(p(f)) for f in case["inputs"]]
            pred = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
            if not isinstance(pred, (list, tuple)):
                pred = [pred]
            expected = [np.load(p(f)) for f in case["outputs"]]
            if len(pred) != len(expected):
                raise ValueError(f"{len(pred)} outputs, ConvScope has {len(expected)}")
            diffs = [float(np.max(np.abs(np.asarray(a, dtype=np.float64) - b))) for a, b in zip(pred, expected)]
            ok = all(np.allclose(a, b, rtol=RTOL, atol=ATOL) for a, b in zip(pred, expected))
            r.update(loaded=True, match=bool(ok), max_abs_diff=max(diffs))
        except Exception as e:  # report every failure as data
            r.update(loaded=False, match=False, error=f"{type(e).__name__}: {str(e)[:300]}")
        results.append(r)
    print(json.dumps(results))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        run_framework(sys.argv[2], sys.argv[3])
        return 0
    manifest = sys.argv[1]
    report_path = sys.argv[2] if len(sys.argv) > 2 else None
    cases = json.load(open(manifest))["cases"]
    results = []
    for framework in ("keras3", "tf_keras"):
        out = subprocess.run([sys.executable, __file__, "--child", framework, manifest],
                             capture_output=True, text=True)
        lines = [l for l in out.stdout.splitlines() if l.startswith("[")]
        if out.returncode != 0 or not lines:
            print(f"{framework}: child failed (exit {out.returncode}): {out.stderr[-2000:]}")
            return 1
        results += json.loads(lines[-1])
    failed = 0
    for r in results:
        case = next(c for c in cases if c["file"] == r["file"])
        required = r["framework"] in case.get("require", [])
        status = "ok" if r["loaded"] and r["match"] else ("MISMATCH" if r["loaded"] else "cannot load")
        if r.get("weights_changed_by_load") is False:
            status = "load_weights changed nothing"
        bad = required and status != "ok"
        failed += bad
        detail = f"max|diff| {r['max_abs_diff']:.3g}" if r["loaded"] else r.get("error", "")
        print(f"{'FAIL' if bad else 'pass'} {r['framework']:8s} {status:12s} {r['file']} {detail}"
              f"{'' if required else ' (not required)'}")
    if report_path:
        json.dump(results, open(report_path, "w"), indent=1)
    print(f"{failed} required checks failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
