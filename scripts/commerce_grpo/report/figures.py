"""PNG figures for the report (matplotlib, Agg: no display on a cluster node).

Each function writes one file and returns its name, or None when there is nothing to plot, so the
Markdown links only figures that exist.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import pandas as pd  # noqa: E402

from commerce_grpo import tasks as registry  # noqa: E402

GRPO_VALIDATION = "grpo_validation.png"
SFT_LOSS = "sft_loss.png"
EVAL_MEANS = "eval_means.png"


def grpo_validation(histories: dict[str, pd.DataFrame], out_dir: Path) -> str | None:
    """GRPO validation reward over steps: one panel per task, one line per GRPO arm (run and seed)."""
    panels = [t for t in (*registry.ALL, "overall") if any((h["task"] == t).any() for h in histories.values())]
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3), sharey=True, squeeze=False)
    for ax, task in zip(axes[0], panels):
        for arm, history in histories.items():
            rows = history[history["task"] == task]
            ax.plot(rows["step"], rows["reward"], marker="o", markersize=3, label=arm)
        ax.set_title(task)
        ax.set_xlabel("GRPO step")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("validation reward")
    axes[0][-1].legend(fontsize="small")
    return _save(fig, out_dir / GRPO_VALIDATION)


def sft_loss(metrics: pd.DataFrame | None, out_dir: Path) -> str | None:
    """Every loss column of the SFT metrics over steps."""
    if metrics is None:
        return None
    fig, ax = plt.subplots(figsize=(5, 3))
    for column in metrics.columns.drop("step"):
        rows = metrics[["step", column]].dropna()
        ax.plot(rows["step"], rows[column], marker="o" if len(rows) < 30 else None, markersize=3, label=column)
    ax.set_xlabel("SFT step")
    ax.set_ylabel("loss")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _save(fig, out_dir / SFT_LOSS)


def eval_means(means: dict[str, dict[str, float]], out_dir: Path) -> str | None:
    """Grouped bars: mean eval reward per task (and overall), one bar per arm."""
    if not means:
        return None
    arms = list(means)
    present = set(next(iter(means.values())))
    parts = [p for p in (*registry.ALL, "overall") if p in present]
    width = 0.8 / len(arms)
    fig, ax = plt.subplots(figsize=(1.6 * len(parts) + 2, 3.2))
    for k, arm in enumerate(arms):
        xs = [i + (k - (len(arms) - 1) / 2) * width for i in range(len(parts))]
        ax.bar(xs, [means[arm].get(p, float("nan")) for p in parts], width, label=arm)
    ax.set_xticks(range(len(parts)), parts)
    ax.set_ylabel("mean reward (eval)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize="x-small", ncol=2)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, out_dir / EVAL_MEANS)


def _save(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name
