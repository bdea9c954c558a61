"""Names the model description may use for activations and initializers (Keras 3's),
one table each: the engine, the files, the GUI and both code exporters read them.

The engine implements every one of them (a test checks it), so a graph that validates
always runs."""

# name -> the PyTorch expression of the exported code ('{}' is the input)
ACTIVATIONS = {
    "linear": "{}", "relu": "torch.relu({})", "sigmoid": "torch.sigmoid({})", "tanh": "torch.tanh({})",
    "softmax": "torch.softmax({}, dim=-1)", "leaky_relu": "F.leaky_relu({}, 0.2)", "elu": "F.elu({})",
    "selu": "F.selu({})", "softplus": "F.softplus({})", "softsign": "F.softsign({})", "gelu": "F.gelu({})",
    "swish": "F.silu({})", "silu": "F.silu({})", "exponential": "torch.exp({})",
    "hard_sigmoid": "torch.clamp({} / 6 + 0.5, 0.0, 1.0)",
    "log_softmax": "torch.log_softmax({}, dim=-1)", "relu6": "F.relu6({})", "hard_silu": "F.hardswish({})",
    "hard_swish": "F.hardswish({})", "mish": "F.mish({})", "celu": "F.celu({})", "hard_tanh": "F.hardtanh({})",
    "log_sigmoid": "F.logsigmoid({})", "tanh_shrink": "F.tanhshrink({})", "soft_shrink": "F.softshrink({}, 0.5)",
    "hard_shrink": "F.hardshrink({}, 0.5)", "squareplus": "(({0}) + torch.sqrt(({0}) ** 2 + 4)) / 2",
    "sparse_plus": "torch.where({0} <= -1, 0.0, torch.where({0} >= 1, {0}, ({0} + 1) ** 2 / 4))",
    "sparse_sigmoid": "torch.clamp(({} + 1) / 2, 0.0, 1.0)",
}

# name -> Keras class; files write the class, read either (and Keras 2's Zero/One)
INITIALIZERS = {
    "glorot_uniform": "GlorotUniform", "glorot_normal": "GlorotNormal", "he_normal": "HeNormal",
    "he_uniform": "HeUniform", "lecun_normal": "LecunNormal", "lecun_uniform": "LecunUniform",
    "zeros": "Zeros", "ones": "Ones", "random_uniform": "RandomUniform", "random_normal": "RandomNormal",
    "orthogonal": "Orthogonal",
}
