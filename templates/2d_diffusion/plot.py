"""Plots every run_* directory in the cwd: training-loss curves per dataset
(train_loss.png) and a grid of generated samples, one row per run and one column per
dataset (generated_samples.png). Writes the PNGs into the cwd.

Edit `labels` to choose which runs appear and what they are called.
"""
import os
import pickle

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

# run directory -> label. Only runs listed here (and present) are plotted.
labels = {
    "run_0": "Baseline",
}


def load_runs():
    runs = {}
    for run in sorted(d for d in os.listdir(".") if d.startswith("run_") and os.path.isdir(d)):
        path = os.path.join(run, "all_results.pkl")
        if run in labels and os.path.exists(path):
            with open(path, "rb") as f:
                runs[run] = pickle.load(f)
    return runs


def smooth(y, window=50):
    y = np.asarray(y)
    if len(y) < window:
        return y
    return np.convolve(y, np.ones(window) / window, mode="valid")


if __name__ == "__main__":
    runs = load_runs()
    if not runs:
        raise SystemExit("plot.py: no run_*/all_results.pkl for the runs named in `labels`")
    datasets = sorted({d for r in runs.values() for d in r})

    fig, axes = plt.subplots(1, len(datasets), figsize=(4 * len(datasets), 3.2), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        for run, results in runs.items():
            if dataset in results:
                ax.plot(smooth(results[dataset]["train_losses"]), label=labels[run])
        ax.set_title(dataset)
        ax.set_xlabel("step")
        ax.set_ylabel("loss (moving average)")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig("train_loss.png", dpi=120)
    plt.close(fig)

    fig, axes = plt.subplots(len(runs), len(datasets), figsize=(3 * len(datasets), 3 * len(runs)), squeeze=False)
    for i, (run, results) in enumerate(runs.items()):
        for j, dataset in enumerate(datasets):
            ax = axes[i][j]
            if dataset in results:
                pts = results[dataset]["images"]
                ax.scatter(pts[:, 0], pts[:, 1], s=1, alpha=0.5)
            ax.set_xlim(-2.5, 2.5)
            ax.set_ylim(-2.5, 2.5)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(dataset)
            if j == 0:
                ax.set_ylabel(labels[run])
    fig.tight_layout()
    fig.savefig("generated_samples.png", dpi=120)
    plt.close(fig)
