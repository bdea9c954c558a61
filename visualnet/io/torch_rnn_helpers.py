"""The exported PyTorch scripts' helpers for Keras's recurrent calls with states: initial
states in (Keras's `initial_state`, each (batch, units); Bidirectional's: the forward layer's,
then the backward layer's) and final states out (return_state), for nn.RNN/nn.LSTM/nn.GRU,
one direction or both (Bidirectional, merge_mode=None too)."""

RNN_HELPERS = {
    "rnn_call": ((), '''

def rnn_call(module, x, states, sequences, return_state):
    """A Keras recurrent layer on a batch_first torch.nn RNN: `states` the initial states as
    Keras takes them ([h] or LSTM's [h, c], each (batch, units); [] for zeros); returns the
    output (the last step's without `sequences`) and, with `return_state`, the final states."""
    lstm = isinstance(module, nn.LSTM)
    hx = None
    if states:
        hx = tuple(s.unsqueeze(0) for s in states) if lstm else states[0].unsqueeze(0)
    out, finals = module(x, hx)
    out = out if sequences else out[:, -1]
    if not return_state:
        return out
    return [out, finals[0][0], finals[1][0]] if lstm else [out, finals[0]]
'''),
    "birnn_call": ((), '''

def birnn_call(module, x, units, sequences, merge_mode, return_state, states=()):
    """Keras's Bidirectional on a bidirectional batch_first torch.nn RNN: the directions'
    outputs merged by `merge_mode` (None: both), then with `return_state` the forward
    direction's final states and the backward one's. `states`: Keras's initial_state, the
    forward layer's states then the backward layer's ([h, c, h, c] for LSTM; () for zeros)."""
    lstm = isinstance(module, nn.LSTM)
    hx = None
    if states:
        k = len(states) // 2
        pairs = [torch.stack([states[i], states[k + i]]) for i in range(k)]   # (2, batch, units) each
        hx = tuple(pairs) if lstm else pairs[0]
    out, finals = module(x, hx)
    h = finals[0] if lstm else finals  # (2, batch, units)
    f, b = (out[..., :units], out[..., units:]) if sequences else (h[0], h[1])
    merged = {None: [f, b], "concat": [torch.cat([f, b], dim=-1)], "sum": [f + b], "mul": [f * b],
              "ave": [(f + b) / 2]}[merge_mode]
    if not return_state:
        return merged if len(merged) > 1 else merged[0]
    return merged + [s for d in (0, 1) for s in ([finals[0][d], finals[1][d]] if lstm else [finals[d]])]
'''),
}
