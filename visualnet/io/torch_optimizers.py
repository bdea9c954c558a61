"""The PyTorch script's optimizer: `make_optimizer(model)` maps the Keras optimizer's config
(OPTIMIZER) to torch.optim (SGD, Adam, AdamW, NAdam, Adamax, Adadelta, Adagrad, RMSprop),
and for Ftrl and Lion, which torch does not have, the script carries a small
`torch.optim.Optimizer` with Keras's update (`source(config)` adds only the one it needs).
Keras's weight_decay is decoupled (`p -= lr * weight_decay * p`): AdamW's and NAdam's
(decoupled_weight_decay) equal it; for the others torch adds it to the gradient instead."""

MAKE_OPTIMIZER = '''

def make_optimizer(model):
    """The closest torch.optim optimizer to the Keras one (see the notes on each)."""
    kind = (OPTIMIZER or {}).get("class_name", "RMSprop")
    c = dict((OPTIMIZER or {}).get("config", {}))
    lr = c.get("learning_rate", 0.001)
    if isinstance(lr, dict):  # a schedule: start from its initial rate
        lr = lr.get("config", {}).get("initial_learning_rate", 0.001)
    wd = c.get("weight_decay") or 0.0
    params = model.parameters()
    betas = (c.get("beta_1", 0.9), c.get("beta_2", 0.999))
    eps = c.get("epsilon", 1e-7)
    if kind == "SGD":  # Keras's momentum update equals torch's for a constant rate
        return torch.optim.SGD(params, lr=lr, momentum=c.get("momentum", 0.0), nesterov=c.get("nesterov", False),
                               weight_decay=wd)
    if kind in ("Adam", "AdamW"):  # torch adds epsilon after the bias correction; Keras before (tiny difference)
        cls = torch.optim.AdamW if wd else torch.optim.Adam
        return cls(params, lr=lr, betas=betas, eps=eps, amsgrad=c.get("amsgrad", False), weight_decay=wd)
    if kind == "Nadam":  # momentum_decay=1: Keras's schedule of momentum, beta_1 * (1 - 0.5 * 0.96 ** t)
        return torch.optim.NAdam(params, lr=lr, betas=betas, eps=eps, weight_decay=wd, momentum_decay=1.0,
                                 decoupled_weight_decay=True)
    if kind == "Adamax":  # torch adds epsilon to |g| inside the max; Keras to the norm after it
        return torch.optim.Adamax(params, lr=lr, betas=betas, eps=eps, weight_decay=wd)
    if kind == "Adadelta":  # the same update as Keras's
        return torch.optim.Adadelta(params, lr=lr, rho=c.get("rho", 0.95), eps=eps, weight_decay=wd)
    if kind == "Ftrl":
        return Ftrl(params, lr=lr, learning_rate_power=c.get("learning_rate_power", -0.5),
                    initial_accumulator_value=c.get("initial_accumulator_value", 0.1),
                    l1=c.get("l1_regularization_strength", 0.0), l2=c.get("l2_regularization_strength", 0.0),
                    l2_shrinkage=c.get("l2_shrinkage_regularization_strength", 0.0), beta=c.get("beta", 0.0),
                    weight_decay=wd)
    if kind == "Lion":
        return Lion(params, lr=lr, betas=(c.get("beta_1", 0.9), c.get("beta_2", 0.99)), weight_decay=wd)
    if kind == "Adagrad":
        return torch.optim.Adagrad(params, lr=lr, initial_accumulator_value=c.get("initial_accumulator_value", 0.1),
                                   eps=eps, weight_decay=wd)
    # RMSprop: torch adds epsilon outside the square root, Keras inside
    return torch.optim.RMSprop(params, lr=lr, alpha=c.get("rho", 0.9), eps=eps,
                               momentum=c.get("momentum", 0.0), centered=c.get("centered", False), weight_decay=wd)
'''

FTRL = '''

class Ftrl(torch.optim.Optimizer):
    """Keras's Ftrl (torch has no FTRL optimizer): keras.optimizers.Ftrl's update, weight by
    weight, with its decoupled weight decay."""

    def __init__(self, params, lr=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1, l1=0.0, l2=0.0,
                 l2_shrinkage=0.0, beta=0.0, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, learning_rate_power=learning_rate_power,
                                      initial_accumulator_value=initial_accumulator_value, l1=l1, l2=l2,
                                      l2_shrinkage=l2_shrinkage, beta=beta, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None if closure is None else closure()
        for group in self.param_groups:
            lr, power = group["lr"], -group["learning_rate_power"]
            l2 = group["l2"] + group["beta"] / (2.0 * lr)
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["accumulator"] = torch.full_like(p, group["initial_accumulator_value"])
                    state["linear"] = torch.zeros_like(p)
                if group["weight_decay"]:
                    p.mul_(1 - group["weight_decay"] * lr)
                g, accumulator, linear = p.grad, state["accumulator"], state["linear"]
                new_accumulator = accumulator + g * g
                linear.add_(g + 2 * group["l2_shrinkage"] * p
                            - (new_accumulator.pow(power) - accumulator.pow(power)) / lr * p)
                quadratic = new_accumulator.pow(power) / lr + 2 * l2
                p.copy_((linear.clamp(-group["l1"], group["l1"]) - linear) / quadratic)
                accumulator.copy_(new_accumulator)
        return loss
'''

LION = '''

class Lion(torch.optim.Optimizer):
    """Keras's Lion (torch has no Lion optimizer): steps of lr * sign(beta_1 * m + (1 - beta_1)
    * g), then m = beta_2 * m + (1 - beta_2) * g, with Keras's decoupled weight decay."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None if closure is None else closure()
        for group in self.param_groups:
            lr, (beta_1, beta_2) = group["lr"], group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                m = self.state[p].setdefault("momentum", torch.zeros_like(p))
                if group["weight_decay"]:
                    p.mul_(1 - group["weight_decay"] * lr)
                p.add_((m * beta_1 + p.grad * (1 - beta_1)).sign(), alpha=-lr)
                m.mul_(beta_2).add_(p.grad, alpha=1 - beta_2)
        return loss
'''


def source(optimizer_config) -> str:
    """`make_optimizer`'s source for a script whose OPTIMIZER is `optimizer_config`, with the
    class Ftrl or Lion needs."""
    kind = (optimizer_config or {}).get("class_name") if isinstance(optimizer_config, dict) else None
    return MAKE_OPTIMIZER + {"Ftrl": FTRL, "Lion": LION}.get(kind, "")
