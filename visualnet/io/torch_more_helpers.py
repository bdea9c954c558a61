"""More helpers of exported PyTorch scripts (merged into
`torch_helpers.HELPERS`): channels-last layer and group normalization as Keras computes them,
ActivityRegularization's penalty and the attention layers' scores."""

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

def attention(q, v, k, mode, scale, concat, causal, dropout):
    """Keras's Attention ('dot', 'concat') and AdditiveAttention ('additive') of (batch, steps,
    features) sequences; causal: each query step sees the value steps up to its own."""
    if mode == "dot":
        s = q @ k.transpose(-2, -1)
        s = s if scale is None else s * scale
    else:
        u = q.unsqueeze(-2) + k.unsqueeze(-3)
        if mode == "concat":
            s = concat * torch.tanh(u if scale is None else scale * u).sum(-1)
        else:
            s = (torch.tanh(u) * (1.0 if scale is None else scale)).sum(-1)
    if causal:
        s = torch.where(torch.ones(s.shape[-2:], dtype=torch.bool, device=s.device).tril(), s, s - 1e9)
    w = torch.softmax(s, dim=-1)
    return (F.dropout(w, dropout) if dropout else w) @ v
'''),
}
