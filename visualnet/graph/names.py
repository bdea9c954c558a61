"""Names the model description may use for activations and initializers (Keras 3's).

The engine implements every one of them (a test checks it), so a graph that validates
always runs."""

ACTIVATIONS = (
    "linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu",
    "softplus", "softsign", "gelu", "swish", "silu", "exponential", "hard_sigmoid",
)

INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
    "lecun_uniform", "zeros", "ones",
)
