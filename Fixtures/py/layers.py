"""Section 2: the layer oracle. Two kinds of case, from this one file:

- saved models (`layers/`): one small model per layer kind/config, saved by Keras 3 and tf-keras,
  with Keras' outputs, opened by ConvScope from the file as a user would;
- layer units (`layers/units/`): one layer per configuration with random weights stored as `.npy`
  (training-mode cases also store the updated variables), built by ConvScope from Keras' own config,
  compared with Keras' output and checked by finite differences.

A new layer kind adds its cases to both lists.
"""
import os

import numpy as np

from . import common as C

ACTS = ["linear", "relu", "relu6", "elu", "selu", "sigmoid", "hard_sigmoid", "tanh",
        "softmax", "softplus", "softsign", "swish", "silu", "gelu", "exponential",
        "hard_silu", "leaky_relu", "log_softmax", "mish"]

S = (7, 9, 3)  # default per-item input shape (odd sizes on purpose)


def cases(L):
    """[(case, layer factory, [input shapes without batch])]"""
    c = []
    add = lambda name, f, shapes=(S,): c.append((name, f, list(shapes)))
    # Conv2D
    for pad in ("same", "valid"):
        for st in (1, 2):
            add(f"conv2d_{pad}_s{st}", lambda pad=pad, st=st: L.Conv2D(4, 3, strides=st, padding=pad))
    add("conv2d_same_s2_k4", lambda: L.Conv2D(4, 4, strides=2, padding="same"))
    add("conv2d_same_s2_k1", lambda: L.Conv2D(4, 1, strides=2, padding="same"))
    add("conv2d_same_s3_k5", lambda: L.Conv2D(2, 5, strides=3, padding="same"))
    add("conv2d_valid_k2x3_s2x1", lambda: L.Conv2D(4, (2, 3), strides=(2, 1), padding="valid"))
    add("conv2d_same_dil2", lambda: L.Conv2D(4, 3, dilation_rate=2, padding="same"))
    add("conv2d_valid_dil2", lambda: L.Conv2D(4, 3, dilation_rate=2, padding="valid"))
    add("conv2d_nobias", lambda: L.Conv2D(4, 3, padding="same", use_bias=False))
    for a in ACTS:
        add(f"conv2d_act_{a}", lambda a=a: L.Conv2D(4, 3, padding="same", activation=a))
    # Depthwise / separable / transpose
    add("depthwise_dm1_same", lambda: L.DepthwiseConv2D(3, padding="same"))
    add("depthwise_dm2_valid", lambda: L.DepthwiseConv2D(3, depth_multiplier=2, padding="valid"))
    add("depthwise_dm1_same_s2", lambda: L.DepthwiseConv2D(3, strides=2, padding="same"))
    add("depthwise_dm2_valid_s2_relu", lambda: L.DepthwiseConv2D(3, strides=2, depth_multiplier=2, activation="relu"))
    add("separable_same", lambda: L.SeparableConv2D(5, 3, padding="same"))
    add("separable_dm2_s2_same_relu", lambda: L.SeparableConv2D(5, 3, strides=2, depth_multiplier=2,
                                                                padding="same", activation="relu"))
    add("separable_valid_nobias", lambda: L.SeparableConv2D(4, 3, padding="valid", use_bias=False))
    for pad in ("same", "valid"):
        for st in (1, 2):
            add(f"conv2dtranspose_{pad}_s{st}", lambda pad=pad, st=st: L.Conv2DTranspose(4, 3, strides=st, padding=pad))
    add("conv2dtranspose_same_s2_k4_relu", lambda: L.Conv2DTranspose(2, 4, strides=2, padding="same", activation="relu"))
    # Dense
    add("dense_rank2", lambda: L.Dense(4), [(6,)])
    add("dense_rank2_relu_nobias", lambda: L.Dense(4, activation="relu", use_bias=False), [(6,)])
    add("dense_rank2_softmax", lambda: L.Dense(5, activation="softmax"), [(6,)])
    add("dense_rank4", lambda: L.Dense(4))
    # Pooling
    for kind, cls in (("max", L.MaxPooling2D), ("avg", L.AveragePooling2D)):
        add(f"{kind}pool_p2", lambda cls=cls: cls(2))
        add(f"{kind}pool_p2_same", lambda cls=cls: cls(2, padding="same"))
        add(f"{kind}pool_p3", lambda cls=cls: cls(3))
        add(f"{kind}pool_p3_s2_same", lambda cls=cls: cls(3, strides=2, padding="same"))
        add(f"{kind}pool_p3_s2_valid", lambda cls=cls: cls(3, strides=2, padding="valid"))
        add(f"{kind}pool_p3_s1_same", lambda cls=cls: cls(3, strides=1, padding="same"))
        add(f"{kind}pool_p2x3_s1x2", lambda cls=cls: cls((2, 3), strides=(1, 2)))
    add("gap", lambda: L.GlobalAveragePooling2D())
    add("gmp", lambda: L.GlobalMaxPooling2D())
    add("gap_keepdims", lambda: L.GlobalAveragePooling2D(keepdims=True))
    # BatchNormalization
    add("bn", lambda: L.BatchNormalization())
    add("bn_eps1001e-5", lambda: L.BatchNormalization(epsilon=1.001e-5))
    add("bn_nocenter", lambda: L.BatchNormalization(center=False))
    add("bn_noscale", lambda: L.BatchNormalization(scale=False))
    add("bn_nocenter_noscale", lambda: L.BatchNormalization(center=False, scale=False))
    add("bn_rank2", lambda: L.BatchNormalization(), [(6,)])
    # Activations
    for a in ACTS:
        add(f"activation_{a}", lambda a=a: L.Activation(a))
    add("relu_layer", lambda: L.ReLU())
    add("relu_max6", lambda: L.ReLU(max_value=6.0))
    add("relu_slope", lambda: L.ReLU(negative_slope=0.1))
    add("relu_threshold", lambda: L.ReLU(threshold=0.5))
    add("relu_all", lambda: L.ReLU(max_value=1.0, negative_slope=0.2, threshold=0.3))
    add("leakyrelu_default", lambda: L.LeakyReLU())
    add("leakyrelu_0.1", lambda: L.LeakyReLU(negative_slope=0.1))
    add("prelu", lambda: L.PReLU())
    add("prelu_shared12", lambda: L.PReLU(shared_axes=[1, 2]))
    add("elu_layer", lambda: L.ELU(alpha=0.7))
    add("softmax_layer", lambda: L.Softmax())
    add("softmax_axis1", lambda: L.Softmax(axis=1))
    # Shape layers
    add("zeropad_1", lambda: L.ZeroPadding2D(1))
    add("zeropad_asym", lambda: L.ZeroPadding2D(((1, 2), (3, 0))))
    add("crop_asym", lambda: L.Cropping2D(((1, 2), (0, 3))))
    add("upsample_2_nearest", lambda: L.UpSampling2D(2))
    add("upsample_2x3_nearest", lambda: L.UpSampling2D((2, 3)))
    add("upsample_2_bilinear", lambda: L.UpSampling2D(2, interpolation="bilinear"))
    add("flatten", lambda: L.Flatten())
    add("reshape", lambda: L.Reshape((7, 27)))
    add("reshape_infer", lambda: L.Reshape((-1, 3)))
    add("permute_213", lambda: L.Permute((2, 1, 3)))
    add("permute_312", lambda: L.Permute((3, 1, 2)))
    # Inference-time identities
    add("dropout", lambda: L.Dropout(0.5))
    add("spatialdropout2d", lambda: L.SpatialDropout2D(0.5))
    add("gaussiannoise", lambda: L.GaussianNoise(0.5))
    add("gaussiandropout", lambda: L.GaussianDropout(0.5))
    add("activityregularization", lambda: L.ActivityRegularization(l1=0.01, l2=0.01))
    add("rescaling", lambda: L.Rescaling(1.0 / 127.5, offset=-1.0))
    # Merges
    for n, cls in (("add", L.Add), ("subtract", L.Subtract), ("multiply", L.Multiply),
                   ("average", L.Average), ("maximum", L.Maximum), ("minimum", L.Minimum)):
        add(n, lambda cls=cls: cls(), [S, S])
    add("add3", lambda: L.Add(), [S, S, S])
    add("concat_last", lambda: L.Concatenate(axis=-1), [S, (7, 9, 2)])
    add("concat_axis1", lambda: L.Concatenate(axis=1), [S, (4, 9, 3)])
    # Issue 15, normalization and arithmetic preprocessing slice
    add("layernorm", lambda: L.LayerNormalization())
    add("layernorm_axis1", lambda: L.LayerNormalization(axis=1, epsilon=1e-5))
    add("groupnorm", lambda: L.GroupNormalization(groups=3))
    add("unitnorm", lambda: L.UnitNormalization())
    add("bn_axis1", lambda: L.BatchNormalization(axis=1))
    for a in NEW_ACTS:
        add(f"activation_{a}", lambda a=a: L.Activation(a))
    add("identity", lambda: L.Identity())
    add("alphadropout", lambda: L.AlphaDropout(0.3))
    add("masking", lambda: L.Masking())
    add("masking_value", lambda: L.Masking(mask_value=0.5))
    add("thresholded_relu", lambda: L.ThresholdedReLU(theta=0.7))
    add("normalization_given", lambda: L.Normalization(mean=[0.1, -0.2, 0.3], variance=[0.5, 2.0, 1.5]))
    add("normalization_invert", lambda: L.Normalization(axis=None, mean=0.4, variance=2.0, invert=True))
    add("centercrop", lambda: L.CenterCrop(4, 6))
    add("centercrop_upsize", lambda: L.CenterCrop(8, 6))
    add("resizing_bilinear", lambda: L.Resizing(4, 13))
    add("resizing_nearest", lambda: L.Resizing(11, 5, interpolation="nearest"))
    add("resizing_crop", lambda: L.Resizing(5, 5, crop_to_aspect_ratio=True))
    add("dot_vectors", lambda: L.Dot(axes=1), [(6,), (6,)])
    add("dot_normalize", lambda: L.Dot(axes=(2, 1), normalize=True), [(4, 5), (5, 3)])
    # Issue 15, 1-D convolution, pooling and reshaping (slice l15conv)
    seq = (11, 3)
    add("conv1d_causal_dil2", lambda: L.Conv1D(4, 3, dilation_rate=2, padding="causal", activation="relu"), [seq])
    add("conv1d_same_s2", lambda: L.Conv1D(4, 3, strides=2, padding="same"), [seq])
    add("maxpool1d_p3_s2_same", lambda: L.MaxPooling1D(3, strides=2, padding="same"), [seq])
    add("avgpool1d_p2", lambda: L.AveragePooling1D(2), [seq])
    add("gap1d", lambda: L.GlobalAveragePooling1D(), [seq])
    add("gmp1d", lambda: L.GlobalMaxPooling1D(), [seq])
    add("upsample1d", lambda: L.UpSampling1D(2), [seq])
    add("zeropad1d", lambda: L.ZeroPadding1D((1, 2)), [seq])
    add("crop1d", lambda: L.Cropping1D((2, 1)), [seq])
    add("repeatvector", lambda: L.RepeatVector(4), [(6,)])
    # Issue 15, grouped convolution (slice l15conv)
    add("conv2d_groups2", lambda: L.Conv2D(6, 3, groups=2, padding="same"), [(7, 9, 4)])
    add("conv1d_groups2", lambda: L.Conv1D(4, 3, groups=2, padding="same"), [(11, 4)])
    # Issue 15, 1-D transposed, separable and depthwise convolutions (slice l15conv)
    add("conv1dtranspose_same_s2", lambda: L.Conv1DTranspose(4, 3, strides=2, padding="same"), [seq])
    add("separableconv1d_same", lambda: L.SeparableConv1D(5, 3, padding="same", depth_multiplier=2), [seq])
    add("depthwiseconv1d_valid", lambda: L.DepthwiseConv1D(3, depth_multiplier=2), [seq])
    # Issue 15, 3-D convolution and global pooling (slice l15conv)
    vol = (5, 6, 7, 2)
    add("conv3d_same_s2", lambda: L.Conv3D(4, 3, strides=2, padding="same"), [vol])
    add("conv3d_valid_relu", lambda: L.Conv3D(3, (2, 3, 2), activation="relu"), [vol])
    add("gap3d", lambda: L.GlobalAveragePooling3D(), [vol])
    add("gmp3d", lambda: L.GlobalMaxPooling3D(), [vol])
    add("maxpool3d_p3_s2_same", lambda: L.MaxPooling3D(3, strides=2, padding="same"), [vol])
    add("avgpool3d_p2_same", lambda: L.AveragePooling3D(2, padding="same"), [vol])
    add("upsample3d", lambda: L.UpSampling3D(2), [vol])
    add("zeropad3d", lambda: L.ZeroPadding3D(((1, 2), (0, 1), (2, 0))), [vol])
    add("crop3d", lambda: L.Cropping3D(((1, 0), (2, 1), (0, 3))), [vol])
    add("conv3dtranspose_same_s2", lambda: L.Conv3DTranspose(3, 3, strides=2, padding="same"), [vol])
    # Issue 15, recurrent slice: single layers, and one whole model per family (a factory may return a
    # list of layers, applied in turn). Inputs of `embedding*` cases are indices in 1..19.
    add("embedding_layer", lambda: L.Embedding(20, 4), [(7,)])
    add("simplernn_layer", lambda: L.SimpleRNN(5, return_sequences=True), [(6, 3)])
    add("lstm_layer", lambda: L.LSTM(4), [(6, 3)])
    add("gru_layer", lambda: L.GRU(4, return_sequences=True), [(6, 3)])
    add("gru_reset_before_layer", lambda: L.GRU(4, reset_after=False), [(6, 3)])
    add("embedding_simplernn_model", lambda: [L.Embedding(20, 6), L.SimpleRNN(5), L.Dense(2, activation="softmax")],
        [(7,)])
    add("lstm_forecaster_model", lambda: [L.LSTM(8, return_sequences=True), L.LSTM(4), L.Dense(1)], [(10, 2)])
    add("gru_model", lambda: [L.GRU(6, return_sequences=True, go_backwards=True), L.GRU(3), L.Dense(2)], [(8, 3)])
    add("bidirectional_layer", lambda: L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="sum"), [(6, 3)])
    add("time_distributed_layer", lambda: L.TimeDistributed(L.Dense(4, activation="relu")), [(6, 3)])
    add("embedding_bilstm_gru_model", lambda: [L.Embedding(20, 5), L.Bidirectional(L.LSTM(4, return_sequences=True)),
                                               L.GRU(3), L.Dense(2)], [(9,)])
    # Issue 16, quantization slice: EinsumDense (Keras 3 and tf-keras)
    add("einsum_dense_2d", lambda: L.EinsumDense("ab,bc->ac", 5, bias_axes="c", activation="relu"), [(6,)])
    add("einsum_dense_seq", lambda: L.EinsumDense("abc,cd->abd", (4, 5), bias_axes="d"), [(4, 6)])
    add("einsum_dense_heads", lambda: L.EinsumDense("abc,cde->abde", (4, 3, 2), bias_axes="de"), [(4, 6)])
    add("einsum_dense_ellipsis", lambda: L.EinsumDense("...b,bc->...c", 5, activation="tanh"), [(3, 4, 6)])
    # Issue 15, attention slice: a `Call` factory says how the layer is called (keywords, use_causal_mask).
    add("attention_dot", lambda: L.Attention(), [(5, 4), (6, 4)])
    add("attention_concat_scale_causal", lambda: Call(L.Attention(use_scale=True, score_mode="concat"),
                                                      lambda l, x: l(x, use_causal_mask=True)), [(5, 4), (5, 4)])
    add("attention_scale_key", lambda: L.Attention(use_scale=True), [(5, 4), (6, 3), (6, 4)])
    add("additive_attention", lambda: L.AdditiveAttention(), [(5, 4), (6, 4)])
    add("mha_self", lambda: Call(L.MultiHeadAttention(2, 4), lambda l, x: l(x[0], x[0])), [(6, 8)])
    add("mha_cross_key_mask", lambda: Call(L.MultiHeadAttention(2, 3, value_dim=5, output_shape=6),
                                           lambda l, x: l(x[0], x[1], key=x[2], attention_mask=x[3])),
        [(5, 8), (6, 7), (6, 4), (5, 6)])
    add("mha_causal_nobias", lambda: Call(L.MultiHeadAttention(3, 2, use_bias=False),
                                          lambda l, x: l(x[0], x[0], use_causal_mask=True)), [(6, 5)])
    add("mha_axes2", lambda: Call(L.MultiHeadAttention(2, 3, attention_axes=(2,)), lambda l, x: l(x[0], x[1])),
        [(3, 4, 5), (3, 6, 5)])
    # Issue 15, sequence slice (masks): `mask_*` inputs hold padding (index 0, or all-zero steps) that
    # Embedding(mask_zero) / Masking turn into a mask; RNNs, GlobalAveragePooling1D and merges honour it.
    add("mask_embedding_lstm", lambda: [L.Embedding(20, 5, mask_zero=True), L.LSTM(4), L.Dense(2)], [(9,)])
    add("mask_embedding_gru_gap", lambda: [L.Embedding(20, 4, mask_zero=True), L.GRU(3, return_sequences=True),
                                           L.GlobalAveragePooling1D(), L.Dense(2)], [(9,)])
    add("mask_masking_rnn_back", lambda: [L.Masking(), L.SimpleRNN(3, return_sequences=True, go_backwards=True)],
        [(8, 3)])
    add("mask_embedding_bidirectional", lambda: [L.Embedding(20, 4, mask_zero=True),
                                                 L.Bidirectional(L.LSTM(3, return_sequences=True)),
                                                 L.Bidirectional(L.GRU(2), merge_mode="sum"), L.Dense(2)], [(9,)])
    add("mask_masking_dense_lstm", lambda: [L.Masking(), L.TimeDistributed(L.Dense(4, activation="tanh")),
                                            L.Dense(3), L.LSTM(3, return_sequences=True), L.LSTM(2)], [(8, 3)])
    add("mask_masking_zero_output", lambda: [L.Masking(), L.GRU(3, return_sequences=True, zero_output_for_mask=True)],
        [(8, 3)])
    add("mask_embedding_merge_add", lambda: [L.Embedding(20, 4, mask_zero=True),
                                             Branches(L.Add, L.GRU(3, return_sequences=True),
                                                      L.LSTM(3, return_sequences=True)), L.SimpleRNN(2)], [(9,)])
    add("mask_masking_concat_gap", lambda: [L.Masking(), Branches(L.Concatenate, L.Dense(2),
                                                                  L.SimpleRNN(3, return_sequences=True)),
                                            L.GlobalAveragePooling1D()], [(8, 3)])
    # Issue 15, channels_first slice (chfirst): whole channels-first models (Keras 3 runs them on the CPU)
    cf = "channels_first"
    add("channels_first_cnn_model", lambda: [
        L.Conv2D(4, 3, padding="same", activation="relu", data_format=cf), L.MaxPooling2D(2, data_format=cf),
        L.BatchNormalization(axis=1), L.Conv2D(5, 3, strides=2, padding="same", data_format=cf), L.Activation("relu"),
        L.AveragePooling2D(2, padding="same", data_format=cf), L.Flatten(), L.Dense(3, activation="softmax")], [(3, 13, 11)])
    add("channels_first_shapes_model", lambda: [
        L.ZeroPadding2D(((1, 0), (2, 1)), data_format=cf), L.DepthwiseConv2D(3, depth_multiplier=2, data_format=cf),
        L.SeparableConv2D(4, 3, padding="same", activation="tanh", data_format=cf), L.UpSampling2D(2, data_format=cf),
        L.Conv2DTranspose(3, 3, strides=2, padding="same", data_format=cf), L.Cropping2D((1, 2), data_format=cf),
        L.Permute((2, 3, 1)), L.Permute((3, 1, 2)), L.GlobalMaxPooling2D(data_format=cf, keepdims=True),
        L.Reshape((3,)), L.Dense(2)], [(2, 6, 5)])
    add("channels_first_flatten_model", lambda: [
        L.Conv2D(3, 2, data_format=cf), L.MaxPooling2D(2, padding="same", data_format=cf),
        L.Flatten(data_format=cf), L.Dense(4)], [(2, 7, 6)])
    add("channels_first_flatten_only_model", lambda: [L.Permute((3, 1, 2)), L.Flatten(data_format=cf), L.Dense(3)],
        [(4, 3, 2)])
    add("channels_first_1d3d_model", lambda: [
        L.Conv3D(3, 2, padding="same", data_format=cf), L.MaxPooling3D(2, data_format=cf),
        L.Reshape((3, 4 * 3 * 2)), L.Conv1D(4, 3, padding="same", activation="relu", data_format=cf),
        L.MaxPooling1D(2, data_format=cf), L.GlobalAveragePooling1D(data_format=cf), L.Dense(2)], [(2, 8, 6, 5)])
    # Issue 15, last leftovers (layers15b): SpatialDropout1D / SpatialDropout3D (identity at inference; a channels-first
    # SpatialDropout3D ahead of a channels-first Flatten)
    add("spatialdropout1d", lambda: L.SpatialDropout1D(0.4), [(7, 3)])
    add("spatialdropout3d", lambda: L.SpatialDropout3D(0.4), [(3, 4, 5, 2)])
    add("spatialdropout3d_cf_model", lambda: [L.SpatialDropout3D(0.3, data_format=cf), L.Flatten(data_format=cf),
                                              L.Dense(3)], [(2, 3, 4, 5)])
    return c


class Call:
    """A layer with how a case calls it: `fn(layer, inputs)` (issue 15, attention slice)."""
    def __init__(self, layer, fn):
        self.layer, self.fn = layer, fn



class Branches:
    """Applies each layer to the same input and merges the results with `merge` (for `build`'s layer lists)."""
    def __init__(self, merge, *branches):
        self.merge, self.branches = merge, branches

    def __call__(self, y):
        return self.merge()([b(y) for b in self.branches])


# Issue 15, sequence slice: the mask cases run in tf-keras too.
MASK_CASES = ["mask_embedding_lstm", "mask_embedding_gru_gap", "mask_masking_rnn_back", "mask_embedding_bidirectional",
              "mask_masking_dense_lstm", "mask_masking_zero_output", "mask_embedding_merge_add",
              "mask_masking_concat_gap"]


TFKERAS_CASES = ["conv2d_same_s2", "conv2d_act_relu", "depthwise_dm2_valid", "conv2dtranspose_same_s2",
                 "bn", "bn_eps1001e-5", "dense_rank2", "dense_rank4", "activation_hard_sigmoid",
                 "activation_gelu", "activation_swish", "avgpool_p3_s2_same", "separable_same",
                 # Issue 15, normalization and arithmetic preprocessing slice
                 "layernorm", "layernorm_axis1", "groupnorm", "unitnorm", "bn_axis1", "conv2d_act_hard_sigmoid",
                 "identity", "alphadropout", "masking", "masking_value", "thresholded_relu",
                 "normalization_given", "normalization_invert", "centercrop", "centercrop_upsize",
                 "resizing_bilinear", "resizing_nearest", "resizing_crop", "dot_vectors", "dot_normalize",
                 # Issue 15, 1-D (slice l15conv)
                 "conv1d_causal_dil2", "conv1d_same_s2", "maxpool1d_p3_s2_same", "gap1d", "zeropad1d",
                 "conv2d_groups2", "conv1d_groups2", "conv1dtranspose_same_s2", "separableconv1d_same",
                 "depthwiseconv1d_valid", "conv3d_same_s2", "gap3d", "maxpool3d_p3_s2_same",
                 "avgpool3d_p2_same", "zeropad3d",
                 "conv3dtranspose_same_s2",
                 # issue 15, recurrent slice
                 "embedding_layer", "simplernn_layer", "lstm_layer", "gru_layer", "gru_reset_before_layer",
                 "embedding_simplernn_model", "lstm_forecaster_model", "gru_model", "bidirectional_layer",
                 "time_distributed_layer", "embedding_bilstm_gru_model",
                 # issue 16, quantization slice
                 "einsum_dense_2d", "einsum_dense_seq", "einsum_dense_heads", "einsum_dense_ellipsis",
                 # issue 15, attention slice
                 "attention_dot", "attention_concat_scale_causal", "attention_scale_key", "additive_attention",
                 "mha_self", "mha_cross_key_mask", "mha_causal_nobias", "mha_axes2",
                 # issue 15, attention slice: the layer contract wants each kind written by tf-keras too
                 "maxpool_p2", "flatten", "gap", "gmp", "relu_all", "leakyrelu_default", "prelu_shared12", "elu_layer",
                 "softmax_axis1", "zeropad_asym", "crop_asym", "upsample_2_bilinear", "reshape_infer", "permute_312",
                 "dropout", "spatialdropout2d", "gaussiannoise", "gaussiandropout", "activityregularization", "add",
                 "subtract", "multiply", "average", "maximum", "minimum", "concat_axis1", "rescaling", "avgpool1d_p2",
                 "gmp1d", "upsample1d", "crop1d", "repeatvector", "gmp3d", "upsample3d", "crop3d",
                 # issue 15, channels_first slice (tf-keras' CPU kernels refuse channels-first convolutions and
                 # poolings, so only the model that has none)
                 "channels_first_flatten_only_model",
                 # issue 15, last leftovers (layers15b)
                 "spatialdropout1d", "spatialdropout3d", "spatialdropout3d_cf_model"]
# Layer classes tf-keras has and Keras 3 does not (issue 15, normalization and preprocessing slice).
TFKERAS_ONLY = {"thresholded_relu"}
TFKERAS_CASES = TFKERAS_CASES + MASK_CASES
# Keras 3 functional models with masks hold the mask's ops (LogicalOr, ExpandDims …) as nodes that Keras 3
# itself cannot reload from .h5: the merge cases are tf-keras files.
TFKERAS_ONLY = TFKERAS_ONLY | {"mask_embedding_merge_add", "mask_masking_concat_gap"}
# Activation names Keras 3 added (issue 15, normalization and preprocessing slice).
NEW_ACTS = ["celu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "log_sigmoid", "sparse_plus",
            "sparse_sigmoid", "squareplus", "sparsemax", "hard_swish"]
# Keras 3 .h5 files Keras 3.15 itself cannot reload (issue 15, attention slice; see the reload check).
KERAS3_H5_UNREADABLE = {"attention_dot", "attention_scale_key"}
# Saved by Keras 3 as .keras too (sub-objects' variables under their own groups).
KERAS_ARCHIVE_CASES = ["embedding_bilstm_gru_model", "channels_first_cnn_model",
                       "mha_self", "mha_cross_key_mask", "attention_concat_scale_causal", "additive_attention",
                       "attention_dot"]


def make_inputs(case, shapes):
    r = C.rng_for("layer-input", case)
    xs = []
    for s in shapes:
        x = r.normal(0, 1.0, (2,) + tuple(s))
        if case == "rescaling":
            x = r.uniform(0, 255, (2,) + tuple(s))
        if case.startswith("embedding"):
            x = r.integers(1, 20, (2,) + tuple(s))
        if case.startswith("activation_exponential") or case == "conv2d_act_exponential":
            x = np.clip(x, -3, 3)
        if case.startswith("masking"):  # whole positions equal to the mask value
            x[:, 2] = 0.5 if case == "masking_value" else 0.0
            x[:, 4, 3] = 0.5 if case == "masking_value" else 0.0
        if case.endswith("_mask") and len(xs) == len(shapes) - 1:  # attention_mask: 0/1, every query sees one key
            x = (r.uniform(0, 1, x.shape) > 0.4).astype("float64")
            x[..., 0] = 1.0
        elif case.startswith("mask_"):  # issue 15, sequence slice: padded sequences
            x = mask_padded(case, x, r)
        xs.append(C.f32(x))
    return xs


def mask_padded(case, x, r):
    """Padding for the `mask_*` cases: index 0 (Embedding inputs) or all-zero steps (Masking inputs), at the end
    of sample 0, at the start and middle of sample 1."""
    if x.ndim == 2:
        x = r.integers(1, 20, x.shape)
    x[0, -3:] = 0
    x[1, :2] = 0
    x[1, 4] = 0
    return x


def build(K, case, factory, shapes):
    ins = [K.Input(s, name=f"in{i}") for i, s in enumerate(shapes)]
    layer = factory()
    y = ins if len(ins) > 1 else ins[0]
    if case in MASK_CASES and not any(isinstance(l, Branches) for l in layer):
        # Keras 3 records the mask's ops (NotEqual, Any) as nodes of a functional config: Sequential, as users save them
        return K.Sequential([ins[0]] + layer, name="m_" + case), layer[0]
    if isinstance(layer, Call):
        y, layer = layer.fn(layer.layer, ins), layer.layer
    for l in (layer if isinstance(layer, list) else [layer] if y is ins or y is ins[0] else []):
        y = l(y)
    layer = layer[0] if isinstance(layer, list) else layer
    return K.Model(ins, y, name="m_" + case.replace("-", "_").replace(".", "_")), layer


def generate(out):
    import keras
    import tf_keras
    d = os.path.join(out, "layers")
    os.makedirs(d, exist_ok=True)
    result = []
    for fw, K in (("keras3", keras), ("tf_keras", tf_keras)):
        names = None if fw == "keras3" else set(TFKERAS_CASES)
        for case, factory, shapes in cases(K.layers):
            if names is not None and case not in names or names is None and case in TFKERAS_ONLY:
                continue
            C.seed_all()
            K.backend.clear_session()
            model, layer = build(K, case, factory, shapes)
            C.init_weights(model, case)
            xs = make_inputs(case, shapes)
            y = model(xs if len(xs) > 1 else xs[0], training=False)
            y = np.asarray(y)
            stem = case if fw == "keras3" else case + ".tfkeras"
            for i, x in enumerate(xs):
                if fw == "keras3" or case in TFKERAS_ONLY:
                    C.save_npy(os.path.join(d, f"{case}.in{i}.npy"), x)
            C.save_npy(os.path.join(d, f"{stem}.out.npy"), y)
            model.save(os.path.join(d, f"{stem}.h5"))
            # reload check: the saved file reproduces the output (Keras 3.15 cannot read its own .h5 of an
            # Attention with score_mode "dot": the legacy loader turns the string into keras.ops.dot)
            if fw == "keras3" and case in KERAS3_H5_UNREADABLE:
                pass
            elif fw == "keras3":
                m2 = keras.models.load_model(os.path.join(d, f"{stem}.h5"), compile=False)
            else:
                m2 = tf_keras.models.load_model(os.path.join(d, f"{stem}.h5"), compile=False)
            if not (fw == "keras3" and case in KERAS3_H5_UNREADABLE):
                y2 = np.asarray(m2(xs if len(xs) > 1 else xs[0], training=False))
                assert np.allclose(y, y2, atol=1e-6), case
            if fw == "keras3" and case in KERAS_ARCHIVE_CASES:
                model.save(os.path.join(d, f"{stem}.keras"))
                result.append({"case": stem + ".keras", "framework": fw, "file": f"{stem}.keras",
                               "inputs": [f"{case}.in{i}.npy" for i in range(len(xs))], "output": f"{stem}.out.npy"})
            result.append({
                "case": stem, "framework": fw, "file": f"{stem}.h5",
                "layer_name": layer.name, "class_name": layer.__class__.__name__,
                "config": C.tolist(layer.get_config()),
                "inputs": [f"{case}.in{i}.npy" for i in range(len(xs))],
                "input_shapes": [[2] + list(s) for s in shapes],
                "output": f"{stem}.out.npy", "output_shape": list(y.shape),
                "weights": [{"name": C.short_weight_name(v), "shape": list(v.shape)} for v in layer.weights],
            })
    C.dump_json(os.path.join(d, "cases.json"), result)
    print(f"  layers: {len(result)} cases")
    generate_units(out)


# ----------------------------------------------------------------- layer units

UNIT_IMG = (5, 6, 3)


def unit_cases(layers):
    """[(case, layer, per-sample input shapes, training, variables drawn positive)] in a fixed order:
    the weights and inputs are drawn in this order from one generator, so new cases go at the end."""
    img = UNIT_IMG
    c = []
    add = lambda name, layer, shapes=(img,), training=False, positive=(), integers=None, call=None: c.append(
        (name, layer, list(shapes), training, positive, integers, call))
    # Already-present kinds
    add("conv2d_valid", layers.Conv2D(4, 3))
    add("conv2d_same_s2_relu", layers.Conv2D(4, (3, 2), strides=2, padding="same", activation="relu"))
    add("conv2d_dilated", layers.Conv2D(2, 2, dilation_rate=2, padding="same"))
    add("dense_rank2", layers.Dense(5, activation="tanh"), [(7,)])
    add("dense_rank4", layers.Dense(4))
    add("maxpool_valid", layers.MaxPooling2D(2))
    add("maxpool_same_s2", layers.MaxPooling2D(3, strides=2, padding="same"))
    for a in ["linear", "relu", "relu6", "elu", "selu", "sigmoid", "hard_sigmoid", "tanh", "softmax",
              "softplus", "softsign", "swish", "silu", "gelu", "exponential"]:
        add(f"activation_{a}", layers.Activation(a))
    add("flatten", layers.Flatten())
    # Convolutions
    add("depthwise_same", layers.DepthwiseConv2D(3, padding="same"))
    add("depthwise_dm2_s2", layers.DepthwiseConv2D((3, 2), strides=2, depth_multiplier=2, activation="relu"))
    add("depthwise_dilated", layers.DepthwiseConv2D(2, dilation_rate=2, depth_multiplier=3, use_bias=False))
    add("separable_same", layers.SeparableConv2D(4, 3, padding="same", depth_multiplier=2))
    add("separable_s2_relu", layers.SeparableConv2D(3, 2, strides=2, activation="relu"))
    add("convT_valid", layers.Conv2DTranspose(4, 3))
    add("convT_same_s2", layers.Conv2DTranspose(2, 3, strides=2, padding="same"))
    add("convT_same_s2_op1", layers.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1))
    add("convT_same_k4_s2", layers.Conv2DTranspose(2, 4, strides=2, padding="same"))
    add("convT_valid_k2_s3", layers.Conv2DTranspose(3, 2, strides=3, activation="relu"))
    add("convT_valid_s2_op1", layers.Conv2DTranspose(2, 3, strides=2, output_padding=1, use_bias=False))
    # Pooling
    add("avgpool_valid", layers.AveragePooling2D(2))
    add("avgpool_same_s2", layers.AveragePooling2D(3, strides=2, padding="same"))
    add("avgpool_same_s1", layers.AveragePooling2D(2, strides=1, padding="same"))
    add("gap", layers.GlobalAveragePooling2D())
    add("gap_keepdims", layers.GlobalAveragePooling2D(keepdims=True))
    add("gmp", layers.GlobalMaxPooling2D())
    add("gmp_keepdims", layers.GlobalMaxPooling2D(keepdims=True))
    # Batch normalization
    mv = ("moving_variance",)
    add("bn_inference", layers.BatchNormalization(epsilon=1e-3), positive=mv)
    add("bn_plain", layers.BatchNormalization(scale=False, center=False, epsilon=0.01), positive=mv)
    add("bn_rank2", layers.BatchNormalization(axis=1), [(7,)], positive=mv)
    add("bn_training", layers.BatchNormalization(momentum=0.9), training=True, positive=mv)
    add("bn_training_nocenter", layers.BatchNormalization(center=False, momentum=0.7, epsilon=1e-5),
        training=True, positive=mv)
    # Rectifiers
    add("relu_plain", layers.ReLU())
    add("relu_max6", layers.ReLU(max_value=6.0))
    add("relu_max1", layers.ReLU(max_value=1.0))
    add("relu_all", layers.ReLU(max_value=1.2, negative_slope=0.1, threshold=0.5))
    add("relu_threshold", layers.ReLU(threshold=0.3))
    add("relu_slope", layers.ReLU(negative_slope=0.2))
    add("leaky_default", layers.LeakyReLU())
    add("leaky_01", layers.LeakyReLU(negative_slope=0.1))
    add("prelu", layers.PReLU())
    add("prelu_shared", layers.PReLU(shared_axes=[1, 2]))
    # Spatial reshaping
    add("zeropad_int", layers.ZeroPadding2D(1))
    add("zeropad_pair", layers.ZeroPadding2D((2, 1)))
    add("zeropad_full", layers.ZeroPadding2D(((1, 2), (3, 0))))
    add("crop_int", layers.Cropping2D(1))
    add("crop_full", layers.Cropping2D(((0, 2), (1, 3))))
    add("upsample_nearest", layers.UpSampling2D((2, 3)))
    add("upsample_bilinear", layers.UpSampling2D(2, interpolation="bilinear"))
    add("upsample_bilinear_3x2", layers.UpSampling2D((3, 2), interpolation="bilinear"))
    add("reshape", layers.Reshape((-1, 3)))
    add("reshape_flat", layers.Reshape((10, 9)))
    add("permute_213", layers.Permute((2, 1, 3)))
    add("permute_312", layers.Permute((3, 1, 2)))
    # Regularisers (identity at inference)
    add("dropout", layers.Dropout(0.5))
    add("spatial_dropout", layers.SpatialDropout2D(0.3))
    add("gaussian_noise", layers.GaussianNoise(0.2))
    add("gaussian_dropout", layers.GaussianDropout(0.3))
    add("activity_reg", layers.ActivityRegularization(l1=0.01))
    # Merges
    add("add3", layers.Add(), [img, img, img])
    add("add_broadcast", layers.Add(), [img, (1, 1, 3)])
    add("subtract", layers.Subtract(), [img, img])
    add("multiply", layers.Multiply(), [img, img, img])
    add("average", layers.Average(), [img, img])
    add("maximum", layers.Maximum(), [img, img, img])
    add("concat_last", layers.Concatenate(), [img, (5, 6, 2)])
    add("concat_axis1", layers.Concatenate(axis=1), [img, (2, 6, 3)])
    add("concat_neg2", layers.Concatenate(axis=-2), [img, (5, 1, 3), (5, 2, 3)])
    add("rescaling", layers.Rescaling(1 / 127.5, offset=-1))
    add("rescaling_channels", layers.Rescaling([0.5, 2.0, -1.0], offset=[0.1, 0.2, 0.3]))
    add("minimum", layers.Minimum(), [img, img, img])
    add("minimum_broadcast", layers.Minimum(), [img, (1, 1, 3)])
    add("elu_layer", layers.ELU())
    add("elu_layer_alpha07", layers.ELU(alpha=0.7))
    add("softmax_layer", layers.Softmax())
    add("softmax_axis1", layers.Softmax(axis=1))
    add("softmax_rank2_axis1", layers.Softmax(axis=1), [(7,)])
    # Issue 15, normalization and arithmetic preprocessing slice
    add("layernorm", layers.LayerNormalization())
    add("layernorm_axes123_nocenter", layers.LayerNormalization(axis=[1, 2, 3], center=False, epsilon=1e-5))
    add("layernorm_axis1_noscale", layers.LayerNormalization(axis=1, scale=False))
    add("layernorm_axes_neg", layers.LayerNormalization(axis=[-3, -1]))
    add("layernorm_rms", layers.LayerNormalization(rms_scaling=True))
    add("layernorm_rank2", layers.LayerNormalization(), [(7,)])
    add("groupnorm_3", layers.GroupNormalization(groups=3))
    add("groupnorm_2_of_6", layers.GroupNormalization(groups=2, epsilon=1e-5), [(4, 3, 6)])
    add("groupnorm_axis1", layers.GroupNormalization(groups=5, axis=1, center=False))
    add("groupnorm_1_noscale", layers.GroupNormalization(groups=1, scale=False))
    add("groupnorm_per_channel", layers.GroupNormalization(groups=-1))
    add("unitnorm", layers.UnitNormalization())
    add("unitnorm_axes12", layers.UnitNormalization(axis=[1, 2]))
    add("bn_axis1", layers.BatchNormalization(axis=1), positive=mv)
    add("bn_axis2_training", layers.BatchNormalization(axis=2, momentum=0.8), training=True, positive=mv)
    add("bn_axis1_rank3_training", layers.BatchNormalization(axis=1, center=False), [(4, 5)], training=True,
        positive=mv)
    for a in NEW_ACTS:
        add(f"activation_{a}", layers.Activation(a))
    add("activation_sparsemax_rank2", layers.Activation("sparsemax"), [(7,)])
    add("identity", layers.Identity())
    add("alpha_dropout", layers.AlphaDropout(0.3))
    add("masking", layers.Masking())
    add("normalization_adapted", layers.Normalization(), positive=("variance",))
    add("normalization_axes12", layers.Normalization(axis=(1, 2)), positive=("variance",))
    add("normalization_invert", layers.Normalization(invert=True), positive=("variance",))
    add("normalization_given", layers.Normalization(axis=None, mean=0.3, variance=0.8))
    add("normalization_given_list", layers.Normalization(mean=[0.1, -0.2, 0.3], variance=[0.5, 2.0, 1.5]))
    add("centercrop", layers.CenterCrop(3, 4))
    add("centercrop_odd", layers.CenterCrop(2, 5))
    add("centercrop_upsize", layers.CenterCrop(7, 4))
    add("resizing_bilinear_up", layers.Resizing(8, 11))
    add("resizing_bilinear_down", layers.Resizing(3, 4))
    add("resizing_nearest", layers.Resizing(7, 4, interpolation="nearest"))
    add("resizing_nearest_down", layers.Resizing(2, 5, interpolation="nearest"))
    add("resizing_crop", layers.Resizing(4, 4, crop_to_aspect_ratio=True))
    add("resizing_crop_wide", layers.Resizing(2, 7, crop_to_aspect_ratio=True, interpolation="nearest"))
    add("dot_vectors", layers.Dot(axes=1), [(6,), (6,)])
    add("dot_axes21", layers.Dot(axes=(2, 1)), [(4, 5), (5, 3)])
    add("dot_neg_axes", layers.Dot(axes=-1), [(3, 4), (2, 4)])
    add("dot_rank4_normalize", layers.Dot(axes=(3, 1), normalize=True), [(2, 3, 4), (4, 5)])
    add("dot_normalize_vectors", layers.Dot(axes=-1, normalize=True), [(5,), (5,)])
    # Issue 15, 1-D convolution, pooling and reshaping (slice l15conv)
    seq = (9, 3)
    add("conv1d_valid", layers.Conv1D(4, 3), [seq])
    add("conv1d_same_s2_relu", layers.Conv1D(4, 4, strides=2, padding="same", activation="relu"), [seq])
    add("conv1d_causal", layers.Conv1D(2, 3, padding="causal"), [seq])
    add("conv1d_causal_dil2", layers.Conv1D(3, 2, dilation_rate=2, padding="causal", use_bias=False), [seq])
    add("conv1d_causal_s2", layers.Conv1D(3, 3, strides=2, padding="causal"), [seq])
    add("conv1d_same_dil3_tanh", layers.Conv1D(2, 3, dilation_rate=3, padding="same", activation="tanh"), [seq])
    add("maxpool1d_valid", layers.MaxPooling1D(2), [seq])
    add("maxpool1d_same_p3_s2", layers.MaxPool1D(3, strides=2, padding="same"), [seq])
    add("avgpool1d_valid_p3_s1", layers.AveragePooling1D(3, strides=1), [seq])
    add("avgpool1d_same_p2", layers.AvgPool1D(2, padding="same"), [seq])
    add("gmp1d", layers.GlobalMaxPooling1D(), [seq])
    add("gmp1d_keepdims", layers.GlobalMaxPool1D(keepdims=True), [seq])
    add("gap1d", layers.GlobalAveragePooling1D(), [seq])
    add("gap1d_keepdims", layers.GlobalAvgPool1D(keepdims=True), [seq])
    add("upsample1d", layers.UpSampling1D(3), [seq])
    add("zeropad1d_int", layers.ZeroPadding1D(2), [seq])
    add("zeropad1d_pair", layers.ZeroPadding1D((1, 3)), [seq])
    add("crop1d_int", layers.Cropping1D(1), [seq])
    add("crop1d_pair", layers.Cropping1D((2, 0)), [seq])
    add("repeatvector", layers.RepeatVector(3), [(5,)])
    # Issue 15, grouped convolution (slice l15conv)
    add("conv2d_groups2", layers.Conv2D(6, 3, groups=2, padding="same"), [(5, 6, 4)])
    add("conv2d_groups4_s2_relu", layers.Conv2D(4, (3, 2), strides=2, groups=4, activation="relu"), [(5, 6, 4)])
    add("conv2d_groups2_k1", layers.Conv2D(4, 1, groups=2, use_bias=False), [(5, 6, 4)])
    add("conv1d_groups2_causal", layers.Conv1D(4, 3, groups=2, padding="causal"), [(9, 4)])
    add("conv1d_groups3_valid_s2", layers.Conv1D(6, 2, strides=2, groups=3), [(9, 6)])
    # Issue 15, 1-D transposed, separable and depthwise convolutions (slice l15conv)
    add("conv1dT_valid", layers.Conv1DTranspose(4, 3), [seq])
    add("conv1dT_same_s2_tanh", layers.Conv1DTranspose(2, 3, strides=2, padding="same", activation="tanh"), [seq])
    add("conv1dT_same_s2_op1", layers.Conv1DTranspose(2, 3, strides=2, padding="same", output_padding=1), [seq])
    add("conv1dT_valid_k2_s3_nobias", layers.Conv1DTranspose(3, 2, strides=3, use_bias=False), [seq])
    add("separable1d_same_dm2", layers.SeparableConv1D(4, 3, padding="same", depth_multiplier=2), [seq])
    add("separable1d_s2_relu", layers.SeparableConv1D(3, 2, strides=2, activation="relu"), [seq])
    add("depthwise1d_same", layers.DepthwiseConv1D(3, padding="same"), [seq])
    add("depthwise1d_dm2_s2_relu", layers.DepthwiseConv1D(3, strides=2, depth_multiplier=2, activation="relu"), [seq])
    add("depthwise1d_dil2_nobias", layers.DepthwiseConv1D(2, dilation_rate=2, depth_multiplier=3, use_bias=False), [seq])
    # Issue 15, 3-D convolution and global pooling (slice l15conv)
    vol = (4, 5, 6, 2)
    add("conv3d_valid", layers.Conv3D(3, 2), [vol])
    add("conv3d_same_s2_relu", layers.Conv3D(4, (3, 2, 3), strides=2, padding="same", activation="relu"), [vol])
    add("conv3d_same_dil2_nobias", layers.Conv3D(2, 2, dilation_rate=(2, 1, 2), padding="same", use_bias=False), [vol])
    add("conv3d_k1", layers.Conv3D(3, 1, activation="tanh"), [vol])
    add("gmp3d", layers.GlobalMaxPooling3D(), [vol])
    add("gap3d_keepdims", layers.GlobalAveragePooling3D(keepdims=True), [vol])
    add("gmp3d_keepdims", layers.GlobalMaxPool3D(keepdims=True), [vol])
    add("gap3d", layers.GlobalAvgPool3D(), [vol])
    add("maxpool3d_valid", layers.MaxPooling3D(2), [vol])
    add("maxpool3d_same_p3_s2", layers.MaxPool3D(3, strides=2, padding="same"), [vol])
    add("maxpool3d_p2x3x2_s1x2x1", layers.MaxPooling3D((2, 3, 2), strides=(1, 2, 1)), [vol])
    add("avgpool3d_valid", layers.AveragePooling3D(2), [vol])
    add("avgpool3d_same_p3_s2", layers.AvgPool3D(3, strides=2, padding="same"), [vol])
    add("avgpool3d_same_p2x2x3_s1", layers.AveragePooling3D((2, 2, 3), strides=1, padding="same"), [vol])
    add("upsample3d", layers.UpSampling3D((2, 1, 3)), [vol])
    add("zeropad3d_int", layers.ZeroPadding3D(1), [vol])
    add("zeropad3d_pairs", layers.ZeroPadding3D(((1, 0), (0, 2), (2, 1))), [vol])
    add("crop3d_int", layers.Cropping3D(1), [vol])
    add("crop3d_pairs", layers.Cropping3D(((0, 1), (2, 1), (1, 3))), [vol])
    add("conv3dT_valid", layers.Conv3DTranspose(3, 2), [vol])
    add("conv3dT_same_s2_tanh", layers.Conv3DTranspose(2, (3, 2, 3), strides=2, padding="same", activation="tanh"), [vol])
    add("conv3dT_same_s2_op1", layers.Conv3DTranspose(2, 3, strides=(2, 1, 2), padding="same", output_padding=(1, 0, 1)), [vol])
    add("conv3dT_valid_k2_s3_nobias", layers.Conv3DTranspose(2, 2, strides=3, use_bias=False), [vol])
    # Issue 15, recurrent slice: Embedding (integer inputs below `integers`), SimpleRNN, LSTM, GRU.
    seq = (6, 3)
    add("embedding", layers.Embedding(11, 4), [(7,)], integers=11)
    add("embedding_rank2", layers.Embedding(9, 3), [(3, 4)], integers=9)
    add("embedding_mask_zero", layers.Embedding(9, 3, mask_zero=True), [(5,)], integers=9)
    add("simple_rnn", layers.SimpleRNN(4), [seq])
    add("simple_rnn_seq_back", layers.SimpleRNN(3, return_sequences=True, go_backwards=True), [seq])
    add("simple_rnn_relu_nobias", layers.SimpleRNN(3, activation="relu", use_bias=False, return_sequences=True), [seq])
    add("lstm", layers.LSTM(4), [seq])
    add("lstm_seq", layers.LSTM(3, return_sequences=True), [seq])
    add("lstm_back_unroll", layers.LSTM(3, go_backwards=True, unroll=True), [seq])
    add("lstm_acts_nobias", layers.LSTM(3, activation="softsign", recurrent_activation="hard_sigmoid",
                                        use_bias=False, return_sequences=True), [seq])
    add("gru", layers.GRU(4), [seq])
    add("gru_seq_back", layers.GRU(3, return_sequences=True, go_backwards=True), [seq])
    add("gru_reset_before", layers.GRU(3, reset_after=False, return_sequences=True), [seq])
    add("gru_reset_before_nobias", layers.GRU(3, reset_after=False, use_bias=False), [seq])
    add("gru_nobias_acts", layers.GRU(3, use_bias=False, activation="sigmoid", recurrent_activation="tanh"), [seq])
    add("bidirectional_lstm", layers.Bidirectional(layers.LSTM(3)), [seq])
    add("bidirectional_gru_seq_sum", layers.Bidirectional(layers.GRU(3, return_sequences=True), merge_mode="sum"), [seq])
    add("bidirectional_rnn_seq_mul", layers.Bidirectional(layers.SimpleRNN(3, return_sequences=True), merge_mode="mul"),
        [seq])
    add("bidirectional_ave_backward_gru", layers.Bidirectional(
        layers.LSTM(2, return_sequences=True), merge_mode="ave",
        backward_layer=layers.GRU(2, return_sequences=True, go_backwards=True)), [seq])
    add("time_distributed_dense", layers.TimeDistributed(layers.Dense(4, activation="tanh")), [seq])
    add("time_distributed_conv2d", layers.TimeDistributed(layers.Conv2D(2, 3, padding="same")), [(3, 5, 4, 2)])
    # Issue 16, quantization slice: EinsumDense in each equation form Keras accepts (letter groups:
    # shared, free, contracted, kernel-only, input-only summed; ellipsis left and right).
    add("einsum_dense_2d_tanh", layers.EinsumDense("ab,bc->ac", 5, bias_axes="c", activation="tanh"), [(7,)])
    add("einsum_dense_seq", layers.EinsumDense("abc,cd->abd", (4, 5), bias_axes="d"), [(4, 6)])
    add("einsum_dense_heads", layers.EinsumDense("abc,cde->abde", (4, 3, 2), bias_axes="de"), [(4, 6)])
    add("einsum_dense_shared", layers.EinsumDense("abc,bcd->abd", (4, 5), bias_axes="bd"), [(4, 6)])
    add("einsum_dense_contract2", layers.EinsumDense("abc,bcd->ad", 5, bias_axes="d", activation="sigmoid"), [(4, 6)])
    add("einsum_dense_summed", layers.EinsumDense("abc,cd->ad", 3), [(4, 6)])
    add("einsum_dense_left_ellipsis", layers.EinsumDense("...b,bc->...c", 5), [(3, 4, 6)])
    add("einsum_dense_right_ellipsis", layers.EinsumDense("ab...,bc->ac...", 5, bias_axes="c"), [(6, 3)])
    add("einsum_dense_transpose_out", layers.EinsumDense("abc,cd->adb", (5, 4), bias_axes="b"), [(4, 6)])
    # Issue 15, attention slice. `call`: (keyword per input or None for positional, call options, inputs as one list).
    listed = lambda **o: ([None, None], o, True)
    add("attention_dot", layers.Attention(), [(5, 4), (6, 4)], call=listed())
    add("attention_dot_scale_causal", layers.Attention(use_scale=True), [(5, 4), (5, 4)], call=listed(use_causal_mask=True))
    add("attention_concat_key", layers.Attention(score_mode="concat"), [(4, 3), (5, 2), (5, 3)],
        call=([None, None, None], {}, True))
    add("attention_concat_scale", layers.Attention(use_scale=True, score_mode="concat"), [(4, 3), (5, 3)], call=listed())
    add("additive_attention", layers.AdditiveAttention(), [(4, 3), (5, 3)], call=listed())
    add("additive_attention_noscale_key", layers.AdditiveAttention(use_scale=False), [(4, 3), (5, 2), (5, 3)],
        call=([None, None, None], {}, True))
    add("mha", layers.MultiHeadAttention(2, 3), [(4, 5), (6, 5)], call=([None, None], {}, False))
    add("mha_key_mask_out", layers.MultiHeadAttention(3, 2, value_dim=4, output_shape=(2, 3)),
        [(4, 5), (6, 3), (6, 2), (4, 6)], call=([None, None, "key", "attention_mask"], {}, False))
    add("mha_causal_nobias", layers.MultiHeadAttention(2, 2, use_bias=False), [(5, 4), (5, 4)],
        call=([None, "value"], {"use_causal_mask": True}, False))
    add("mha_axes12", layers.MultiHeadAttention(2, 2, attention_axes=(1, 2)), [(2, 3, 4), (3, 2, 4)],
        call=([None, None], {}, False))
    add("mha_axes2", layers.MultiHeadAttention(1, 3, attention_axes=2), [(2, 3, 4), (2, 4, 4)],
        call=([None, None], {}, False))
    return c


def tfkeras_unit_cases(layers):
    """Layer units of classes only tf-keras has, drawn after the Keras 3 ones (issue 15, normalization slice)."""
    return [("thresholded_relu", layers.ThresholdedReLU(theta=0.7), [UNIT_IMG], False, (), None, None),
            ("thresholded_relu_default", layers.ThresholdedReLU(), [UNIT_IMG], False, (), None, None)]


def channels_first_unit_cases(layers):
    """Layer units with data_format="channels_first" (issue 15, channels_first slice), drawn after every other
    unit so that none of theirs moves. Keras 3 runs each on the CPU (TensorFlow's channels-first kernels are
    not needed: Keras 3 moves the axes itself where TensorFlow has no kernel)."""
    cf = "channels_first"
    img, seq, vol = (3, 5, 6), (3, 9), (2, 4, 5, 6)
    c = []
    add = lambda name, layer, shapes: c.append((name, layer, shapes, False, (), None))
    add("cf_conv2d_same_s2", layers.Conv2D(4, 3, strides=2, padding="same", data_format=cf), [img])
    add("cf_conv2d_groups2_relu", layers.Conv2D(4, (3, 2), groups=2, activation="relu", data_format=cf), [(4, 5, 6)])
    add("cf_conv1d_same_dil2", layers.Conv1D(4, 3, dilation_rate=2, padding="same", data_format=cf), [seq])
    add("cf_conv1d_valid_s2_tanh", layers.Conv1D(2, 2, strides=2, activation="tanh", data_format=cf), [seq])
    add("cf_conv3d_same", layers.Conv3D(3, 2, padding="same", data_format=cf), [vol])
    add("cf_conv2dT_same_s2", layers.Conv2DTranspose(3, 3, strides=2, padding="same", data_format=cf), [img])
    add("cf_conv1dT_valid", layers.Conv1DTranspose(2, 3, data_format=cf), [seq])
    add("cf_conv3dT_same_s2", layers.Conv3DTranspose(2, 2, strides=2, padding="same", data_format=cf), [vol])
    add("cf_depthwise2d_dm2", layers.DepthwiseConv2D(3, depth_multiplier=2, data_format=cf), [img])
    add("cf_depthwise1d_same", layers.DepthwiseConv1D(3, padding="same", data_format=cf), [seq])
    add("cf_separable2d_same", layers.SeparableConv2D(4, 3, padding="same", data_format=cf), [img])
    add("cf_separable1d_relu", layers.SeparableConv1D(3, 2, activation="relu", data_format=cf), [seq])
    add("cf_maxpool2d_same", layers.MaxPooling2D(2, padding="same", data_format=cf), [img])
    add("cf_avgpool2d_p3_s2_same", layers.AveragePooling2D(3, strides=2, padding="same", data_format=cf), [img])
    add("cf_maxpool1d", layers.MaxPooling1D(2, data_format=cf), [seq])
    add("cf_avgpool1d_same", layers.AveragePooling1D(2, padding="same", data_format=cf), [seq])
    add("cf_maxpool3d", layers.MaxPooling3D(2, data_format=cf), [vol])
    add("cf_avgpool3d_same", layers.AveragePooling3D(2, padding="same", data_format=cf), [vol])
    add("cf_gmp2d", layers.GlobalMaxPooling2D(data_format=cf), [img])
    add("cf_gap2d_keepdims", layers.GlobalAveragePooling2D(data_format=cf, keepdims=True), [img])
    add("cf_gap1d", layers.GlobalAveragePooling1D(data_format=cf), [seq])
    add("cf_gmp1d_keepdims", layers.GlobalMaxPooling1D(data_format=cf, keepdims=True), [seq])
    add("cf_gap3d_keepdims", layers.GlobalAveragePooling3D(data_format=cf, keepdims=True), [vol])
    add("cf_upsample2d", layers.UpSampling2D((2, 3), data_format=cf), [img])
    add("cf_upsample2d_bilinear", layers.UpSampling2D(2, interpolation="bilinear", data_format=cf), [img])
    add("cf_upsample3d", layers.UpSampling3D((1, 2, 2), data_format=cf), [vol])
    add("cf_zeropad2d", layers.ZeroPadding2D(((1, 0), (2, 1)), data_format=cf), [img])
    add("cf_zeropad3d", layers.ZeroPadding3D(1, data_format=cf), [vol])
    add("cf_crop2d", layers.Cropping2D(((1, 0), (2, 1)), data_format=cf), [img])
    add("cf_crop3d", layers.Cropping3D(((1, 0), (0, 1), (2, 1)), data_format=cf), [vol])
    add("cf_flatten", layers.Flatten(data_format=cf), [img])
    add("cf_flatten_3d", layers.Flatten(data_format=cf), [vol])
    return c


def conv3d_groups_unit_cases(layers):
    """Grouped Conv3D units (issue 15, channels_first slice, step 3), drawn after the channels-first ones."""
    vol = (4, 5, 6, 4)
    return [(name, layer, [shape], False, (), None) for name, layer, shape in [
        ("conv3d_groups2", layers.Conv3D(4, 2, groups=2), vol),
        ("conv3d_groups4_same_s2_relu", layers.Conv3D(8, (2, 3, 2), strides=2, padding="same", groups=4, activation="relu"), vol),
        ("conv3d_groups2_dil2_nobias", layers.Conv3D(2, 2, dilation_rate=(1, 2, 2), groups=2, use_bias=False), vol),
        ("cf_conv3d_groups2", layers.Conv3D(4, 2, groups=2, data_format="channels_first"), (4, 4, 5, 6)),
    ]]


def check_grouped(layer, x, y):
    """Keras' grouped Conv3D against the same convolution run group by group (TensorFlow's CPU kernel is not
    trusted blindly for groups)."""
    import keras
    cfg = layer.get_config()
    g, f = cfg["groups"], cfg["filters"]
    axis = 1 if cfg["data_format"] == "channels_first" else -1
    k, *b = layer.get_weights()
    parts = []
    for j in range(g):
        c = dict(cfg, groups=1, filters=f // g, name=f"check_{j}")
        one = keras.layers.Conv3D.from_config(c)
        xs = np.split(x, g, axis=axis)[j]
        one.build(xs.shape)
        one.set_weights([k[..., j * f // g:(j + 1) * f // g]] + ([b[0][j * f // g:(j + 1) * f // g]] if b else []))
        parts.append(np.asarray(one(xs)))
    assert np.allclose(np.concatenate(parts, axis=axis), y, atol=1e-5), layer.name


def generate_units(out):
    """Writes layers/units/: cases.json and, per case, CASE.in<k>.npy, CASE.w<k>.npy, CASE.out.npy
    (and CASE.w<k>.after.npy for training-mode cases, whose forward updates variables)."""
    import keras
    keras.backend.clear_session()  # layer names (`dense`, `lstm_1`) must not depend on what ran before
    d = os.path.join(out, "layers", "units")
    os.makedirs(d, exist_ok=True)
    rng = np.random.RandomState(1234)
    randn = lambda *shape: np.asarray(rng.randn(*shape), dtype="float32")
    entries = []
    import tf_keras
    # chfirst's generators write 6-tuples (no attention call)
    every = (unit_cases(keras.layers) + tfkeras_unit_cases(tf_keras.layers)
             + [u + (None,) for u in channels_first_unit_cases(keras.layers) + conv3d_groups_unit_cases(keras.layers)])
    for name, layer, input_shapes, training, positive, integers, call in every:
        if call:  # an attention call: keywords, options, list or separate arguments; masks 0/1, one key seen per query
            inputs = [randn(2, *s) for s in input_shapes]
            for k, kw in enumerate(call[0]):
                if kw == "attention_mask":
                    inputs[k] = (rng.rand(2, *input_shapes[k]) > 0.4).astype("float32")
                    inputs[k][..., 0] = 1.0

            def invoke(training=False, layer=layer, call=call, inputs=inputs):
                if call[2]:
                    return layer(inputs, training=training, **call[1])
                args = [x for x, kw in zip(inputs, call[0]) if kw is None]
                kwargs = {kw: x for x, kw in zip(inputs, call[0]) if kw is not None}
                return layer(*args, training=training, **kwargs, **call[1])
            invoke()
        elif integers:  # indices (Embedding), stored as float32 as ConvScope reads them
            inputs = [rng.randint(1 if layer.get_config().get("mask_zero") else 0, integers,
                                  (2, *s)).astype("float32") for s in input_shapes]
        else:
            inputs = [randn(2, *s) for s in input_shapes]
        if not call:
            layer.build([x.shape for x in inputs] if len(inputs) > 1 else inputs[0].shape)
        for v in layer.weights:
            value = randn(*v.shape) * 0.5
            if "int" in str(v.dtype):  # Normalization's sample count
                value = np.full(v.shape, 7)
            if getattr(v, "path", v.name).split("/")[-1].split(":")[0] in positive:
                value = np.abs(value) + 0.5
            v.assign(value)
        if layer.__class__.__name__ == "Normalization":  # its call reads the variables through finalize_state
            layer.finalize_state()
        before = [np.array(v.numpy()) for v in layer.weights]
        if call:
            out_value = np.asarray(invoke(training))
        else:
            out_value = np.asarray(layer(inputs if len(inputs) > 1 else inputs[0], training=training))
        if layer.__class__.__name__ == "Conv3D" and layer.get_config().get("groups", 1) > 1:
            check_grouped(layer, inputs[0], out_value)
        entry = {"name": name, "class_name": layer.__class__.__name__, "config": C.tolist(layer.get_config()),
                 "inputs": [], "weights": [], "after": [], "mode": "training" if training else "inference"}
        if call:
            entry["call"] = {"keywords": call[0], "options": call[1]}
        for k, x in enumerate(inputs):
            np.save(os.path.join(d, f"{name}.in{k}.npy"), x)
            entry["inputs"].append(f"{name}.in{k}.npy")
        for k, w in enumerate(before):
            np.save(os.path.join(d, f"{name}.w{k}.npy"), w.astype("float32"))
            entry["weights"].append(f"{name}.w{k}.npy")
        if training:
            for k, v in enumerate(layer.weights):
                np.save(os.path.join(d, f"{name}.w{k}.after.npy"), np.asarray(v.numpy(), dtype="float32"))
                entry["after"].append(f"{name}.w{k}.after.npy")
        np.save(os.path.join(d, f"{name}.out.npy"), out_value.astype("float32"))
        entry["output"] = f"{name}.out.npy"
        entries.append(entry)
    from .sequences import cudnn_units  # issue 15, sequence slice: tf.keras CuDNNLSTM / CuDNNGRU, drawn last
    entries += cudnn_units(d, randn)
    C.dump_json(os.path.join(d, "cases.json"), {"keras": keras.__version__, "cases": entries})
    print(f"  layer units: {len(entries)} cases")
