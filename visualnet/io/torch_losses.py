"""The PyTorch script's `keras_loss`: every loss of the engine's `LOSSES` table written in torch,
computing Keras's values (clipping, renormalisation, label smoothing, from_logits, the loss's own
arguments and reduction) from the compiled loss's name and config. Tested against the engine in
tests/io/test_torch_losses.py."""

SOURCE = '''

EPSILON = 1e-7


def keras_loss(name, config=None):
    """Keras's loss `name` as a function (predictions, targets) -> the reduced loss; `config`:
    the loss's Keras config (by default the compiled one, LOSS)."""
    if config is None:
        config = LOSS.get("config", {}) if isinstance(LOSS, dict) else {}
    c = dict(config)
    logits, smooth, axis = c.get("from_logits", False), c.get("label_smoothing", 0.0) or 0.0, c.get("axis", -1)

    def probabilities(p):
        p = torch.softmax(p, dim=axis) if logits else p
        return (p / p.sum(dim=axis, keepdim=True)).clamp(EPSILON, 1 - EPSILON)

    def smoothed(y, classes):
        return y * (1 - smooth) + smooth / classes if smooth else y

    def categorical(p, y):
        y = smoothed(y, p.shape[axis])
        if logits:
            return -(y * torch.log_softmax(p, dim=axis)).sum(dim=axis)
        return -(y * torch.log(probabilities(p))).sum(dim=axis)

    def sparse(p, y):
        y = y.long().reshape(p.shape[:-1])
        valid = torch.ones_like(y, dtype=torch.bool) if c.get("ignore_class") is None else y != c["ignore_class"]
        logp = torch.log_softmax(p, dim=-1) if logits else torch.log(probabilities(p))
        values = -logp.gather(-1, torch.where(valid, y, 0).unsqueeze(-1)).squeeze(-1)
        return torch.where(valid, values, 0.0), valid

    def binary_terms(p, y):
        y = y * (1 - smooth) + 0.5 * smooth if smooth else y
        if logits:
            return torch.clamp(p, min=0) - p * y + torch.log1p(torch.exp(-p.abs())), y, torch.sigmoid(p)
        q = p.clamp(EPSILON, 1 - EPSILON)
        return -(y * torch.log(q) + (1 - y) * torch.log(1 - q)), y, p

    def binary(p, y):
        return binary_terms(p, y)[0].mean(dim=axis)

    def binary_focal(p, y):
        if logits:
            p = torch.sigmoid(p)
        y = y * (1 - smooth) + 0.5 * smooth if smooth else y
        q = p.clamp(EPSILON, 1 - EPSILON)
        bce = -(y * torch.log(q) + (1 - y) * torch.log(1 - q))
        focal = (1 - (y * p + (1 - y) * (1 - p))) ** c.get("gamma", 2.0) * bce
        if c.get("apply_class_balancing", False):
            alpha = c.get("alpha", 0.25)
            focal = (y * alpha + (1 - y) * (1 - alpha)) * focal
        return focal.mean(dim=axis)

    def categorical_focal(p, y):
        y = smoothed(y, p.shape[axis])
        q = probabilities(p)
        return (c.get("alpha", 0.25) * (1 - q) ** c.get("gamma", 2.0) * -y * torch.log(q)).sum(dim=axis)

    def hinge_labels(y):
        return 2 * y - 1 if bool(((y == 0) | (y == 1)).all()) else y

    def huber(p, y):
        e, delta = p - y, c.get("delta", 1.0)
        return torch.where(e.abs() <= delta, 0.5 * e ** 2, delta * e.abs() - 0.5 * delta ** 2).mean(dim=-1)

    def log_cosh(p, y):
        x = p - y
        return (x + torch.nn.functional.softplus(-2 * x) - np.log(2.0)).mean(dim=-1)

    def cosine_similarity(p, y):
        unit = lambda v: v * torch.clamp(torch.rsqrt((v * v).sum(dim=axis, keepdim=True)), max=1 / EPSILON)
        return -(unit(y) * unit(p)).sum(dim=axis)

    def categorical_hinge(p, y):
        pos, neg = (y * p).sum(dim=-1), ((1 - y) * p).max(dim=-1).values
        return torch.clamp(neg - pos + 1, min=0)

    def kl_divergence(p, y):
        y, p = y.clamp(EPSILON, 1), p.clamp(EPSILON, 1)
        return (y * torch.log(y / p)).sum(dim=-1)

    table = {
        "categorical_crossentropy": categorical, "sparse_categorical_crossentropy": sparse,
        "binary_crossentropy": binary, "binary_focal_crossentropy": binary_focal,
        "categorical_focal_crossentropy": categorical_focal, "kl_divergence": kl_divergence,
        "poisson": lambda p, y: (p - y * torch.log(p + EPSILON)).mean(dim=-1),
        "mean_squared_error": lambda p, y: ((p - y) ** 2).mean(dim=-1),
        "mean_absolute_error": lambda p, y: (p - y).abs().mean(dim=-1),
        "mean_absolute_percentage_error":
            lambda p, y: 100 * ((y - p) / torch.clamp(y.abs(), min=EPSILON)).abs().mean(dim=-1),
        "mean_squared_logarithmic_error": lambda p, y: (
            (torch.log(torch.clamp(p, min=EPSILON) + 1) - torch.log(torch.clamp(y, min=EPSILON) + 1)) ** 2
        ).mean(dim=-1),
        "huber": huber, "log_cosh": log_cosh, "cosine_similarity": cosine_similarity,
        "hinge": lambda p, y: torch.clamp(1 - hinge_labels(y) * p, min=0).mean(dim=-1),
        "squared_hinge": lambda p, y: (torch.clamp(1 - hinge_labels(y) * p, min=0) ** 2).mean(dim=-1),
        "categorical_hinge": categorical_hinge,
    }
    fn, reduction = table[name], c.get("reduction", "sum_over_batch_size")

    def loss(p, y):
        if name != "sparse_categorical_crossentropy" and y.dim() == p.dim() - 1 and p.shape[-1] == 1:
            y = y.unsqueeze(-1)  # Keras's squeeze_or_expand_to_same_rank
        values = fn(p, y.to(p.dtype))
        valid = None
        if isinstance(values, tuple):
            values, valid = values
        if reduction in (None, "none"):
            return values
        if reduction == "sum":
            return values.sum()
        if valid is not None:   # the mean over the labels not ignored
            return values.sum() / valid.sum().clamp(min=1)
        return values.mean()

    return loss
'''
