"""Grokking: delayed generalisation of a small transformer on algorithmic tasks, sized
for a CPU.

Tasks (each an operation table, half of it used for training):
  x_plus_y   (x + y) mod p        x_minus_y  (x - y) mod p
  x_div_y    x * y^-1 mod p (y != 0)
  permutation  composition of two permutations of 4 elements (the group S4)
Inputs are the token sequence [x, op, y, =]; the model predicts the result from the
last position. Model: 2 pre-LayerNorm transformer blocks, width 128, 4 heads, learned
positions. AdamW (lr 1e-3, betas 0.9/0.98, weight decay 0.5), 10-step linear warm-up,
full batches of up to 512 examples, 3 seeds.

Metrics per task, mean and standard error over seeds, in <out_dir>/final_info.json:
  final_train_loss, final_val_loss      (lower is better)
  final_train_acc, final_val_acc        (higher is better)
  step_val_acc_99  first step with validation accuracy >= 99%; the step budget if never
                   reached                                          (lower is better)
Curves go to <out_dir>/all_results.json for plot.py.
Default: p = 47, 2,500 steps. --quick: p = 13, 20 steps, 1 seed, one thread (tests).
"""
import argparse
import itertools
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)


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
class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x, mask):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class Transformer(nn.Module):
    def __init__(self, vocab, dim=128, heads=4, layers=2, seq_len=4):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(seq_len, dim)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)
        mask = torch.triu(torch.ones(seq_len, seq_len, dtype=torch.bool), diagonal=1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x):
        h = self.tok(x) + self.pos(torch.arange(x.shape[1]))
        for b in self.blocks:
            h = b(h, self.mask)
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
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--weight_decay", type=float, default=0.5)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="a seconds-long run for smoke tests")
    cfg = parser.parse_args()
    if cfg.quick:
        cfg.num_steps, cfg.seeds, cfg.eval_every, cfg.p = 20, 1, 10, 13
        torch.set_num_threads(1)
    os.makedirs(cfg.out_dir, exist_ok=True)
    final_info, all_results = {}, {}
    for task in cfg.tasks.split(","):
        per_seed, curves = [], []
        for seed in range(cfg.seeds):
            m, c = run(task, seed, cfg)
            per_seed.append(m)
            curves.append(c)
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
