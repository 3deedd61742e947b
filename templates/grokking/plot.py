"""Plots every run_* directory in the cwd against training steps, one panel per task
(mean over seeds): validation accuracy with training accuracy dashed (val_acc.png) and
training loss (train_loss.png). Writes the PNGs into the cwd.

Edit `labels` to choose which runs appear and what they are called in the legends.
"""
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

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
                runs[run] = json.load(f)
    return runs


def figure(runs, key, ylabel, filename, log_y=False, dashed=None):
    """One panel per task with `key` against steps for every run; `dashed` names a second
    curve drawn dashed in the run's colour (training accuracy beside validation accuracy
    shows the grokking gap)."""
    tasks = sorted({t for r in runs.values() for t in r})
    fig, axes = plt.subplots(1, len(tasks), figsize=(4 * len(tasks), 3.2), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        for run, results in runs.items():
            if task in results:
                line, = ax.plot(results[task]["step"], results[task][key], label=labels[run])
                if dashed:
                    ax.plot(results[task]["step"], results[task][dashed], linestyle="--", linewidth=0.9,
                            color=line.get_color(), label=f"{labels[run]} (train)")
        ax.set_title(task)
        ax.set_xlabel("step")
        ax.set_ylabel(ylabel)
        if log_y:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(filename, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    runs = load_runs()
    if not runs:
        raise SystemExit("plot.py: no run_*/all_results.json for the runs named in `labels`")
    figure(runs, "val_acc", "accuracy", "val_acc.png", dashed="train_acc")
    figure(runs, "train_loss", "training loss", "train_loss.png", log_y=True)
