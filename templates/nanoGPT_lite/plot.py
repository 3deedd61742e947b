"""Plots every run_* directory in the cwd: training and validation loss curves on
Shakespeare (mean over seeds). Writes train_loss.png and val_loss.png into the cwd.

Edit `labels` to choose which runs appear and what they are called in the legends.
"""
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

# run directory -> legend label. Only runs listed here (and present) are plotted.
labels = {
    "run_0": "Baseline",
}


def load_runs():
    runs = {}
    for run in sorted(d for d in os.listdir(".") if d.startswith("run_") and os.path.isdir(d)):
        path = os.path.join(run, "all_results.json")
        if run in labels and os.path.exists(path):
            with open(path) as f:
                runs[run] = json.load(f)["shakespeare_char"]
    return runs


def mean_curve(seeds, log, key):
    iters = [p["iter"] for p in seeds[0][log]]
    values = np.mean([[p[key] for p in s[log]] for s in seeds], axis=0)
    return iters, values


def figure(runs, log, key, ylabel, filename):
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for run, seeds in runs.items():
        iters, values = mean_curve(seeds, log, key)
        ax.plot(iters, values, label=labels[run])
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.set_title("shakespeare_char")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(filename, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    runs = load_runs()
    if not runs:
        raise SystemExit("plot.py: no run_*/all_results.json for the runs named in `labels`")
    figure(runs, "train_log", "loss", "training loss", "train_loss.png")
    figure(runs, "val_log", "val", "validation loss", "val_loss.png")
