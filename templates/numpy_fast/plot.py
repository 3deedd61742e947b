"""Plots every run_* directory in the cwd: training-loss and test-accuracy curves per
dataset, and a bar chart of final test accuracy. Writes PNGs into the cwd.

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
    "run_0": "Baseline (SGD + momentum, tanh MLP)",
}


def load_runs():
    runs = {}
    for run in sorted(d for d in os.listdir(".") if d.startswith("run_") and os.path.isdir(d)):
        path = os.path.join(run, "all_results.json")
        if run in labels and os.path.exists(path):
            with open(path) as f:
                runs[run] = json.load(f)
    return runs


def curve_figure(runs, key, ylabel, filename):
    datasets = sorted({d for r in runs.values() for d in r})
    fig, axes = plt.subplots(1, len(datasets), figsize=(4 * len(datasets), 3.2), squeeze=False)
    colors = plt.get_cmap("tab10")
    for ax, dataset in zip(axes[0], datasets):
        for i, (run, results) in enumerate(runs.items()):
            if dataset in results:
                y = results[dataset][key]
                ax.plot(np.arange(1, len(y) + 1), y, label=labels[run], color=colors(i % 10))
        ax.set_title(dataset)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(filename, dpi=120)
    plt.close(fig)


def bar_figure(runs, filename):
    datasets = sorted({d for r in runs.values() for d in r})
    width = 0.8 / max(1, len(runs))
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for i, (run, results) in enumerate(runs.items()):
        values = [results[d]["test_accuracy"][-1] if d in results else 0.0 for d in datasets]
        ax.bar(np.arange(len(datasets)) + i * width, values, width, label=labels[run])
    ax.set_xticks(np.arange(len(datasets)) + width * (len(runs) - 1) / 2)
    ax.set_xticklabels(datasets)
    ax.set_ylabel("final test accuracy")
    ax.set_ylim(0.5, 1.0)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(filename, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    runs = load_runs()
    if not runs:
        raise SystemExit("plot.py: no run_*/all_results.json for the runs named in `labels`")
    curve_figure(runs, "train_loss", "training loss", "train_loss.png")
    curve_figure(runs, "test_accuracy", "test accuracy", "test_accuracy.png")
    bar_figure(runs, "final_accuracy.png")
