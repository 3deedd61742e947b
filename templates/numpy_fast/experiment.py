"""Small neural networks on four 2D classification problems, in numpy only.

A two-hidden-layer MLP (tanh by default) is trained with mini-batch SGD + momentum on
each dataset for several seeds; this is the baseline the research ideas change
(optimisers, schedules, initialisation, activations, regularisation, architectures).

Datasets (generated deterministically, no downloads): moons, circles, spirals (3
classes) and xor (four Gaussian blobs). Metrics, averaged over seeds, written to
<out_dir>/final_info.json in the AI-Scientist format:

  test_accuracy     accuracy on the held-out split            (higher is better)
  test_loss         cross-entropy on the held-out split       (lower is better)
  final_train_loss  mean training cross-entropy, last epoch   (lower is better)
  train_time_s      wall-clock training seconds               (lower is better)

Per-epoch curves go to <out_dir>/all_results.json for plot.py.
Runs in a few seconds on 2 CPU cores; --quick makes it shorter still (tests).
"""
import os

# One BLAS thread: the matrices are tiny, and a single thread keeps runs reproducible.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import time

import numpy as np

# ----------------------------------------------------------------------------- data
N_TRAIN = 600
N_TEST = 400


def make_moons(n, rng, noise=0.25):
    n0 = n // 2
    n1 = n - n0
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    a = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    b = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = np.concatenate([a, b]) + rng.normal(0.0, noise, (n, 2))
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    return x, y


def make_circles(n, rng, noise=0.15, factor=0.6):
    n0 = n // 2
    n1 = n - n0
    t0 = rng.uniform(0.0, 2 * np.pi, n0)
    t1 = rng.uniform(0.0, 2 * np.pi, n1)
    a = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    b = factor * np.stack([np.cos(t1), np.sin(t1)], axis=1)
    x = np.concatenate([a, b]) + rng.normal(0.0, noise, (n, 2))
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    return x, y


def make_spirals(n, rng, classes=3, noise=0.35):
    xs, ys = [], []
    per = n // classes
    for c in range(classes):
        m = per if c < classes - 1 else n - per * (classes - 1)
        r = np.linspace(0.05, 1.0, m)
        t = np.linspace(c * 4.0, (c + 1) * 4.0, m) + rng.normal(0.0, noise, m)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(m, c, dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ys)


def make_xor(n, rng, spread=0.5):
    centers = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    labels = np.array([0, 0, 1, 1])
    idx = rng.integers(0, 4, n)
    x = centers[idx] + rng.normal(0.0, spread, (n, 2))
    return x, labels[idx].astype(np.int64)


DATASETS = {"moons": make_moons, "circles": make_circles, "spirals": make_spirals, "xor": make_xor}


def load_dataset(name, data_seed=1234):
    """Train/test split of one dataset; the same for every run (fixed data seed)."""
    rng = np.random.default_rng(data_seed + sum(map(ord, name)))
    x, y = DATASETS[name](N_TRAIN + N_TEST, rng)
    perm = rng.permutation(len(y))
    x, y = x[perm], y[perm]
    mean, std = x[:N_TRAIN].mean(axis=0), x[:N_TRAIN].std(axis=0) + 1e-8
    x = (x - mean) / std
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


# ----------------------------------------------------------------------------- model
ACTIVATIONS = {
    "tanh": (np.tanh, lambda h: 1.0 - h * h),
    "relu": (lambda z: np.maximum(z, 0.0), lambda h: (h > 0.0).astype(h.dtype)),
}


class MLP:
    """Fully connected network; parameters in a flat list [W1, b1, W2, b2, ...]."""

    def __init__(self, sizes, activation, rng):
        self.act, self.dact = ACTIVATIONS[activation]
        self.params = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            # Glorot-uniform weights, zero biases.
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            self.params.append(rng.uniform(-limit, limit, (fan_in, fan_out)))
            self.params.append(np.zeros(fan_out))

    def forward(self, x):
        hs = [x]
        h = x
        n_layers = len(self.params) // 2
        for i in range(n_layers):
            z = h @ self.params[2 * i] + self.params[2 * i + 1]
            h = self.act(z) if i < n_layers - 1 else z
            hs.append(h)
        return hs  # hs[-1] are the logits

    def loss_and_grads(self, x, y):
        hs = self.forward(x)
        logits = hs[-1]
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        n = len(y)
        loss = -np.log(p[np.arange(n), y] + 1e-12).mean()
        d = p
        d[np.arange(n), y] -= 1.0
        d /= n
        grads = [None] * len(self.params)
        n_layers = len(self.params) // 2
        for i in reversed(range(n_layers)):
            grads[2 * i] = hs[i].T @ d
            grads[2 * i + 1] = d.sum(axis=0)
            if i > 0:
                d = (d @ self.params[2 * i].T) * self.dact(hs[i])
        return loss, grads

    def evaluate(self, x, y):
        logits = self.forward(x)[-1]
        logits = logits - logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        loss = -logp[np.arange(len(y)), y].mean()
        acc = (logits.argmax(axis=1) == y).mean()
        return float(loss), float(acc)


class SGDMomentum:
    def __init__(self, params, lr, momentum, weight_decay):
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.velocity = [np.zeros_like(p) for p in params]

    def step(self, params, grads):
        for p, g, v in zip(params, grads, self.velocity):
            if self.weight_decay and p.ndim > 1:
                g = g + self.weight_decay * p
            v *= self.momentum
            v -= self.lr * g
            p += v


# ----------------------------------------------------------------------------- training
def train_one(dataset, seed, cfg):
    x_tr, y_tr, x_te, y_te = load_dataset(dataset)
    n_classes = int(y_tr.max()) + 1
    rng = np.random.default_rng(seed)
    model = MLP([2] + [cfg.hidden] * cfg.layers + [n_classes], cfg.activation, rng)
    opt = SGDMomentum(model.params, cfg.lr, cfg.momentum, cfg.weight_decay)
    curve = {"train_loss": [], "test_loss": [], "test_accuracy": []}
    start = time.perf_counter()
    for _ in range(cfg.epochs):
        perm = rng.permutation(len(y_tr))
        losses = []
        for i in range(0, len(perm), cfg.batch_size):
            idx = perm[i : i + cfg.batch_size]
            loss, grads = model.loss_and_grads(x_tr[idx], y_tr[idx])
            opt.step(model.params, grads)
            losses.append(loss)
        te_loss, te_acc = model.evaluate(x_te, y_te)
        curve["train_loss"].append(float(np.mean(losses)))
        curve["test_loss"].append(te_loss)
        curve["test_accuracy"].append(te_acc)
    train_time = time.perf_counter() - start
    te_loss, te_acc = model.evaluate(x_te, y_te)
    metrics = {
        "test_accuracy": te_acc,
        "test_loss": te_loss,
        "final_train_loss": curve["train_loss"][-1],
        "train_time_s": train_time,
    }
    return metrics, curve


def main():
    parser = argparse.ArgumentParser(description="numpy MLP baseline on four 2D datasets")
    parser.add_argument("--out_dir", type=str, default="run_0")
    parser.add_argument("--datasets", type=str, default=",".join(DATASETS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--activation", type=str, default="tanh", choices=sorted(ACTIVATIONS))
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight_decay", type=float, default=0.0)
    parser.add_argument("--quick", action="store_true", help="a seconds-long run for smoke tests")
    cfg = parser.parse_args()
    if cfg.quick:
        cfg.epochs, cfg.seeds = 5, 1

    os.makedirs(cfg.out_dir, exist_ok=True)
    final_info, all_results = {}, {}
    for dataset in cfg.datasets.split(","):
        per_seed, curves = [], []
        for seed in range(cfg.seeds):
            metrics, curve = train_one(dataset, seed, cfg)
            per_seed.append(metrics)
            curves.append(curve)
            print(f"{dataset} seed {seed}: " + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()), flush=True)
        means = {k: float(np.mean([m[k] for m in per_seed])) for k in per_seed[0]}
        stderrs = {
            k: float(np.std([m[k] for m in per_seed]) / np.sqrt(len(per_seed))) for k in per_seed[0]
        }
        final_info[dataset] = {"means": means, "stderrs": stderrs}
        all_results[dataset] = {
            key: np.mean([c[key] for c in curves], axis=0).tolist() for key in curves[0]
        }
    with open(os.path.join(cfg.out_dir, "final_info.json"), "w") as f:
        json.dump(final_info, f, indent=2)
    with open(os.path.join(cfg.out_dir, "all_results.json"), "w") as f:
        json.dump(all_results, f)


if __name__ == "__main__":
    main()
