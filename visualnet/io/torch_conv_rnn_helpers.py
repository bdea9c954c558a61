"""The exported PyTorch scripts' ConvLSTM module (merged into `torch_helpers.HELPERS`):
Keras's ConvLSTM1D and ConvLSTM2D on channels-last tensors, with Keras's weights converted
to torch's convolution layout by the script's `state_from` (kernel (*window, in, 4*filters)
-> weight_ih (4*filters, in, *window); the gate blocks i, f, c, o kept in Keras's order)."""

CONV_RNN_HELPERS = {
    "ConvLSTM": (("same_padding",), '''

class ConvLSTM(nn.Module):
    """Keras's ConvLSTM1D/2D over (batch, time, *spatial, channels): each step's input
    convolution with Keras's strides, padding and dilation, the state's recurrent convolution
    'same' with stride 1 and no bias, gates i, f, c, o. `activation` and
    `recurrent_activation` are functions of a tensor."""

    def __init__(self, rank, channels, filters, kernel_size, strides, padding, dilation, bias, activation,
                 recurrent_activation):
        super().__init__()
        self.rank, self.filters, self.kernel_size = rank, filters, list(kernel_size)
        self.strides, self.padding, self.dilation = list(strides), padding, list(dilation)
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.conv = (F.conv1d, F.conv2d)[rank - 1]
        self.weight_ih = nn.Parameter(torch.zeros(4 * filters, channels, *kernel_size))
        self.weight_hh = nn.Parameter(torch.zeros(4 * filters, filters, *kernel_size))
        self.bias = nn.Parameter(torch.zeros(4 * filters)) if bias else None

    def forward(self, x, sequences, return_state, go_backwards):
        x = x.movedim(-1, 2)                      # (batch, time, channels, *spatial)
        if go_backwards:
            x = x.flip(1)
        n, steps = x.shape[:2]
        frames = x.reshape(n * steps, *x.shape[2:])
        if self.padding == "same":
            span = [(k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation)]
            frames = same_padding(frames, span, self.strides)
        xw = self.conv(frames, self.weight_ih, self.bias, self.strides, 0, self.dilation)
        xw = xw.reshape(n, steps, *xw.shape[1:])
        h = xw.new_zeros(n, self.filters, *xw.shape[3:])
        c = torch.zeros_like(h)
        ones, outputs = [1] * self.rank, []
        for t in range(steps):
            z = xw[:, t] + self.conv(same_padding(h, self.kernel_size, ones), self.weight_hh)
            i, f, g, o = z.chunk(4, dim=1)
            c = self.recurrent_activation(f) * c + self.recurrent_activation(i) * self.activation(g)
            h = self.recurrent_activation(o) * self.activation(c)
            outputs.append(h)
        out = torch.stack(outputs, 1).movedim(2, -1) if sequences else h.movedim(1, -1)
        if not return_state:
            return out
        return [out, h.movedim(1, -1), c.movedim(1, -1)]
'''),
}
