"""Grokking: delayed generalisation of a small transformer on algorithmic tasks, sized
for a CPU.

Tasks (each an operation table, half of it used for training):
  x_plus_y   (x + y) mod p        x_minus_y  (x - y) mod p
  x_div_y    x * y^-1 mod p (y != 0)
  permutation  composition of two permutations of 4 elements (the group S4)
Inputs are the token sequence [x, op, y, =]; the model predicts the result from the
last position. Model: one pre-LayerNorm transformer block (--layers for more), width 64,
4 heads, learned positions. AdamW (lr 3e-3, betas 0.9/0.98, weight decay 1.0), 10-step
linear warm-up, batches of up to 512 examples, 3 seeds. The 12 (task, seed) runs go to
--workers processes with one CPU thread each (small models run fastest that way).

Metrics per task, mean and standard error over seeds, in <out_dir>/final_info.json:
  final_train_loss, final_val_loss      (lower is better)
  final_train_acc, final_val_acc        (higher is better)
  step_val_acc_99  first step with validation accuracy >= 99%; the step budget if never
                   reached                                          (lower is better)
Curves go to <out_dir>/all_results.json for plot.py.
Default: p = 47, 2,500 steps (about 2.5 min on 2 CPU cores). --quick: p = 13, 20 steps,
1 seed, one process (tests).
"""
import argparse
import concurrent.futures
import itertools
import json
import math
import multiprocessing
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F



# ----------------------------------------------------------------------------- tasks
def modular_table(p, op):
    rows = []
    for x in range(p):
        for y in range(p):
            if op == "x_plus_y":
                rows.append((x, y, (x + y) % p))
            elif op == "x_minus_y":
                rows.append((x, y, (x - y) % p))
            elif op == "x_div_y" and y != 0:
                rows.append((x, y, (x * pow(y, p - 2, p)) % p))
    return rows, p


def permutation_table(k=4):
    perms = list(itertools.permutations(range(k)))
    index = {q: i for i, q in enumerate(perms)}
    rows = [(i, j, index[tuple(a[b[t]] for t in range(k))]) for i, a in enumerate(perms) for j, b in enumerate(perms)]
    return rows, len(perms)


TASKS = ["x_plus_y", "x_minus_y", "x_div_y", "permutation"]


def make_task(name, p, split_seed, train_fraction):
    rows, n_sym = permutation_table() if name == "permutation" else modular_table(p, name)
    op_tok, eq_tok = n_sym, n_sym + 1
    data = torch.tensor([[x, op_tok, y, eq_tok, r] for x, y, r in rows], dtype=torch.long)
    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(split_seed))
    n_train = int(train_fraction * len(data))
    return data[perm[:n_train]], data[perm[n_train:]], n_sym + 2


# ----------------------------------------------------------------------------- model
class Attention(nn.Module):
    """Multi-head causal self-attention. With last_only, only the last position asks
    (the one the prediction is read from), which saves most of the final block's work."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, h, last_only):
        batch, length, dim = h.shape
        q, k, v = self.qkv(h).split(dim, dim=-1)
        if last_only:
            q = q[:, -1:]

        def split_heads(t):
            return t.reshape(batch, t.shape[1], self.heads, dim // self.heads).transpose(1, 2)

        q, k, v = split_heads(q), split_heads(k), split_heads(v)
        scores = q @ k.transpose(-1, -2) / math.sqrt(dim // self.heads)
        if not last_only:  # the last position sees everything; the others only the past
            future = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
            scores = scores.masked_fill(future, float("-inf"))
        mixed = scores.softmax(dim=-1) @ v
        return self.out(mixed.transpose(1, 2).reshape(batch, q.shape[2], dim))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x, last_only):
        attended = self.attn(self.ln1(x), last_only)
        x = (x[:, -1:] if last_only else x) + attended
        return x + self.mlp(self.ln2(x))


class Transformer(nn.Module):
    def __init__(self, vocab, dim=64, heads=4, layers=1, seq_len=4):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(seq_len, dim)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)

    def forward(self, x):
        h = self.tok(x) + self.pos.weight[: x.shape[1]]
        for i, block in enumerate(self.blocks):
            h = block(h, last_only=i == len(self.blocks) - 1)
        return self.head(self.ln(h[:, -1]))


# ----------------------------------------------------------------------------- training
@torch.no_grad()
def evaluate(model, data):
    model.eval()
    logits = model(data[:, :4])
    loss = F.cross_entropy(logits, data[:, 4]).item()
    acc = (logits.argmax(-1) == data[:, 4]).float().mean().item()
    model.train()
    return loss, acc


def run(task, seed, cfg):
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(seed)
    train, val, vocab = make_task(task, cfg.p, seed, cfg.train_fraction)
    model = Transformer(vocab, cfg.dim, cfg.heads, cfg.layers)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.98), weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / cfg.warmup))
    gen = torch.Generator().manual_seed(seed)
    curve = {"step": [], "train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    step_99 = cfg.num_steps
    t0 = time.time()
    for step in range(cfg.num_steps):
        idx = torch.randperm(len(train), generator=gen)[: cfg.batch_size]
        batch = train[idx]
        loss = F.cross_entropy(model(batch[:, :4]), batch[:, 4])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if (step + 1) % cfg.eval_every == 0 or step + 1 == cfg.num_steps:
            tl, ta = evaluate(model, train)
            vl, va = evaluate(model, val)
            for k, v in (("step", step + 1), ("train_loss", tl), ("val_loss", vl), ("train_acc", ta), ("val_acc", va)):
                curve[k].append(v)
            if va >= 0.99 and step_99 == cfg.num_steps:
                step_99 = step + 1
    metrics = {
        "final_train_loss": curve["train_loss"][-1],
        "final_val_loss": curve["val_loss"][-1],
        "final_train_acc": curve["train_acc"][-1],
        "final_val_acc": curve["val_acc"][-1],
        "step_val_acc_99": float(step_99),
    }
    print(f"{task} seed {seed} ({time.time() - t0:.1f} s): " + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()),
          flush=True)
    return metrics, curve


def run_all(cfg):
    """Every (task, seed) run, cfg.workers at a time in separate processes (each run is
    seeded, so the results do not depend on the order); returns {(task, seed): result}."""
    jobs = [(task, seed) for task in cfg.tasks.split(",") for seed in range(cfg.seeds)]
    if cfg.workers <= 1:
        return {job: run(*job, cfg) for job in jobs}
    context = multiprocessing.get_context("spawn")  # no fork of a process that has started torch
    with concurrent.futures.ProcessPoolExecutor(cfg.workers, mp_context=context) as pool:
        futures = {job: pool.submit(run, *job, cfg) for job in jobs}
        return {job: future.result() for job, future in futures.items()}


def main():
    parser = argparse.ArgumentParser(description="grokking on algorithmic tasks")
    parser.add_argument("--out_dir", type=str, default="run_0")
    parser.add_argument("--tasks", type=str, default=",".join(TASKS))
    parser.add_argument("--p", type=int, default=47)
    parser.add_argument("--train_fraction", type=float, default=0.5)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--num_steps", type=int, default=2500)
    parser.add_argument("--batch_size", type=int, default=512)
    parser.add_argument("--eval_every", type=int, default=25)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight_decay", type=float, default=1.0)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--workers", type=int, default=None,
                        help="runs in parallel, one CPU thread each (default: the CPUs this run may use, at most 4; 1 with --quick)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run")
    parser.add_argument("--quick", action="store_true", help="a seconds-long run for smoke tests")
    cfg = parser.parse_args()
    if cfg.quick:
        cfg.num_steps, cfg.seeds, cfg.eval_every, cfg.p = 20, 1, 10, 13
    if cfg.workers is None:
        cfg.workers = 1 if cfg.quick else min(4, len(os.sched_getaffinity(0)))
    os.makedirs(cfg.out_dir, exist_ok=True)
    results = run_all(cfg)
    final_info, all_results = {}, {}
    for task in cfg.tasks.split(","):
        per_seed = [results[(task, seed)][0] for seed in range(cfg.seeds)]
        curves = [results[(task, seed)][1] for seed in range(cfg.seeds)]
        keys = list(per_seed[0])
        final_info[task] = {
            "means": {k: float(np.mean([m[k] for m in per_seed])) for k in keys},
            "stderrs": {k: float(np.std([m[k] for m in per_seed]) / math.sqrt(len(per_seed))) for k in keys},
        }
        all_results[task] = {k: np.mean([c[k] for c in curves], axis=0).tolist() for k in curves[0]}
    with open(os.path.join(cfg.out_dir, "final_info.json"), "w") as f:
        json.dump(final_info, f, indent=2)
    with open(os.path.join(cfg.out_dir, "all_results.json"), "w") as f:
        json.dump(all_results, f)


if __name__ == "__main__":
    main()
