"""Character-level GPT on Shakespeare, sized for a CPU.

Trains a small decoder-only transformer (pre-LayerNorm blocks, causal self-attention,
weight-tied embeddings) on data/input.txt for each seed, then writes
<out_dir>/final_info.json with the metrics averaged over seeds:

  final_train_loss   mean training loss of the last evaluation          (lower is better)
  best_val_loss      best validation loss seen during training           (lower is better)
  total_train_time   wall-clock training seconds                          (lower is better)
  avg_inference_tokens_per_second  sampling throughput                    (higher is better)

Curves are saved to <out_dir>/all_results.json for plot.py. The seeds train in parallel
in --workers processes with one torch thread each (faster than two threads in one
process for a model this small on a few cores).
Set SCI_SMOKE=1 (or pass --smoke) for a seconds-long run that exercises every code path.
"""
import argparse
import concurrent.futures
import json
import math
import multiprocessing
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F



# ----------------------------------------------------------------------------- model
class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size, dropout):
        super().__init__()
        assert n_embd % n_head == 0
        self.n_head = n_head
        self.qkv = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.proj = nn.Linear(n_embd, n_embd, bias=False)
        self.attn_drop = nn.Dropout(dropout)
        self.resid_drop = nn.Dropout(dropout)
        mask = torch.tril(torch.ones(block_size, block_size, dtype=torch.bool))
        self.register_buffer("mask", mask.view(1, 1, block_size, block_size), persistent=False)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        hs = c // self.n_head
        q = q.view(b, t, self.n_head, hs).transpose(1, 2)
        k = k.view(b, t, self.n_head, hs).transpose(1, 2)
        v = v.view(b, t, self.n_head, hs).transpose(1, 2)
        # torch 1.13 has no fused scaled_dot_product_attention: do it by hand.
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        att = att.masked_fill(~self.mask[:, :, :t, :t], float("-inf"))
        att = self.attn_drop(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.resid_drop(self.proj(y))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size, dropout)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd), nn.Dropout(dropout)
        )

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class CharGPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd, dropout):
        super().__init__()
        self.block_size = block_size
        self.tok = nn.Embedding(vocab_size, n_embd)
        self.pos = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([Block(n_embd, n_head, block_size, dropout) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)
        self.head.weight = self.tok.weight  # weight tying
        self.apply(self._init)
        for name, p in self.named_parameters():  # scaled init of residual projections
            if name.endswith("proj.weight") or name.endswith("mlp.2.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        t = idx.shape[1]
        pos = torch.arange(t, device=idx.device)
        x = self.drop(self.tok(idx) + self.pos(pos))
        for blk in self.blocks:
            x = blk(x)
        logits = self.head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=0.8, top_k=None):
        for _ in range(max_new_tokens):
            cond = idx[:, -self.block_size:]
            logits, _ = self(cond)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("inf")
            nxt = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)
            idx = torch.cat((idx, nxt), dim=1)
        return idx


# ----------------------------------------------------------------------------- data
def load_corpus(path):
    with open(path, "r", encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    n = int(0.9 * len(data))
    return torch.from_numpy(data[:n]), torch.from_numpy(data[n:]), chars


def get_batch(data, batch_size, block_size, gen):
    ix = torch.randint(len(data) - block_size - 1, (batch_size,), generator=gen)
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix])
    return x, y


# ----------------------------------------------------------------------------- training
def lr_at(it, cfg):
    if it < cfg["warmup_iters"]:
        return cfg["learning_rate"] * (it + 1) / cfg["warmup_iters"]
    frac = (it - cfg["warmup_iters"]) / max(1, cfg["max_iters"] - cfg["warmup_iters"])
    coeff = 0.5 * (1.0 + math.cos(math.pi * min(1.0, frac)))
    return cfg["min_lr"] + coeff * (cfg["learning_rate"] - cfg["min_lr"])


@torch.no_grad()
def estimate_loss(model, train, val, cfg, gen):
    model.eval()
    out = {}
    for name, data in (("train", train), ("val", val)):
        losses = []
        for _ in range(cfg["eval_iters"]):
            x, y = get_batch(data, cfg["batch_size"], cfg["block_size"], gen)
            _, loss = model(x, y)
            losses.append(loss.item())
        out[name] = float(np.mean(losses))
    model.train()
    return out


def train_one(seed, cfg, train, val, vocab_size):
    torch.set_num_threads(cfg["threads"])
    torch.manual_seed(seed)
    np.random.seed(seed)
    gen = torch.Generator().manual_seed(seed)
    eval_gen = torch.Generator().manual_seed(10_000 + seed)
    model = CharGPT(vocab_size, cfg["block_size"], cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["dropout"])
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg["learning_rate"], betas=(0.9, 0.99),
    )
    train_log, val_log = [], []
    best_val = float("inf")
    t0 = time.time()
    for it in range(cfg["max_iters"] + 1):
        if it % cfg["eval_interval"] == 0 or it == cfg["max_iters"]:
            losses = estimate_loss(model, train, val, cfg, eval_gen)
            val_log.append({"iter": it, "train": losses["train"], "val": losses["val"]})
            best_val = min(best_val, losses["val"])
            print(f"seed {seed} iter {it}: train {losses['train']:.4f} val {losses['val']:.4f}", flush=True)
        if it == cfg["max_iters"]:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(it, cfg)
        x, y = get_batch(train, cfg["batch_size"], cfg["block_size"], gen)
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
        opt.step()
        if it % cfg["log_interval"] == 0:
            train_log.append({"iter": it, "loss": loss.item()})
    train_time = time.time() - t0

    model.eval()
    start = torch.zeros((1, 1), dtype=torch.long)
    t1 = time.time()
    sample = model.generate(start, cfg["sample_tokens"], temperature=0.8, top_k=cfg["top_k"])
    tokens_per_s = cfg["sample_tokens"] / max(1e-9, time.time() - t1)
    return {
        "final_train_loss": val_log[-1]["train"],
        "best_val_loss": best_val,
        "total_train_time": train_time,
        "avg_inference_tokens_per_second": tokens_per_s,
        "train_log": train_log,
        "val_log": val_log,
        "sample_ids": sample[0].tolist(),
    }


def config(smoke):
    cfg = dict(
        block_size=64, batch_size=32, n_layer=3, n_head=4, n_embd=128, dropout=0.0,
        learning_rate=2e-3, min_lr=2e-4, warmup_iters=50, max_iters=500, weight_decay=0.1,
        grad_clip=1.0, eval_interval=50, eval_iters=10, log_interval=10, sample_tokens=200, top_k=20,
        seeds=[0, 1], threads=1,
    )
    if smoke:
        cfg.update(block_size=16, batch_size=8, n_layer=1, n_embd=32, n_head=2, max_iters=20, warmup_iters=5,
                   eval_interval=10, eval_iters=2, log_interval=5, sample_tokens=20, seeds=[0])
    return cfg


def train_seed(seed, cfg, corpus_path):
    """One seed from the corpus file: what a worker process runs."""
    train, val, chars = load_corpus(corpus_path)
    return train_one(seed, cfg, train, val, len(chars))


def train_all(cfg, corpus_path, workers):
    """Every seed, `workers` at a time in separate processes with cfg["threads"] torch
    threads each (one thread per process runs this small model fastest on a few cores);
    each seed is seeded, so the results do not depend on the order."""
    if workers <= 1:
        return [train_seed(seed, cfg, corpus_path) for seed in cfg["seeds"]]
    context = multiprocessing.get_context("spawn")  # no fork of a process that has started torch
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(train_seed, seed, cfg, corpus_path) for seed in cfg["seeds"]]
        return [future.result() for future in futures]


def main():
    parser = argparse.ArgumentParser(description="char-level GPT on Shakespeare")
    parser.add_argument("--out_dir", type=str, default="run_0")
    parser.add_argument("--smoke", action="store_true", help="tiny configuration (seconds)")
    parser.add_argument("--workers", type=int, default=None,
                        help="seeds trained in parallel (default: the CPUs this run may use, at most one per "
                             "seed; 1 with --smoke)")
    args = parser.parse_args()
    smoke = args.smoke or os.environ.get("SCI_SMOKE") == "1"
    cfg = config(smoke)
    workers = args.workers
    if workers is None:
        workers = 1 if smoke else min(len(cfg["seeds"]), len(os.sched_getaffinity(0)))
    os.makedirs(args.out_dir, exist_ok=True)

    here = os.path.dirname(os.path.abspath(__file__))
    corpus_path = os.path.join(here, "data", "input.txt")
    chars = load_corpus(corpus_path)[2]
    results = train_all(cfg, corpus_path, workers)

    metrics = ["final_train_loss", "best_val_loss", "total_train_time", "avg_inference_tokens_per_second"]
    means = {m: float(np.mean([r[m] for r in results])) for m in metrics}
    n = len(results)
    stderrs = {m: float(np.std([r[m] for r in results]) / math.sqrt(n)) for m in metrics}
    final_info = {"shakespeare_char": {"means": means, "stderrs": stderrs}}
    with open(os.path.join(args.out_dir, "final_info.json"), "w") as f:
        json.dump(final_info, f, indent=2)

    curves = {
        "shakespeare_char": [
            {"seed": s, "train_log": r["train_log"], "val_log": r["val_log"],
             "sample": "".join(chars[i] for i in r["sample_ids"])}
            for s, r in zip(cfg["seeds"], results)
        ],
        "config": cfg,
    }
    with open(os.path.join(args.out_dir, "all_results.json"), "w") as f:
        json.dump(curves, f)
    print(json.dumps(final_info, indent=2))


if __name__ == "__main__":
    main()
