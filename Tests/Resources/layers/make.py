"""Reference values for LayerTests: one small case per layer configuration, computed by Keras.

Run with the pinned venv (tensorflow 2.21 / keras 3.15):
    /root/.cache/convscope/venv/bin/python Tests/ConvScopeTests/Resources/layers/make.py
Writes cases.json and, per case, CASE.in<k>.npy, CASE.w<k>.npy, CASE.out.npy
(and CASE.w<k>.after.npy for training-mode cases that update variables).
"""
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import keras
from keras import layers

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(1234)
cases = []


def randn(*shape):
    return rng.randn(*shape).astype("float32")


def case(name, layer, input_shapes, training=False, positive=()):
    """Builds `layer` on inputs of the given per-sample shapes (batch 2), fills its weights with
    random values (variables named in `positive` get positive values), runs it, saves everything."""
    inputs = [randn(2, *s) for s in input_shapes]
    arg = inputs if len(inputs) > 1 else inputs[0]
    layer.build([x.shape for x in inputs] if len(inputs) > 1 else inputs[0].shape)
    for v in layer.weights:
        short = v.path.split("/")[-1]
        value = randn(*v.shape) * 0.5
        if short in positive:
            value = np.abs(value) + 0.5
        v.assign(value)
    before = [np.array(v.numpy()) for v in layer.weights]
    out = np.asarray(layer(arg, training=training))
    entry = {
        "name": name,
        "class_name": layer.__class__.__name__,
        "config": layer.get_config(),
        "inputs": [], "weights": [], "after": [],
        "mode": "training" if training else "inference",
    }
    for k, x in enumerate(inputs):
        np.save(os.path.join(HERE, f"{name}.in{k}.npy"), x)
        entry["inputs"].append(f"{name}.in{k}.npy")
    for k, w in enumerate(before):
        np.save(os.path.join(HERE, f"{name}.w{k}.npy"), w.astype("float32"))
        entry["weights"].append(f"{name}.w{k}.npy")
    if training:
        for k, v in enumerate(layer.weights):
            np.save(os.path.join(HERE, f"{name}.w{k}.after.npy"), np.asarray(v.numpy(), dtype="float32"))
            entry["after"].append(f"{name}.w{k}.after.npy")
    np.save(os.path.join(HERE, f"{name}.out.npy"), out.astype("float32"))
    entry["output"] = f"{name}.out.npy"
    cases.append(entry)


img = (5, 6, 3)

# Already-present kinds
case("conv2d_valid", layers.Conv2D(4, 3), [img])
case("conv2d_same_s2_relu", layers.Conv2D(4, (3, 2), strides=2, padding="same", activation="relu"), [img])
case("conv2d_dilated", layers.Conv2D(2, 2, dilation_rate=2, padding="same"), [img])
case("dense_rank2", layers.Dense(5, activation="tanh"), [(7,)])
case("dense_rank4", layers.Dense(4), [img])
case("maxpool_valid", layers.MaxPooling2D(2), [img])
case("maxpool_same_s2", layers.MaxPooling2D(3, strides=2, padding="same"), [img])
for a in ["linear", "relu", "relu6", "elu", "selu", "sigmoid", "hard_sigmoid", "tanh", "softmax",
          "softplus", "softsign", "swish", "silu", "gelu", "exponential"]:
    case(f"activation_{a}", layers.Activation(a), [img])
case("flatten", layers.Flatten(), [img])

# Convolutions
case("depthwise_same", layers.DepthwiseConv2D(3, padding="same"), [img])
case("depthwise_dm2_s2", layers.DepthwiseConv2D((3, 2), strides=2, depth_multiplier=2, activation="relu"), [img])
case("depthwise_dilated", layers.DepthwiseConv2D(2, dilation_rate=2, depth_multiplier=3, use_bias=False), [img])
case("separable_same", layers.SeparableConv2D(4, 3, padding="same", depth_multiplier=2), [img])
case("separable_s2_relu", layers.SeparableConv2D(3, 2, strides=2, activation="relu"), [img])
case("convT_valid", layers.Conv2DTranspose(4, 3), [img])
case("convT_same_s2", layers.Conv2DTranspose(2, 3, strides=2, padding="same"), [img])
case("convT_same_s2_op1", layers.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1), [img])
case("convT_same_k4_s2", layers.Conv2DTranspose(2, 4, strides=2, padding="same"), [img])
case("convT_valid_k2_s3", layers.Conv2DTranspose(3, 2, strides=3, activation="relu"), [img])
case("convT_valid_s2_op1", layers.Conv2DTranspose(2, 3, strides=2, output_padding=1, use_bias=False), [img])

# Pooling
case("avgpool_valid", layers.AveragePooling2D(2), [img])
case("avgpool_same_s2", layers.AveragePooling2D(3, strides=2, padding="same"), [img])
case("avgpool_same_s1", layers.AveragePooling2D(2, strides=1, padding="same"), [img])
case("gap", layers.GlobalAveragePooling2D(), [img])
case("gap_keepdims", layers.GlobalAveragePooling2D(keepdims=True), [img])
case("gmp", layers.GlobalMaxPooling2D(), [img])
case("gmp_keepdims", layers.GlobalMaxPooling2D(keepdims=True), [img])

# Batch normalization
case("bn_inference", layers.BatchNormalization(epsilon=1e-3), [img], positive=("moving_variance",))
case("bn_plain", layers.BatchNormalization(scale=False, center=False, epsilon=0.01), [img], positive=("moving_variance",))
case("bn_rank2", layers.BatchNormalization(axis=1), [(7,)], positive=("moving_variance",))
case("bn_training", layers.BatchNormalization(momentum=0.9), [img], training=True, positive=("moving_variance",))
case("bn_training_nocenter", layers.BatchNormalization(center=False, momentum=0.7, epsilon=1e-5), [img], training=True,
     positive=("moving_variance",))

# Rectifiers
case("relu_plain", layers.ReLU(), [img])
case("relu_max6", layers.ReLU(max_value=6.0), [img])
case("relu_max1", layers.ReLU(max_value=1.0), [img])
case("relu_all", layers.ReLU(max_value=1.2, negative_slope=0.1, threshold=0.5), [img])
case("relu_threshold", layers.ReLU(threshold=0.3), [img])
case("relu_slope", layers.ReLU(negative_slope=0.2), [img])
case("leaky_default", layers.LeakyReLU(), [img])
case("leaky_01", layers.LeakyReLU(negative_slope=0.1), [img])
case("prelu", layers.PReLU(), [img])
case("prelu_shared", layers.PReLU(shared_axes=[1, 2]), [img])

# Spatial reshaping
case("zeropad_int", layers.ZeroPadding2D(1), [img])
case("zeropad_pair", layers.ZeroPadding2D((2, 1)), [img])
case("zeropad_full", layers.ZeroPadding2D(((1, 2), (3, 0))), [img])
case("crop_int", layers.Cropping2D(1), [img])
case("crop_full", layers.Cropping2D(((0, 2), (1, 3))), [img])
case("upsample_nearest", layers.UpSampling2D((2, 3)), [img])
case("upsample_bilinear", layers.UpSampling2D(2, interpolation="bilinear"), [img])
case("upsample_bilinear_3x2", layers.UpSampling2D((3, 2), interpolation="bilinear"), [img])
case("reshape", layers.Reshape((-1, 3)), [img])
case("reshape_flat", layers.Reshape((10, 9)), [img])
case("permute_213", layers.Permute((2, 1, 3)), [img])
case("permute_312", layers.Permute((3, 1, 2)), [img])

# Regularisers (identity at inference)
case("dropout", layers.Dropout(0.5), [img])
case("spatial_dropout", layers.SpatialDropout2D(0.3), [img])
case("gaussian_noise", layers.GaussianNoise(0.2), [img])
case("gaussian_dropout", layers.GaussianDropout(0.3), [img])
case("activity_reg", layers.ActivityRegularization(l1=0.01), [img])

# Merges
case("add3", layers.Add(), [img, img, img])
case("add_broadcast", layers.Add(), [img, (1, 1, 3)])
case("subtract", layers.Subtract(), [img, img])
case("multiply", layers.Multiply(), [img, img, img])
case("average", layers.Average(), [img, img])
case("maximum", layers.Maximum(), [img, img, img])
case("concat_last", layers.Concatenate(), [img, (5, 6, 2)])
case("concat_axis1", layers.Concatenate(axis=1), [img, (2, 6, 3)])
case("concat_neg2", layers.Concatenate(axis=-2), [img, (5, 1, 3), (5, 2, 3)])
case("rescaling", layers.Rescaling(1 / 127.5, offset=-1), [img])
case("rescaling_channels", layers.Rescaling([0.5, 2.0, -1.0], offset=[0.1, 0.2, 0.3]), [img])


def default(o):
    if isinstance(o, tuple):
        return list(o)
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    raise TypeError(repr(o))


with open(os.path.join(HERE, "cases.json"), "w") as f:
    json.dump({"keras": keras.__version__, "cases": cases}, f, indent=1, default=default)
print(f"{len(cases)} cases written to {HERE}", file=sys.stderr)
