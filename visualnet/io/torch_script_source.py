"""The PyTorch script's source for saving its weights in Keras's order (`keras_arrays`,
`save_weights`) and for training (`train`, under torchrun `train_distributed`, `predict`,
the loss with the output's mask): text written into every exported PyTorch script."""

SAVE_SOURCE = '''

def keras_arrays(model):
    """The model's weights as Keras-ordered arrays: `state_from` traced backwards (each Keras
    element gets a unique number; where it lands in the state says where the value comes from)."""
    ids, start = {}, 1
    for key, shape in KERAS_SHAPES.items():
        size = int(np.prod(shape))
        ids[key] = np.arange(start, start + size, dtype=np.float64).reshape(shape)
        start += size
    flat = np.zeros(start - 1, dtype=np.float32)
    seen = np.zeros(start - 1, dtype=bool)
    state = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
    traced = {k: np.asarray(v, dtype=np.float64) for k, v in state_from(ids).items()}
    for name, where in traced.items():
        if where.any() or not state[name].any():
            continue
        # a PyTorch part Keras does not have (the exported value was 0) that training changed
        if "bias_hh" not in name or name.replace("bias_hh", "bias_ih") not in traced:
            raise RuntimeError(f"{name} has no counterpart in Keras's weights; cannot save them in Keras's order")
        # the recurrent layers' second bias: b_ih and b_hh are added together, Keras keeps their sum
        state[name.replace("bias_hh", "bias_ih")] += state[name]
    for name, where in traced.items():
        where = where.ravel()
        hit = where > 0
        positions = where[hit].astype(np.int64) - 1
        flat[positions] = state[name].ravel()[hit]
        seen[positions] = True
    if not seen.all():
        raise RuntimeError("some Keras weights have no PyTorch counterpart; cannot save them in Keras's order")
    out, start = {}, 0
    for key, shape in KERAS_SHAPES.items():
        size = int(np.prod(shape))
        out[key] = flat[start:start + size].reshape(shape)
        start += size
    return out


def save_weights(model, path):
    """The weights as plain Keras-ordered arrays "<layer name>/<index>" (np.savez: no pickles),
    which VisualNet reads back (model.load_weights, its import-weights command)."""
    np.savez(path, **keras_arrays(model))
'''


RUN_SOURCE = '''

def distributed_context():
    """(rank, world size, device). Under `torchrun --nproc_per_node N` (which sets WORLD_SIZE),
    joins the process group: NCCL when CUDA is there, gloo on CPUs. Plain `python`: (0, 1, cpu)."""
    import torch.distributed as dist

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return 0, 1, torch.device("cpu")
    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    device = torch.device("cpu")
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    return dist.get_rank(), dist.get_world_size(), device


def end_distributed():
    """Leave the process group together: after a barrier (rank 0 may still be saving or
    predicting) and after the DDP objects are collected, which otherwise die with the
    interpreter, after the group, and abort the process ("terminate called ...")."""
    import gc

    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        gc.collect()
        dist.destroy_process_group()


def batch_correct(p, y):
    """How many of the batch's predictions are right, as Keras's "accuracy" reads the loss."""
    if LOSS_NAME == "binary_crossentropy":
        return float(((p > 0.5).float() == y).float().mean(dim=-1).sum())
    if LOSS_NAME == "sparse_categorical_crossentropy":
        return float((p.argmax(dim=-1) == y.reshape(-1).long()).float().sum())
    if LOSS_NAME == "categorical_crossentropy":
        return float((p.argmax(dim=-1) == y.argmax(dim=-1)).float().sum())
    return None


def reduced_loss(loss_fn, model, p, y):
    """The batch's loss; when the model's output carries a mask (`model.output_mask`, set by
    its forward), Keras's: the mean over the unmasked entries."""
    mask = getattr(model, "output_mask", None)
    if mask is None:
        return loss_fn(p, y)
    config = LOSS.get("config", {}) if isinstance(LOSS, dict) else {}
    values = keras_loss(LOSS_NAME, {**config, "reduction": "none"})(p, y)
    mask = mask.to(values.dtype)
    return (values * mask).sum() / (mask.sum() + EPSILON)


def predict(model, x, batch_size=256):
    model.train(False)
    xs = x if isinstance(x, (list, tuple)) else [x]
    out = []
    with torch.no_grad():
        for i in range(0, len(xs[0]), batch_size):
            out.append(model(*[torch.as_tensor(np.asarray(v[i:i + batch_size], dtype=np.float32)) for v in xs]))
    return torch.cat(out).numpy()


def train(model, x, y):
    xs = [torch.as_tensor(np.asarray(v, dtype=np.float32)) for v in (x if isinstance(x, (list, tuple)) else [x])]
    y = torch.as_tensor(np.asarray(y, dtype=np.float32))
    loss_fn = keras_loss(LOSS_NAME)
    rank, world, device = distributed_context()
    if world > 1:
        return train_distributed(model, xs, y, loss_fn, rank, world, device)
    optimizer = make_optimizer(model)
    n = len(y)
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(n) if SHUFFLE else torch.arange(n)
        total = 0.0
        for i in range(0, n, BATCH_SIZE):
            idx = order[i:i + BATCH_SIZE]
            optimizer.zero_grad()
            model.penalty = 0.0  # what the activity regularizers (and ActivityRegularization) add to the loss
            loss = reduced_loss(loss_fn, model, model(*[v[idx] for v in xs]), y[idx]) + model.penalty \
                + weight_penalty(model)
            loss.backward()
            optimizer.step()
            apply_constraints(model)  # Keras applies the weights' constraints after each update
            total += float(loss.detach()) * len(idx)
        print(f"epoch {epoch + 1}/{EPOCHS} - loss: {total / n:.4f}")
    return model


def train_distributed(model, xs, y, loss_fn, rank, world, device, seed=0):
    """DistributedDataParallel: each of the `world` processes trains on its shard of the data
    (a DistributedSampler, reshuffled each epoch) with BATCH_SIZE samples per step, the gradients
    averaged across processes; the epoch's loss and accuracy are summed over all processes."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

    model.to(device)
    ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None,
                                  gradient_as_bucket_view=True)
    optimizer = make_optimizer(model)
    data = TensorDataset(*xs, y)
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=SHUFFLE, seed=seed)
    batches = DataLoader(data, batch_size=BATCH_SIZE, sampler=sampler)
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)
        model.train()
        sums = torch.zeros(3, dtype=torch.float64, device=device)  # loss x samples, correct, samples
        for *bx, by in batches:
            bx, by = [v.to(device) for v in bx], by.to(device)
            optimizer.zero_grad()
            model.penalty = 0.0
            p = ddp(*bx)
            loss = reduced_loss(loss_fn, model, p, by) + model.penalty + weight_penalty(model)
            loss.backward()
            optimizer.step()
            apply_constraints(model)
            correct = batch_correct(p.detach(), by)
            sums += torch.tensor([float(loss.detach()) * len(by), correct or 0.0, len(by)], dtype=torch.float64,
                                 device=device)
        dist.all_reduce(sums)
        if rank == 0:
            accuracy = f" - accuracy: {float(sums[1] / sums[2]):.4f}" if correct is not None else ""
            print(f"epoch {epoch + 1}/{EPOCHS} - loss: {float(sums[0] / sums[2]):.4f}{accuracy} "
                  f"({world} processes)", flush=True)
    del ddp  # its reducer holds the process group; end_distributed collects what is left
    model.to("cpu")
    return model
'''
