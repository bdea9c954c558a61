"""More helpers of exported PyTorch scripts (merged into
`torch_helpers.HELPERS`): channels-last layer and group normalization as Keras computes them,
ActivityRegularization's penalty, the attention layers' scores, multi-head attention and the geometric image
augmentations."""

MORE_HELPERS = {
    "Scales": ((), '''

class Scales(nn.Module):
    """A normalization's learned scale (gamma) and offset (beta), each None when not learned."""

    def __init__(self, channels, scale=True, center=True):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels)) if scale else None
        self.beta = nn.Parameter(torch.zeros(channels)) if center else None
'''),
    "layer_norm": ((), '''

def layer_norm(x, axis, epsilon, gamma, beta, rms_scaling=False):
    """Keras's LayerNormalization along one axis (biased variance; rms_scaling: no centering)."""
    var, mean = torch.var_mean(x, dim=axis, keepdim=True, unbiased=False)
    y = (x if rms_scaling else x - mean) * torch.rsqrt(var + epsilon)
    shape = [1] * x.dim()
    shape[axis] = x.shape[axis]
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y
'''),
    "group_norm": ((), '''

def group_norm(x, groups, epsilon, gamma, beta):
    """Keras's GroupNormalization of a channels-last tensor."""
    g = x.reshape(*x.shape[:-1], groups, x.shape[-1] // groups)
    dims = (*range(1, g.dim() - 2), g.dim() - 1)
    var, mean = torch.var_mean(g, dim=dims, keepdim=True, unbiased=False)
    y = ((g - mean) * torch.rsqrt(var + epsilon)).reshape(x.shape)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y
'''),
    "activity_penalty": ((), '''

def activity_penalty(model, x, l1, l2):
    """Keras's ActivityRegularization: returns x; while training, adds (l1 * sum|x| + l2 * sum x^2) / batch
    to `model.penalty`, which `train` adds to the loss."""
    if model.training:
        model.penalty = getattr(model, "penalty", 0.0) + (l1 * x.abs().sum() + l2 * x.square().sum()) / x.shape[0]
    return x
'''),
    "attention": ((), '''

def attention(q, v, k, mode, scale, concat, causal, dropout, q_mask=None, v_mask=None):
    """Keras's Attention ('dot', 'concat') and AdditiveAttention ('additive') of (batch, steps,
    features) sequences; causal: each query step sees the value steps up to its own. Masks
    (batch, steps): a masked value step is hidden, a masked query step outputs zeros."""
    if mode == "dot":
        s = q @ k.transpose(-2, -1)
        s = s if scale is None else s * scale
    else:
        u = q.unsqueeze(-2) + k.unsqueeze(-3)
        if mode == "concat":
            s = concat * torch.tanh(u if scale is None else scale * u).sum(-1)
        else:
            s = (torch.tanh(u) * (1.0 if scale is None else scale)).sum(-1)
    seen = None
    if v_mask is not None:
        seen = v_mask.unsqueeze(-2)
    if causal:
        tril = torch.ones(s.shape[-2:], dtype=torch.bool, device=s.device).tril()
        seen = tril if seen is None else seen & tril
    if seen is not None:
        s = torch.where(seen, s, s - 1e9)
    w = torch.softmax(s, dim=-1)
    y = (F.dropout(w, dropout) if dropout else w) @ v
    return y if q_mask is None else torch.where(q_mask.unsqueeze(-1), y, torch.zeros_like(y))
'''),
    "multi_head_attention": ((), '''

def multi_head_attention(q, v, k, w, key_dim, use_bias, causal, dropout, axes=(1,)):
    """Keras's MultiHeadAttention of (batch, steps, features) sequences; w: its weights by
    Keras's names ('query_kernel' (features, heads, key_dim), 'query_bias', ...). Inputs of
    higher rank attend over `axes`, the other inner axes acting as batch axes."""
    if q.dim() > 3:
        free = [a for a in range(1, q.dim() - 1) if a not in axes]
        order = [0, *free, *axes]

        def sequences(x):
            x = x.permute(*order, x.dim() - 1)
            return x.reshape(-1, int(np.prod(x.shape[1 + len(free):-1])), x.shape[-1])

        y = multi_head_attention(sequences(q), sequences(v), sequences(k), w, key_dim, use_bias, causal, dropout)
        y = y.reshape(q.shape[0], *(q.shape[a] for a in order[1:]), *y.shape[2:])
        return y.permute(*(order.index(i) for i in range(len(order))), *range(len(order), y.dim()))

    def project(x, name):
        y = torch.einsum("bld,dnh->blnh", x, w[name + "_kernel"])
        return y + w[name + "_bias"] if use_bias else y

    qh = project(q, "query") * (1.0 / key_dim ** 0.5)
    kh, vh = project(k, "key"), project(v, "value")
    s = torch.einsum("bsnh,btnh->bnts", kh, qh)
    if causal:
        s = torch.where(torch.ones(s.shape[-2:], dtype=torch.bool, device=s.device).tril(), s,
                        torch.full_like(s, -1e9))
    p = torch.softmax(s, dim=-1)
    o = torch.einsum("bnts,bsnh->btnh", F.dropout(p, dropout) if dropout else p, vh)
    wo = w["attention_output_kernel"]
    y = (o.flatten(2) @ wo.reshape(wo.shape[0] * wo.shape[1], -1)).reshape(*o.shape[:2], *wo.shape[2:])
    return y + w["attention_output_bias"] if use_bias else y
'''),
    "affine_sample": ((), '''

def affine_sample(x, rows, cols, interpolation, fill_mode, fill_value):
    """Keras's map_coordinates of channels-last images x at input coordinates rows, cols
    (batch, height, width): bilinear or nearest, reflect/wrap/nearest/constant fill."""
    b, h, w, c = x.shape

    def fix(i, n):
        if fill_mode == "wrap":
            return i % n
        if fill_mode == "reflect":
            j, m = 2 * i + 1, 2 * n
            return torch.div(((j + m) % (2 * m) - m).abs() - 1, 2, rounding_mode="floor")
        return i.clamp(0, n - 1)

    def nodes(coord):
        if interpolation == "nearest":
            return [(torch.round(coord).long(), None)]
        lower = torch.floor(coord)
        upper = coord - lower
        return [(lower.long(), 1 - upper), (lower.long() + 1, upper)]

    flat, out = x.reshape(b, h * w, c), 0
    for ri, rw in nodes(rows):
        for ci, cw in nodes(cols):
            idx = (fix(ri, h) * w + fix(ci, w)).reshape(b, -1, 1).expand(-1, -1, c)
            vals = flat.gather(1, idx).reshape(b, h, w, c)
            if fill_mode == "constant":
                valid = ((ri >= 0) & (ri < h) & (ci >= 0) & (ci < w)).unsqueeze(-1)
                vals = torch.where(valid, vals, torch.full_like(vals, fill_value))
            out = out + (vals if rw is None else (rw * cw).unsqueeze(-1) * vals)
    return out
'''),
    "random_affine": (("affine_sample",), '''

def _uniform(x, bounds):
    return torch.rand(x.shape[0], 1, 1, device=x.device) * (bounds[1] - bounds[0]) + bounds[0]


def random_affine(x, kind, bounds, interpolation, fill_mode, fill_value):
    """Keras's RandomTranslation ('translation', bounds: height and width fractions), RandomZoom
    ('zoom': height and width, width None to follow the height) and RandomRotation ('rotation':
    turns); `bounds`: a (lower, upper) pair per factor; drawn per image."""
    b, h, w, _ = x.shape
    i = torch.arange(h, dtype=x.dtype, device=x.device).view(1, -1, 1)
    j = torch.arange(w, dtype=x.dtype, device=x.device).view(1, 1, -1)
    if kind == "translation":
        rows, cols = i - _uniform(x, bounds[0]) * h, j - _uniform(x, bounds[1]) * w
    elif kind == "zoom":
        zy = 1 + _uniform(x, bounds[0])
        zx = zy if bounds[1] is None else 1 + _uniform(x, bounds[1])
        rows, cols = zy * i + (h - 1) / 2 * (1 - zy), zx * j + (w - 1) / 2 * (1 - zx)
    else:
        theta = _uniform(x, (bounds[0][0] * 360.0, bounds[0][1] * 360.0)) * (3.141592653589793 / 180.0)
        cos, sin = torch.cos(theta), torch.sin(theta)
        cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
        rows = i * cos + j * sin + (cy - cx * sin - cy * cos)
        cols = i * -sin + j * cos + (cx - cx * cos + cy * sin)
    return affine_sample(x, rows.expand(b, h, w), cols.expand(b, h, w), interpolation, fill_mode, fill_value)
'''),
}
