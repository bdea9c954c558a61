"""The rest of `keras.ops` (issue 23): each op's forward against `keras.ops` (torch backend)
on the same inputs, and, for the differentiable ones, its tape gradient against central
differences (gradcheck.py); the factorizations refuse a gradient, naming the op."""

import numpy as np
import pytest

from visualnet import ops
from visualnet.engine.tape import Tape, TapeTensor

from .gradcheck import numeric_grad

keras = pytest.importorskip("keras")
K = keras.ops
I32 = np.int32

# (id, function of (ops module, *tensors), input shapes, input kind, differentiable)
CASES = [
    # element-wise maths
    *[(n, (lambda n: lambda o, a: getattr(o, n)(a))(n), [(3, 4)], kind, True) for n, kind in [
        ("tan", "unit"), ("sinh", "any"), ("cosh", "any"), ("arcsin", "unit"), ("arccos", "unit"),
        ("arctan", "any"), ("arcsinh", "any"), ("arccosh", "gt1"), ("arctanh", "unit"), ("log2", "pos"),
        ("log10", "pos"), ("exp2", "any"), ("cbrt", "pos"), ("erf", "any"), ("erfc", "any"), ("erfinv", "unit"),
        ("fabs", "any"), ("sinc", "any"), ("deg2rad", "any"), ("rad2deg", "any"), ("relu6", "wide"),
        ("selu", "any"), ("celu", "any"), ("swish", "any"), ("hard_sigmoid", "wide"), ("hard_silu", "wide"),
        ("hard_swish", "wide"), ("hard_tanh", "wide"), ("log_sigmoid", "any"), ("softsign", "any"),
        ("sparse_plus", "wide"), ("sparse_sigmoid", "wide"), ("squareplus", "any"), ("soft_shrink", "any"),
        ("hard_shrink", "any"), ("tanh_shrink", "any"), ("copy", "any"), ("ravel", "any"), ("nan_to_num", "any")]],
    *[(n, (lambda n: lambda o, a: getattr(o, n)(a))(n), [(3, 4)], "any", False) for n in [
        "trunc", "signbit", "isnan", "isinf", "isfinite", "argsort", "count_nonzero"]],
    *[(n, (lambda n: lambda o, a, b: getattr(o, n)(a, b))(n), [(3, 4), (4,)], kind, grad) for n, kind, grad in [
        ("arctan2", "any", True), ("hypot", "any", True), ("logaddexp", "any", True), ("mod", "pos", True),
        ("fmod", "pos", True), ("floor_divide", "pos", False), ("divide_no_nan", "any", True),
        ("logical_xor", "any", False), ("outer", "any", True), ("kron", "any", True), ("inner", "any", True)]],
    ("vdot", lambda o, a, b: o.vdot(a, b), [(12,), (12,)], "any", True),
    ("glu", lambda o, a: o.glu(a), [(3, 4)], "any", True),
    ("threshold", lambda o, a: o.threshold(a, 0.3, -1.0), [(3, 4)], "any", True),
    ("soft_shrink_t", lambda o, a: o.soft_shrink(a, threshold=1.0), [(3, 4)], "any", True),
    ("ldexp", lambda o, a: o.ldexp(a, np.array([1, -2, 3, 0], np.int32)), [(3, 4)], "any", True),
    ("nextafter", lambda o, a, b: o.nextafter(a, b), [(3, 4), (3, 4)], "any", False),
    ("isin", lambda o: o.isin(np.array([1, 4, 2, 7]), np.array([2, 7, 9])), [], "any", False),
    *[(n, (lambda n: lambda o: getattr(o, n)(np.array([12, 5, 3]), np.array([2, 1, 3])))(n), [], "any", False)
      for n in ("bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift")],
    ("bitwise_invert", lambda o: o.bitwise_invert(np.array([12, 5, 3])), [], "any", False),
    # arrays
    ("stack", lambda o, a, b: o.stack([a, b], axis=1), [(3, 4), (3, 4)], "any", True),
    ("unstack", lambda o, a: o.unstack(a, axis=1)[2], [(3, 4)], "any", True),
    ("hstack", lambda o, a, b: o.hstack([a, b]), [(3, 4), (3, 2)], "any", True),
    ("vstack", lambda o, a, b: o.vstack([a, b]), [(3, 4), (4,)], "any", True),
    ("dstack", lambda o, a, b: o.dstack([a, b]), [(3, 4), (3, 4)], "any", True),
    ("array_split", lambda o, a: o.array_split(a, 3, axis=1)[0], [(3, 5)], "any", True),
    ("hsplit", lambda o, a: o.hsplit(a, 2)[1], [(3, 4)], "any", True),
    ("vsplit", lambda o, a: o.vsplit(a, [1])[1], [(3, 4)], "any", True),
    ("moveaxis", lambda o, a: o.moveaxis(a, 0, -1), [(2, 3, 4)], "any", True),
    ("roll", lambda o, a: o.roll(a, 2, axis=1), [(3, 4)], "any", True),
    ("roll_flat", lambda o, a: o.roll(a, -3), [(3, 4)], "any", True),
    ("rot90", lambda o, a: o.rot90(a, k=3), [(3, 4)], "any", True),
    ("tril", lambda o, a: o.tril(a, k=1), [(2, 3, 4)], "any", True),
    ("triu", lambda o, a: o.triu(a, k=-1), [(3, 4)], "any", True),
    ("diag_vector", lambda o, a: o.diag(a, k=1), [(3,)], "any", True),
    ("diag_matrix", lambda o, a: o.diag(a, k=-1), [(3, 4)], "any", True),
    ("diagonal", lambda o, a: o.diagonal(a, offset=1, axis1=1, axis2=2), [(2, 3, 4)], "any", True),
    ("trace", lambda o, a: o.trace(a), [(3, 4)], "any", True),
    ("fliplr", lambda o, a: o.fliplr(a), [(3, 4)], "any", True),
    ("flipud", lambda o, a: o.flipud(a), [(3, 4)], "any", True),
    ("diff", lambda o, a: o.diff(a, n=2, axis=0), [(4, 3)], "any", True),
    ("append", lambda o, a, b: o.append(a, b, axis=0), [(2, 3), (1, 3)], "any", True),
    ("slice", lambda o, a: o.slice(a, (1, 0), (2, 3)), [(3, 4)], "any", True),
    ("slice_update", lambda o, a, b: o.slice_update(a, (1, 1), b), [(3, 4), (2, 2)], "any", True),
    ("scatter", lambda o, a: o.scatter(np.array([[0, 1], [2, 3], [0, 1]]), a, (3, 4)), [(3,)], "any", True),
    ("scatter_update", lambda o, a, b: o.scatter_update(a, np.array([[0, 1], [2, 3]]), b), [(3, 4), (2,)],
     "any", True),
    ("meshgrid", lambda o, a, b: o.meshgrid(a, b)[1], [(3,), (4,)], "any", True),
    ("meshgrid_ij", lambda o, a, b: o.meshgrid(a, b, indexing="ij")[0], [(3,), (4,)], "any", True),
    ("full_like", lambda o, a: o.full_like(a, 2.5), [(3, 4)], "any", False),
    ("linspace", lambda o: o.linspace(0.0, 2.0, 7), [], "any", False),
    ("logspace", lambda o: o.logspace(0.0, 2.0, 5), [], "any", False),
    ("tri", lambda o: o.tri(3, 4, k=1), [], "any", False),
    ("cross", lambda o, a, b: o.cross(a, b), [(4, 3), (4, 3)], "any", True),
    ("cross_axis", lambda o, a, b: o.cross(a, b, axis=0), [(3, 2), (3, 2)], "any", True),
    ("vander", lambda o, a: o.vander(a, 4), [(5,)], "any", True),
    ("depth_to_space", lambda o, a: o.nn.depth_to_space(a, 2), [(2, 2, 3, 8)], "any", True),
    ("space_to_depth", lambda o, a: o.nn.space_to_depth(a, 2), [(2, 4, 6, 3)], "any", True),
    ("unravel_index", lambda o: o.unravel_index(np.array([3, 7, 11]), (3, 4)), [], "any", False),
    *[(n, (lambda n: lambda o: getattr(o, n)(7))(n), [], "any", False)
      for n in ("bartlett", "blackman", "hamming", "hanning")],
    ("kaiser", lambda o: o.kaiser(6, 4.0), [], "any", False),
    # reductions
    ("nanargmax", lambda o, a: o.nanargmax(a, axis=1), [(3, 4)], "any", False),
    ("nanargmin", lambda o, a: o.nanargmin(a), [(3, 4)], "any", False),
    ("nancumsum", lambda o, a: o.nancumsum(a, axis=0), [(3, 4)], "any", True),
    ("nancumprod", lambda o, a: o.nancumprod(a, axis=1), [(3, 4)], "pos", True),
    ("segment_min", lambda o, a: o.segment_min(a, np.array([0, 1, 1, 0]), num_segments=2), [(4, 3)], "any", False),
    ("segment_prod", lambda o, a: o.segment_prod(a, np.array([0, 1, 1, 0]), num_segments=2), [(4, 3)], "any",
     False),
    ("trapezoid", lambda o, a: o.trapezoid(a, dx=0.5, axis=0), [(4, 3)], "any", True),
    ("trapezoid_x", lambda o, a: o.trapezoid(a, x=np.array([0.0, 0.5, 1.5, 3.0], np.float32)), [(3, 4)], "any",
     True),
    ("corrcoef", lambda o, a: o.corrcoef(a), [(3, 5)], "any", True),
    ("histogram", lambda o, a: o.histogram(a, bins=4), [(20,)], "any", False),
    ("sort", lambda o, a: o.sort(a, axis=0), [(3, 4)], "any", True),
    ("top_k_values", lambda o, a: o.top_k(a, 2)[0], [(3, 4)], "any", True),
    ("top_k_indices", lambda o, a: o.top_k(a, 2)[1], [(3, 4)], "any", False),
    ("in_top_k", lambda o, a: o.in_top_k(np.array([0, 2, 3]), a, 2), [(3, 4)], "any", False),
    ("median", lambda o, a: o.median(a, axis=1), [(3, 5)], "any", True),
    ("median_even", lambda o, a: o.median(a), [(3, 4)], "any", True),
    ("quantile", lambda o, a: o.quantile(a, np.array([0.1, 0.75]), axis=0), [(5, 3)], "any", True),
    ("quantile_keepdims", lambda o, a: o.quantile(a, 0.3, axis=-1, keepdims=True), [(2, 5)], "any", True),
    ("percentile", lambda o, a: o.percentile(a, 40.0), [(3, 4)], "any", True),
    ("ptp", lambda o, a: o.ptp(a, axis=1), [(3, 4)], "any", True),
    ("cumprod", lambda o, a: o.cumprod(a, axis=1), [(3, 4)], "pos", True),
    ("nansum", lambda o, a: o.nansum(a, axis=0), [(3, 4)], "any", True),
    ("nanmean", lambda o, a: o.nanmean(a, axis=1), [(3, 4)], "any", True),
    ("nanmax", lambda o, a: o.nanmax(a), [(3, 4)], "any", True),
    ("nanmin", lambda o, a: o.nanmin(a, axis=1), [(3, 4)], "any", True),
    ("nanprod", lambda o, a: o.nanprod(a, axis=0), [(3, 4)], "pos", True),
    ("nanvar", lambda o, a: o.nanvar(a, axis=0), [(3, 4)], "any", True),
    ("nanstd", lambda o, a: o.nanstd(a, axis=1), [(3, 4)], "any", True),
    ("average", lambda o, a, b: o.average(a, axis=1, weights=b), [(3, 4), (4,)], "pos", True),
    ("moments_mean", lambda o, a: o.moments(a, axes=[0])[0], [(3, 4)], "any", True),
    ("moments_var", lambda o, a: o.moments(a, axes=[0, 1], keepdims=True)[1], [(3, 4)], "any", True),
    ("norm", lambda o, a: o.norm(a), [(3, 4)], "any", True),
    ("norm_l1_axis", lambda o, a: o.norm(a, ord=1, axis=1), [(3, 4)], "any", True),
    ("norm_inf", lambda o, a: o.norm(a, ord=np.inf, axis=0, keepdims=True), [(3, 4)], "any", True),
    ("norm_p3", lambda o, a: o.norm(a, ord=3, axis=-1), [(3, 4)], "pos", True),
    ("norm_fro", lambda o, a: o.norm(a, ord="fro", axis=(0, 1)), [(3, 4)], "any", True),
    ("norm_matrix_1", lambda o, a: o.norm(a, ord=1, axis=(0, 1)), [(3, 4)], "any", True),
    ("norm_nuc", lambda o, a: o.norm(a, ord="nuc", axis=(0, 1)), [(3, 4)], "any", False),
    ("segment_sum", lambda o, a: o.segment_sum(a, np.array([0, 0, 2, 1]), num_segments=3), [(4, 3)], "any", True),
    ("segment_max", lambda o, a: o.segment_max(a, np.array([0, 1, 1, 0]), num_segments=2), [(4, 3)], "any", True),
    ("bincount", lambda o: o.bincount(np.array([0, 2, 2, 5]), minlength=7), [], "any", False),
    ("digitize", lambda o, a: o.digitize(a, np.array([-1.0, 0.0, 0.5])), [(3, 4)], "any", False),
    ("searchsorted", lambda o, a: o.searchsorted(np.array([-1.0, 0.0, 0.5], np.float32), a, side="right"),
     [(3, 4)], "any", False),
    ("extract_sequences", lambda o, a: o.extract_sequences(a, 3, 2), [(2, 8)], "any", True),
    # linear algebra
    ("inv", lambda o, a: o.inv(a), [(2, 3, 3)], "spd", True),
    ("det", lambda o, a: o.det(a), [(2, 3, 3)], "spd", True),
    ("solve", lambda o, a, b: o.solve(a, b), [(3, 3), (3, 2)], "spd", True),
    ("solve_triangular", lambda o, a, b: o.solve_triangular(a, b, lower=True), [(3, 3), (3, 2)], "spd", True),
    ("slogdet", lambda o, a: o.slogdet(a)[1], [(3, 3)], "spd", True),
    ("cholesky", lambda o, a: o.cholesky(a), [(3, 3)], "spd", False),
    ("qr_r", lambda o, a: o.abs(o.qr(a)[1]), [(4, 3)], "any", False),
    ("svd_values", lambda o, a: o.svd(a, compute_uv=False), [(4, 3)], "any", False),
    ("eigh_values", lambda o, a: o.eigh(a)[0], [(3, 3)], "spd", False),
    ("lstsq", lambda o, a, b: o.lstsq(a, b), [(4, 3), (4, 2)], "any", False),
    ("pinv", lambda o, a: o.pinv(a), [(4, 3)], "any", False),
    # nn
    ("multi_hot", lambda o: o.nn.multi_hot(np.array([[0, 2], [1, 1]]), 4), [], "any", False),
    ("binary_crossentropy", lambda o, a, b: o.nn.binary_crossentropy(a, b), [(3, 4), (3, 4)], "prob", True),
    ("binary_crossentropy_logits", lambda o, a, b: o.nn.binary_crossentropy(o.sigmoid(a), b, from_logits=True),
     [(3, 4), (3, 4)], "any", True),
    ("categorical_crossentropy", lambda o, a, b: o.nn.categorical_crossentropy(a, b), [(3, 4), (3, 4)], "prob", True),
    ("categorical_crossentropy_logits", lambda o, a, b: o.nn.categorical_crossentropy(o.softmax(a), b,
                                                                                       from_logits=True),
     [(3, 4), (3, 4)], "any", True),
    ("sparse_categorical_crossentropy", lambda o, a: o.nn.sparse_categorical_crossentropy(np.array([0, 3, 1]), a,
                                                                                          from_logits=True),
     [(3, 4)], "any", True),
    ("batch_normalization", lambda o, a, m, v, b, s: o.nn.batch_normalization(a, m, v, axis=-1, offset=b, scale=s),
     [(3, 4), (4,), (4,), (4,), (4,)], "pos", True),
    ("layer_normalization", lambda o, a, g, b: o.nn.layer_normalization(a, g, b), [(3, 4), (4,), (4,)], "any", True),
    ("rms_normalization", lambda o, a, s: o.nn.rms_normalization(a, s), [(3, 4), (4,)], "any", True),
    ("normalize", lambda o, a: o.nn.normalize(a, axis=-1), [(3, 4)], "any", True),
    ("normalize_l1", lambda o, a: o.nn.normalize(a, axis=0, order=1), [(3, 4)], "pos", True),
    ("psnr", lambda o, a, b: o.nn.psnr(a, b, 1.0), [(2, 3, 3), (2, 3, 3)], "prob", True),
    ("dot_product_attention", lambda o, q, k, v: o.nn.dot_product_attention(q, k, v), [(2, 3, 2, 4), (2, 5, 2, 4),
                                                                                     (2, 5, 2, 4)], "any", True),
    ("dot_product_attention_causal", lambda o, q, k, v: o.nn.dot_product_attention(q, k, v, is_causal=True),
     [(1, 4, 2, 3), (1, 4, 2, 3), (1, 4, 2, 3)], "any", True),
    ("conv2d_same_strided", lambda o, x, w: o.nn.conv(x, w, strides=2, padding="same"), [(2, 5, 6, 3), (3, 3, 3, 4)],
     "any", True),
    ("conv2d_valid_dilated", lambda o, x, w: o.nn.conv(x, w, dilation_rate=2), [(1, 7, 7, 2), (2, 3, 2, 3)],
     "any", True),
    ("conv1d_same", lambda o, x, w: o.nn.conv(x, w, padding="same"), [(2, 6, 3), (4, 3, 2)], "any", True),
    ("conv2d_groups", lambda o, x, w: o.nn.conv(x, w), [(1, 4, 4, 4), (2, 2, 2, 6)], "any", True),
    ("depthwise_conv", lambda o, x, w: o.nn.depthwise_conv(x, w, padding="same"), [(2, 5, 5, 3), (3, 3, 3, 2)],
     "any", True),
    ("separable_conv", lambda o, x, d, p: o.nn.separable_conv(x, d, p), [(1, 5, 5, 2), (3, 3, 2, 2), (1, 1, 4, 3)],
     "any", True),
    ("conv_transpose_same", lambda o, x, w: o.nn.conv_transpose(x, w, strides=2, padding="same"),
     [(2, 3, 4, 3), (3, 3, 2, 3)], "any", True),
    ("conv_transpose_1d", lambda o, x, w: o.nn.conv_transpose(x, w, strides=3, output_padding=1),
     [(2, 4, 2), (2, 3, 2)], "any", True),
    ("max_pool_same", lambda o, x: o.nn.max_pool(x, 3, strides=2, padding="same"), [(2, 5, 6, 3)], "any", True),
    ("max_pool_1d", lambda o, x: o.nn.max_pool(x, 2), [(2, 6, 3)], "any", True),
    ("average_pool", lambda o, x: o.nn.average_pool(x, (2, 3), strides=(2, 1)), [(2, 5, 6, 3)], "any", True),
    ("average_pool_same", lambda o, x: o.nn.average_pool(x, 3, strides=2, padding="same"), [(1, 5, 5, 2)],
     "any", True),
    # image
    ("resize_bilinear", lambda o, x: o.image.resize(x, (5, 3)), [(2, 4, 6, 3)], "img", True),
    ("resize_up", lambda o, x: o.image.resize(x, (7, 9)), [(1, 4, 3, 2)], "img", True),
    ("resize_nearest", lambda o, x: o.image.resize(x, (3, 8), interpolation="nearest"), [(1, 5, 6, 2)], "img", True),
    ("rgb_to_grayscale", lambda o, x: o.image.rgb_to_grayscale(x), [(2, 3, 4, 3)], "img", True),
    ("rgb_to_hsv", lambda o, x: o.image.rgb_to_hsv(x), [(2, 3, 4, 3)], "img", True),
    ("hsv_to_rgb", lambda o, x: o.image.hsv_to_rgb(x), [(2, 3, 4, 3)], "img", True),
    ("crop_images", lambda o, x: o.image.crop_images(x, 1, 2, target_height=2, target_width=3), [(2, 5, 6, 3)],
     "img", True),
    ("pad_images", lambda o, x: o.image.pad_images(x, 1, 2, target_height=6, target_width=7), [(3, 4, 2)],
     "img", True),
    ("affine_transform", lambda o, x: o.image.affine_transform(
        x, np.array([[1.1, 0.2, -0.7, -0.1, 0.9, 0.6, 0.0, 0.0], [0.8, -0.3, 1.2, 0.25, 1.3, -1.1, 0.0, 0.0]],
                    np.float32)), [(2, 5, 6, 3)], "img", True),
    ("affine_transform_nearest_wrap", lambda o, x: o.image.affine_transform(
        x, np.array([1.1, 0.2, -0.7, -0.1, 0.9, 0.6, 0.0, 0.0], np.float32), interpolation="nearest",
        fill_mode="wrap"), [(5, 6, 2)], "img", True),
    ("affine_transform_reflect", lambda o, x: o.image.affine_transform(
        x, np.array([1.5, 0.2, -2.7, -0.1, 1.9, 0.6, 0.0, 0.0], np.float32), fill_mode="reflect"),
     [(1, 5, 6, 2)], "img", True),
    ("map_coordinates", lambda o, x: o.image.map_coordinates(x, [np.array([0.5, 2.2, -0.4, 3.9]),
                                                                 np.array([1.5, 0.1, 2.0, 4.6])], 1),
     [(4, 5)], "img", True),
    ("extract_patches", lambda o, x: o.image.extract_patches(x, (2, 3), strides=(1, 2)), [(2, 4, 7, 3)],
     "img", True),
    # control flow and utilities (eager; unrolled on the tape)
    ("fori_loop", lambda o, a: o.fori_loop(0, 3, lambda i, v: v * a + float(i), a), [(3,)], "any", True),
    ("while_loop", lambda o, a: o.while_loop(lambda v, i: i < 3, lambda v, i: (o.sin(v) * 2.0, i + 1), (a, 0))[0],
     [(3,)], "any", True),
    ("scan", lambda o, a, b: o.scan(lambda c, x: (c * x, c + x), a, b)[1], [(3,), (4, 3)], "any", True),
    ("scan_reverse", lambda o, a, b: o.scan(lambda c, x: (c + x, c * x), a, b, reverse=True)[0], [(3,), (4, 3)],
     "any", True),
    ("map", lambda o, a: o.map(lambda r: o.sum(r * r), a), [(4, 3)], "any", True),
    ("vectorized_map", lambda o, a: o.vectorized_map(lambda r: o.cumsum(r) * r, a), [(4, 3)], "any", True),
    ("cond", lambda o, a: o.cond(o.sum(a) > 100.0, lambda: a * 2.0, lambda: o.exp(a)), [(3,)], "any", True),
    ("switch", lambda o, a: o.switch(1, [lambda x: x, lambda x: o.tanh(x) * 3.0], a), [(3,)], "any", True),
    ("saturate_cast", lambda o, a: o.saturate_cast(a * 200.0, "uint8"), [(3, 4)], "any", False),
    ("unique", lambda o: o.unique(np.array([3, 1, 3, 2, 1])), [], "any", False),
]


def _inputs(shapes, kind, seed):
    rng = np.random.default_rng(seed)
    make = {"any": lambda s: rng.normal(size=s), "pos": lambda s: rng.uniform(0.5, 2.0, s),
            "unit": lambda s: rng.uniform(-0.9, 0.9, s), "gt1": lambda s: rng.uniform(1.2, 3.0, s),
            "wide": lambda s: rng.uniform(-7.0, 7.0, s), "img": lambda s: rng.uniform(0.0, 1.0, s),
            "prob": lambda s: rng.uniform(0.05, 0.95, s)}
    out = []
    for s in shapes:
        if kind == "spd" and len(s) >= 2 and s[-1] == s[-2]:
            a = rng.normal(size=s)
            out.append((a @ np.swapaxes(a, -1, -2) + 3 * np.eye(s[-1])).astype(np.float32))
        else:
            out.append(np.asarray(make["any" if kind == "spd" else kind](s)).astype(np.float32))
    return out


def _numpy(value, convert):
    if isinstance(value, (list, tuple)):
        return [_numpy(v, convert) for v in value]
    return np.asarray(convert(value))


@pytest.mark.parametrize("fn,shapes,kind", [c[1:4] for c in CASES], ids=[c[0] for c in CASES])
def test_forward_matches_keras(fn, shapes, kind):
    xs = _inputs(shapes, kind, 0)
    ours = _numpy(fn(ops, *xs), ops.convert_to_numpy)
    theirs = _numpy(fn(K, *[K.convert_to_tensor(x) for x in xs]), K.convert_to_numpy)
    for a, b in zip(ours if isinstance(ours, list) else [ours], theirs if isinstance(theirs, list) else [theirs]):
        assert a.shape == b.shape
        if a.dtype.kind in "biu" or b.dtype.kind in "biu":
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


GRAD_CASES = [c for c in CASES if c[4] and c[2]]


@pytest.mark.parametrize("fn,shapes,kind", [c[1:4] for c in GRAD_CASES], ids=[c[0] for c in GRAD_CASES])
def test_gradient_matches_finite_differences(fn, shapes, kind):
    xs = _inputs(shapes, kind, 1)
    weights = np.random.default_rng(2).normal(size=np.shape(fn(ops, *xs))).astype(np.float32)

    def scalar(*values):
        return float(np.sum(np.asarray(fn(ops, *values), np.float64) * weights))

    with Tape() as tape:
        leaves = [tape.watch(x) for x in xs]
        out = fn(ops, *leaves)
        assert isinstance(out, TapeTensor) and out.tracked
        tape.gradients([out], [weights])
    for i, x in enumerate(xs):
        def f(v, i=i):
            return scalar(*[v if j == i else xs[j] for j in range(len(xs))])
        expected = numeric_grad(f, x, eps=1e-3)
        got = np.zeros_like(x) if leaves[i].grad is None else leaves[i].grad
        np.testing.assert_allclose(got, expected, rtol=2e-2, atol=2e-2, err_msg=f"input {i}")


@pytest.mark.parametrize("name,call", [
    ("qr", lambda t: ops.qr(t)[0]), ("svd", lambda t: ops.svd(t)[1]), ("eigh", lambda t: ops.eigh(t)[0]),
    ("cholesky", lambda t: ops.cholesky(t)), ("lstsq", lambda t: ops.lstsq(t, np.ones((3, 1), np.float32))),
])
def test_factorizations_refuse_a_gradient_naming_the_op(name, call):
    a = _inputs([(3, 3)], "spd", 0)[0]
    with Tape() as tape:
        out = call(tape.watch(a))
        with pytest.raises(NotImplementedError, match=f"ops.linalg.{name}"):
            tape.gradients([out], [np.ones(out.shape, np.float32)])


def test_custom_gradient_puts_the_users_rule_on_the_tape():
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(*args, upstream=None):
            return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))
        return ops.log(1 + e), grad

    x = np.array([-1.0, 0.0, 50.0], np.float32)
    with Tape() as tape:
        leaf = tape.watch(x)
        out = log1pexp(leaf)
        tape.gradients([out], [np.ones(3, np.float32)])
    np.testing.assert_allclose(leaf.grad, 1 / (1 + np.exp(-x)), rtol=1e-6)   # finite where exp(50) overflows
    np.testing.assert_allclose(np.asarray(out)[:2], np.log1p(np.exp(x[:2])), rtol=1e-6)


def test_namespaces_hold_keras_names():
    for space, theirs in ((ops.nn, K.nn), (ops.image, K.image), (ops.linalg, K.linalg)):
        for name in vars(space):
            if not name.startswith("_"):
                assert hasattr(theirs, name), name
    assert ops.nn.relu6 is ops.relu6 and ops.linalg.inv is ops.inv


def _sample_model(k):
    """A functional model using a sample of the new ops on KerasTensors."""
    o = k.ops
    i = k.Input((6,))
    x = k.layers.Dense(6)(i)
    y = o.relu6(x * 3.0) + o.tanh_shrink(x) - o.arctan(x) + o.log_sigmoid(x)
    y = o.roll(y, 2, axis=-1) + o.hypot(x, y) + o.softsign(o.sinh(x))
    y = o.concatenate([o.cumprod(o.sigmoid(y), axis=-1), o.nn.normalize(y), o.hard_sigmoid(y)], axis=-1)
    y = o.sort(y, axis=-1) + o.median(y, axis=-1, keepdims=True) + o.erf(y)
    return k.Model(i, k.layers.Dense(2)(o.glu(y)))


def test_new_ops_on_symbolic_tensors_train_and_save_as_keras(tmp_path):
    import visualnet

    vm = _sample_model(visualnet)
    km = _sample_model(keras)
    weights = [np.random.default_rng(i).normal(0, 0.4, w.shape).astype(np.float32)
               for i, w in enumerate(vm.get_weights())]
    vm.set_weights(weights)
    km.set_weights(weights)
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(16, 6)).astype(np.float32), rng.normal(size=(16, 2)).astype(np.float32)
    np.testing.assert_allclose(vm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    for m in (vm, km):
        m.compile(optimizer=(visualnet if m is vm else keras).optimizers.SGD(0.05), loss="mse")
    hv = vm.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    hk = km.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(hv, hk, rtol=1e-4)
    assert hv[1] < hv[0]
    vm.save(tmp_path / "ours.keras")
    loaded = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), vm.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    km.save(tmp_path / "theirs.keras")
    back = visualnet.models.load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


def _image_model(k):
    o = k.ops
    i = k.Input((6, 8, 3))
    x = k.layers.Conv2D(3, 3, padding="same")(i)
    x = o.image.resize(o.sigmoid(x), (4, 5)) + o.image.rgb_to_grayscale(o.image.resize(i, (4, 5)))
    x = o.image.pad_images(o.image.crop_images(x, 1, 1, target_height=2, target_width=3), 1, 1, 1, 1)
    x = o.image.extract_patches(x, (2, 2))
    return k.Model(i, k.layers.Dense(2)(k.layers.Flatten()(x)))


def test_image_ops_on_symbolic_tensors_save_as_keras(tmp_path):
    import visualnet

    vm, km = _image_model(visualnet), _image_model(keras)
    weights = [np.random.default_rng(i).normal(0, 0.4, w.shape).astype(np.float32)
               for i, w in enumerate(vm.get_weights())]
    vm.set_weights(weights)
    km.set_weights(weights)
    x = np.random.default_rng(3).uniform(size=(3, 6, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(vm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    vm.save(tmp_path / "ours.keras")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "ours.keras").predict(x, verbose=0),
                               vm.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    km.save(tmp_path / "theirs.keras")
    np.testing.assert_allclose(visualnet.models.load_model(tmp_path / "theirs.keras").predict(x, verbose=0),
                               km.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
