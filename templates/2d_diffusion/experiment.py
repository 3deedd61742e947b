"""Denoising diffusion (DDPM) on four 2D point datasets, sized for a CPU.

An MLP denoiser with sinusoidal embeddings of the inputs and of the timestep predicts
the noise added at a random step of a linear-beta forward process; sampling runs the
reverse process from Gaussian noise. Datasets: circle, dino (the Datasaurus dino,
data/dino.tsv), line, moons - 100,000 training points each, rescaled to about [-2, 2].

Metrics per dataset, written to <out_dir>/final_info.json in the AI-Scientist format:
  training_time   wall-clock seconds of training                         (lower is better)
  eval_loss       noise-prediction MSE on held-out points and timesteps  (lower is better)
  inference_time  seconds to generate the evaluation samples             (lower is better)
  kl_divergence   k-NN estimate of KL(real || generated)                 (lower is better)
Generated samples and loss curves go to <out_dir>/all_results.pkl for plot.py.

Default (CPU) scale: 5,000 steps, batch 256, 3 residual blocks of width 128, 100
diffusion steps, 2,000 evaluation samples; the datasets train in parallel in --workers
processes with one torch thread each (about a minute on 2 CPU cores).
--quick: 30 steps, 20 diffusion steps, 200 samples, one process: proves the code path
in seconds (tests); not for results.
"""
import argparse
import concurrent.futures
import json
import math
import multiprocessing
import os
import pickle
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy.spatial import cKDTree

HERE = os.path.dirname(os.path.abspath(__file__))


# ----------------------------------------------------------------------------- data
def circle(n, rng):
    t = rng.uniform(0, 2 * np.pi, n)
    r = 1.0 + rng.normal(0, 0.03, n)
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


def line(n, rng):
    x = rng.uniform(-1, 1, n)
    return np.stack([x, 0.5 * x + rng.normal(0, 0.02, n)], axis=1)


def moons(n, rng):
    k = n // 2
    t = rng.uniform(0, np.pi, n)
    a = np.stack([np.cos(t[:k]), np.sin(t[:k])], axis=1)
    b = np.stack([1 - np.cos(t[k:]), 0.5 - np.sin(t[k:])], axis=1)
    x = np.concatenate([a, b]) + rng.normal(0, 0.05, (n, 2))
    return (x - np.array([0.5, 0.25])) * np.array([1.0, 2.0])


def dino(n, rng):
    pts = []
    with open(os.path.join(HERE, "data", "dino.tsv")) as f:
        next(f)
        for row in f:
            name, x, y = row.strip().split("\t")
            if name == "dino":
                pts.append((float(x), float(y)))
    pts = np.array(pts)
    idx = rng.integers(0, len(pts), n)
    return pts[idx] + rng.normal(0, 0.5, (n, 2))  # light jitter in data units (coordinates ~20-100)


DATASETS = {"circle": circle, "dino": dino, "line": line, "moons": moons}


def make_data(name, n, seed):
    x = DATASETS[name](n, np.random.default_rng(seed)).astype(np.float32)
    x = (x - x.mean(axis=0)) / x.std(axis=0).max()  # about unit scale, shape preserved
    return x


# ----------------------------------------------------------------------------- model
class SinusoidalEmbedding(nn.Module):
    def __init__(self, size, scale=1.0):
        super().__init__()
        half = size // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half) / (half - 1))
        self.register_buffer("freqs", freqs, persistent=False)
        self.scale = scale

    def forward(self, x):
        a = (x * self.scale).unsqueeze(-1) * self.freqs
        return torch.cat([torch.sin(a), torch.cos(a)], dim=-1)


class ResidualBlock(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.ff = nn.Linear(width, width)

    def forward(self, x):
        return x + F.gelu(self.ff(x))


class Denoiser(nn.Module):
    def __init__(self, width=128, blocks=3, emb=64):
        super().__init__()
        self.t_emb = SinusoidalEmbedding(emb)
        self.x_emb = SinusoidalEmbedding(emb, scale=25.0)
        self.y_emb = SinusoidalEmbedding(emb, scale=25.0)
        self.net = nn.Sequential(
            nn.Linear(3 * emb, width), nn.GELU(), *[ResidualBlock(width) for _ in range(blocks)], nn.Linear(width, 2)
        )

    def forward(self, x, t):
        h = torch.cat([self.x_emb(x[:, 0]), self.y_emb(x[:, 1]), self.t_emb(t.float())], dim=-1)
        return self.net(h)


class Schedule:
    """Linear-beta DDPM forward process and the ancestral sampler."""

    def __init__(self, steps, beta_start=1e-4, beta_end=0.02):
        self.steps = steps
        self.betas = torch.linspace(beta_start, beta_end, steps)
        self.alphas = 1.0 - self.betas
        self.abar = torch.cumprod(self.alphas, dim=0)

    def add_noise(self, x0, noise, t):
        a = self.abar[t].unsqueeze(-1)
        return a.sqrt() * x0 + (1 - a).sqrt() * noise

    @torch.no_grad()
    def sample(self, model, n, gen):
        x = torch.randn(n, 2, generator=gen)
        for t in reversed(range(self.steps)):
            tt = torch.full((n,), t, dtype=torch.long)
            eps = model(x, tt)
            a, ab, b = self.alphas[t], self.abar[t], self.betas[t]
            mean = (x - b / (1 - ab).sqrt() * eps) / a.sqrt()
            if t > 0:
                var = b * (1 - self.abar[t - 1]) / (1 - ab)
                x = mean + var.sqrt() * torch.randn(n, 2, generator=gen)
            else:
                x = mean
        return x


# ----------------------------------------------------------------------------- metrics
def knn_kl_divergence(p, q, k=5):
    """k-NN estimate of KL(P || Q) from samples p ~ P (n x d) and q ~ Q (m x d)
    (Wang, Kulkarni and Verdu, 2009): d/n * sum log(nu_k / rho_k) + log(m / (n - 1))."""
    n, d = p.shape
    m = q.shape[0]
    rho = cKDTree(p).query(p, k=k + 1)[0][:, k]  # k-th neighbour in P, excluding the point itself
    nu = cKDTree(q).query(p, k=k)[0][:, k - 1]
    rho = np.maximum(rho, 1e-12)
    nu = np.maximum(nu, 1e-12)
    return float(d * np.mean(np.log(nu / rho)) + math.log(m / (n - 1)))


# ----------------------------------------------------------------------------- training
def run(dataset, cfg):
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    train = torch.from_numpy(make_data(dataset, cfg.n_train, cfg.seed))
    heldout = torch.from_numpy(make_data(dataset, cfg.n_eval, cfg.seed + 1))
    model = Denoiser(cfg.width, cfg.blocks)
    sched = Schedule(cfg.diffusion_steps)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.0)
    lr_sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.train_steps)
    losses = []
    start = time.time()
    model.train()
    for step in range(cfg.train_steps):
        idx = torch.randint(0, len(train), (cfg.batch_size,), generator=gen)
        x0 = train[idx]
        noise = torch.randn(x0.shape, generator=gen)
        t = torch.randint(0, sched.steps, (len(x0),), generator=gen)
        loss = F.mse_loss(model(sched.add_noise(x0, noise, t), t), noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        lr_sched.step()
        losses.append(loss.item())
    training_time = time.time() - start

    model.eval()
    with torch.no_grad():
        egen = torch.Generator().manual_seed(cfg.seed + 2)
        noise = torch.randn(heldout.shape, generator=egen)
        t = torch.randint(0, sched.steps, (len(heldout),), generator=egen)
        eval_loss = F.mse_loss(model(sched.add_noise(heldout, noise, t), t), noise).item()
    start = time.time()
    samples = sched.sample(model, cfg.n_eval, torch.Generator().manual_seed(cfg.seed + 3)).numpy()
    inference_time = time.time() - start
    kl = knn_kl_divergence(heldout.numpy(), samples)
    metrics = {"training_time": training_time, "eval_loss": eval_loss, "inference_time": inference_time,
               "kl_divergence": kl}
    return metrics, {"train_losses": losses, "images": samples}


def run_all(cfg):
    """Every dataset, cfg.workers at a time in separate processes (each run is seeded, so
    the results do not depend on the order); returns {dataset: (metrics, extra)}."""
    datasets = cfg.datasets.split(",")
    if cfg.workers <= 1:
        return {name: run(name, cfg) for name in datasets}
    context = multiprocessing.get_context("spawn")  # no fork of a process that has started torch
    with concurrent.futures.ProcessPoolExecutor(cfg.workers, mp_context=context) as pool:
        futures = {name: pool.submit(run, name, cfg) for name in datasets}
        return {name: future.result() for name, future in futures.items()}


def main():
    parser = argparse.ArgumentParser(description="DDPM on 2D datasets")
    parser.add_argument("--out_dir", type=str, default="run_0")
    parser.add_argument("--datasets", type=str, default=",".join(DATASETS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n_train", type=int, default=100_000)
    parser.add_argument("--n_eval", type=int, default=2_000)
    parser.add_argument("--train_steps", type=int, default=5_000)
    parser.add_argument("--batch_size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--diffusion_steps", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None,
                        help="datasets trained in parallel, one CPU thread each (default: the CPUs this run may use, at most 4; 1 with --quick)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per dataset")
    parser.add_argument("--quick", action="store_true", help="a seconds-long run for smoke tests")
    cfg = parser.parse_args()
    if cfg.quick:
        cfg.train_steps, cfg.n_eval, cfg.n_train, cfg.diffusion_steps = 30, 200, 2_000, 20
    if cfg.workers is None:
        cfg.workers = 1 if cfg.quick else min(4, len(os.sched_getaffinity(0)))
    os.makedirs(cfg.out_dir, exist_ok=True)
    results = run_all(cfg)
    final_info, all_results = {}, {}
    for dataset in cfg.datasets.split(","):
        metrics, extra = results[dataset]
        print(f"{dataset}: " + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()), flush=True)
        final_info[dataset] = {"means": metrics}
        all_results[dataset] = extra
    with open(os.path.join(cfg.out_dir, "final_info.json"), "w") as f:
        json.dump(final_info, f, indent=2)
    with open(os.path.join(cfg.out_dir, "all_results.pkl"), "wb") as f:
        pickle.dump(all_results, f)


if __name__ == "__main__":
    main()
