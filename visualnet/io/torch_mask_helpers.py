"""The exported PyTorch scripts' helpers for Keras's masks (Embedding(mask_zero=True),
Masking): the recurrent layers and Bidirectional run with a mask as Keras runs them (a
masked step keeps the previous states and outputs the previous output, or zeros with
zero_output_for_mask), the mean of GlobalAveragePooling1D over the unmasked steps.

A right-padded mask (each sequence's real steps first) runs the torch.nn module on packed
sequences (`pack_padded_sequence`: cuDNN on a GPU); any other (padding in front or in the
middle, a go_backwards layer) runs a step loop over the module's own parameters with Keras's
gate order, which is exact for every mask. Keras reverses a backward layer's sequence as a
whole, padding included: its masked steps keep the zero state, so packing (which starts each
sequence's backward pass at its last real step) computes the same numbers."""

MASK_HELPERS = {
    "rnn_step": ((), '''

def rnn_step(module, gi, state, w_hh, b_hh):
    """One step of `module`'s cell (nn.RNN, nn.LSTM or nn.GRU, PyTorch's gate order) from
    gi = x_t . W_ih + b_ih and the states [h] or [h, c]; returns the new states."""
    gh = F.linear(state[0], w_hh, b_hh)
    if isinstance(module, nn.LSTM):
        i, f, g, o = (gi + gh).chunk(4, -1)
        c = torch.sigmoid(f) * state[1] + torch.sigmoid(i) * torch.tanh(g)
        return [torch.sigmoid(o) * torch.tanh(c), c]
    if isinstance(module, nn.GRU):  # reset_after: the reset gate scales the recurrent product (with its bias)
        ir, iz, i_n = gi.chunk(3, -1)
        hr, hz, h_n = gh.chunk(3, -1)
        r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        return [(1 - z) * torch.tanh(i_n + r * h_n) + z * state[0]]
    return [(torch.relu if module.nonlinearity == "relu" else torch.tanh)(gi + gh)]
'''),
    "masked_direction": (("rnn_step",), '''

def masked_direction(module, x, mask, states, suffix="", backwards=False, zero_output=False):
    """One direction of `module` (suffix '_reverse': a bidirectional module's backward one)
    over x (batch, steps, features) step by step as Keras runs it with `mask` (batch, steps):
    a masked step keeps the states and outputs the previous output (before the first, the
    initial h: zeros without initial states, as Keras; zeros always with `zero_output`).
    `backwards`: the sequence and mask reversed as a whole.
    Returns the outputs (batch, steps, units) in the order computed and the final states."""
    if backwards:
        x, mask = x.flip(1), mask.flip(1)
    p = {n: getattr(module, f"{n}_l0{suffix}", None) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    n, u = x.shape[0], module.hidden_size
    if not states:
        states = [x.new_zeros(n, u) for _ in range(2 if isinstance(module, nn.LSTM) else 1)]
    gi = F.linear(x, p["weight_ih"], p["bias_ih"])   # every step's input product at once
    zeros = x.new_zeros(n, u)
    out, outs = states[0], []
    for t in range(x.shape[1]):
        keep = mask[:, t].unsqueeze(-1)
        new = rnn_step(module, gi[:, t], states, p["weight_hh"], p["bias_hh"])
        states = [torch.where(keep, a, b) for a, b in zip(new, states)]
        out = torch.where(keep, new[0], zeros if zero_output else out)
        outs.append(out)
    return torch.stack(outs, 1), states
'''),
    "packable": ((), '''

def packable(mask):
    """The real lengths when `mask` (batch, steps) is right-padded with at least one real
    step per sequence (what packed sequences hold), else None."""
    lengths = mask.sum(1)
    steps = torch.arange(mask.shape[1], device=mask.device)
    if bool((lengths > 0).all()) and bool((mask == (steps < lengths.unsqueeze(1))).all()):
        return lengths
    return None


def run_packed(module, x, lengths, hx):
    """`module` on the first `lengths` steps of each sequence; the outputs padded with zeros."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    if bool((lengths == x.shape[1]).all()):
        return module(x, hx)
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    out, finals = module(packed, hx)
    return pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0], finals
'''),
    "masked_rnn": (("masked_direction", "packable"), '''

def masked_rnn(module, x, mask, states, sequences, return_state, backwards=False, zero_output=False):
    """A Keras recurrent layer with a mask on a batch_first torch.nn RNN: `states` the initial
    states ([h] or LSTM's [h, c]; [] for zeros); returns the output (every step's with
    `sequences`, else the last one) and, with `return_state`, the final states."""
    lstm = isinstance(module, nn.LSTM)
    lengths = None if backwards else packable(mask)
    if lengths is None:
        outs, finals = masked_direction(module, x, mask, states, "", backwards, zero_output)
        out = outs if sequences else outs[:, -1]
    else:
        hx = None
        if states:
            hx = tuple(s.unsqueeze(0) for s in states) if lstm else states[0].unsqueeze(0)
        outs, h = run_packed(module, x, lengths, hx)
        finals = [h[0][0], h[1][0]] if lstm else [h[0]]
        last = outs[torch.arange(x.shape[0], device=x.device), lengths - 1]   # the last real step's
        if sequences:   # a padded step outputs the last real output (zeros with zero_output)
            out = torch.where(mask.unsqueeze(-1), outs, torch.zeros_like(outs) if zero_output else last.unsqueeze(1))
        else:
            out = torch.where(mask[:, -1:], last, torch.zeros_like(last)) if zero_output else last
    return [out, *finals] if return_state else out
'''),
    "merge_directions": ((), '''

def merge_directions(f, b, merge_mode):
    """Keras's Bidirectional merge of the two directions' outputs (None: both, as a list)."""
    return {None: [f, b], "concat": [torch.cat([f, b], dim=-1)], "sum": [f + b], "mul": [f * b],
            "ave": [(f + b) / 2]}[merge_mode]
'''),
    "masked_birnn": (("masked_direction", "packable", "merge_directions"), '''

def masked_birnn(module, x, mask, states, units, sequences, merge_mode, return_state):
    """Keras's Bidirectional with a mask on a bidirectional batch_first torch.nn RNN: the
    backward layer reads the whole sequence reversed (mask too); with `sequences` its outputs
    return to step order and both directions output zeros at masked steps (Keras forces
    zero_output_for_mask). `states`: the forward layer's initial states then the backward
    one's ([] for zeros). Returns the merged output(s), then with `return_state` the forward
    layer's final states and the backward one's."""
    lstm = isinstance(module, nn.LSTM)
    k = len(states) // 2
    lengths = packable(mask)
    if lengths is None:
        f, finals_f = masked_direction(module, x, mask, states[:k], "", False, sequences)
        b, finals_b = masked_direction(module, x, mask, states[k:], "_reverse", True, sequences)
        f, b = (f, b.flip(1)) if sequences else (f[:, -1], b[:, -1])
        finals = finals_f + finals_b
    else:
        hx = None
        if states:
            pairs = [torch.stack([states[i], states[k + i]]) for i in range(k)]
            hx = tuple(pairs) if lstm else pairs[0]
        out, h = run_packed(module, x, lengths, hx)
        h_n = h[0] if lstm else h
        f, b = (out[..., :units], out[..., units:]) if sequences else (h_n[0], h_n[1])
        finals = [s for d in (0, 1) for s in ([h[0][d], h[1][d]] if lstm else [h[d]])]
    merged = merge_directions(f, b, merge_mode)
    if not return_state:
        return merged if len(merged) > 1 else merged[0]
    return merged + finals
'''),
    "masked_average": ((), '''

def masked_average(x, mask, keepdims):
    """Keras's GlobalAveragePooling1D with a mask: the mean over the unmasked steps (NaN for a
    sequence without any, as in Keras)."""
    w = mask.to(x.dtype).unsqueeze(-1)
    y = (x * w).sum(1) / w.sum(1)
    return y.unsqueeze(1) if keepdims else y
'''),
    "concat_mask": ((), '''

def concat_mask(xs, masks, axis):
    """Keras's Concatenate mask: each input's mask over its features (all True without
    one), concatenated along `axis`, then any over the last axis."""
    full = [torch.ones_like(x, dtype=torch.bool) if m is None else
            m.unsqueeze(-1).expand(x.shape) if m.dim() < x.dim() else m for x, m in zip(xs, masks)]
    return torch.cat(full, dim=axis).any(-1)
'''),
}
