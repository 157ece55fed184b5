#!/usr/bin/python3
"""The peer of savant-bench: the article's model trained by PyTorch on the same data.

Same IDX files, same architecture (784-128 ReLU-10, softmax cross-entropy; or with --model the
cnn, local or mixer model of src/savant/model/architecture.hpp, the peer of
bench/bench_models), Glorot-uniform
kernels and zero biases, Adam(lr 1e-3, betas 0.9/0.999, eps 1e-7), batch 32 with the last
partial batch used, 5 epochs with the order reshuffled every epoch, on N threads. Only the
training loop is timed (the images are scaled to float32 once, before it, which favours the
peer). PyTorch adds eps to sqrt(v_hat) where Keras and savant add it to sqrt(v); at 1e-7 the
difference does not show.

    bench/pytorch_peer.py [--data DIR] [--threads 2] [--repeats 1] [--epochs 5]
                          [--model mlp|cnn|local|mixer] [--grid 4]
    bench/pytorch_peer.py --model cnn --load cnn.safetensors   (a model savant trained:
        bench/bench_models --save DIR; prints the test accuracy PyTorch computes with it)

Prints the times of the runs (wall, and CPU time of the process: all its threads), then
`peer_cpu_seconds=MEDIAN` and `peer_train_seconds=MEDIAN` on the last line.
"""
import argparse
import gzip
import os
import statistics
import sys
import time

import numpy as np
import torch


def read_idx(directory, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                raw = f.read()
            ndim = raw[3]
            dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)
    sys.exit(f"pytorch_peer: no {stem}[.gz] in {directory}")


class Cnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = torch.nn.Linear(32 * 7 * 7, 128)
        self.fc2 = torch.nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(-1, 1, 28, 28)
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))


class Local(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(32, 32, 3, padding=1)
        self.conv3 = torch.nn.Conv2d(32, 10, 1)

    def forward(self, x):
        x = torch.relu(self.conv1(x.view(-1, 1, 28, 28)))
        return self.conv3(torch.relu(self.conv2(x))).mean(dim=(2, 3))


class Mixer(torch.nn.Module):
    def __init__(self, grid):
        super().__init__()
        self.grid, self.side = grid, 28 // grid
        tokens = grid * grid
        self.embed = torch.nn.Linear(self.side * self.side, 64)
        self.token_mlp = torch.nn.Sequential(torch.nn.Linear(tokens, 64), torch.nn.ReLU(),
                                             torch.nn.Linear(64, tokens))
        self.channel_mlp = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(),
                                               torch.nn.Linear(128, 64))
        self.head = torch.nn.Linear(64, 10)

    def forward(self, x):
        g, s = self.grid, self.side
        patches = x.view(-1, g, s, g, s).permute(0, 1, 3, 2, 4).reshape(-1, g * g, s * s)
        h = self.embed(patches)
        h = h + self.token_mlp(h.transpose(1, 2)).transpose(1, 2)
        h = h + self.channel_mlp(h)
        return self.head(h.mean(dim=1))


def make_model(name, grid):
    if name == "cnn":
        return Cnn()
    if name == "local":
        return Local()
    if name == "mixer":
        return Mixer(grid)
    return torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(),
                               torch.nn.Linear(128, 10))


def load_savant_model(path, name, grid):
    """A model savant saved (formats/arch_model_file.hpp) in the same PyTorch module, through
    load_state_dict: the names and shapes are the state_dict's."""
    import json
    with open(path, "rb") as f:
        raw = f.read()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + size])
    data = raw[8 + size:]
    state = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data[begin:end], dtype="<f4").copy()
        state[key] = torch.from_numpy(values.reshape(entry["shape"]))
    model = make_model(name, grid)
    model.load_state_dict(state)
    return model


def train_once(x, y, epochs, seed, name="mlp", grid=4):
    torch.manual_seed(seed)
    model = make_model(name, grid)
    for layer in model.modules():
        if isinstance(layer, (torch.nn.Linear, torch.nn.Conv2d)):
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        order = torch.randperm(n)
        correct = 0
        for begin in range(0, n, 32):
            idx = order[begin:begin + 32]
            xb, yb = x[idx], y[idx]
            logits = model(xb)
            loss = loss_fn(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            correct += (logits.argmax(1) == yb).sum().item()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return seconds, cpu, correct / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("SAVANT_DATA",
                                                         "/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--model", default="mlp", choices=["mlp", "cnn", "local", "mixer"])
    parser.add_argument("--grid", type=int, default=4, help="the mixer's grid (blocks a side)")
    parser.add_argument("--load", help="evaluate this savant model file instead of training")
    parser.add_argument("--images", type=int, default=0,
                        help="use only the first N training images (0: all); for quick checks")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    if args.load:
        model = load_savant_model(args.load, args.model, args.grid)
        images = read_idx(args.data, "t10k-images-idx3-ubyte")
        labels = read_idx(args.data, "t10k-labels-idx1-ubyte")
        x = torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / 255.0)
        with torch.no_grad():
            predicted = model(x).argmax(1).numpy()
        print(f"{args.load}: test accuracy {(predicted == labels).mean():.4f} (PyTorch)")
        return
    images = read_idx(args.data, "train-images-idx3-ubyte")
    labels = read_idx(args.data, "train-labels-idx1-ubyte")
    if args.images > 0:
        images, labels = images[:args.images], labels[:args.images]
    x = torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    print(f"pytorch {torch.__version__}, model {args.model}, {torch.get_num_threads()} thread(s), "
          f"BLAS: {'OpenBLAS' if 'openblas' in torch.__config__.show().lower() else 'see torch.__config__'}")
    times, cpus = [], []
    for r in range(args.repeats):
        seconds, cpu, accuracy = train_once(x, y, args.epochs, seed=r, name=args.model,
                                            grid=args.grid)
        times.append(seconds)
        cpus.append(cpu)
        print(f"run {r + 1}: {seconds:.3f} s, CPU {cpu:.3f} s, last-epoch training accuracy "
              f"{accuracy:.4f}", flush=True)
    print(f"peer_cpu_seconds={statistics.median(cpus):.4f}")
    print(f"peer_train_seconds={statistics.median(times):.4f}")


if __name__ == "__main__":
    main()
