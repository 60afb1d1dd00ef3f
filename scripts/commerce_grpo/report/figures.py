"""PNG figures for the report (matplotlib, Agg: no display on a cluster node).

Each function writes one file and returns its name, or None when there is nothing to plot, so the
Markdown links only figures that exist. The figures carry the result: the eval means with their
intervals and the primary test's marks, the validation curves with the checkpoint each seed shipped,
SFT loss over steps.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import pandas as pd  # noqa: E402

from commerce_grpo import tasks as registry  # noqa: E402
from commerce_grpo.report.scores import OVERALL, Arms  # noqa: E402

GRPO_VALIDATION = "grpo_validation.png"
SFT_LOSS = "sft_loss.png"
EVAL_MEANS = "eval_means.png"
# The primary test's outcome, marked above the tested arm's bar.
MARKS = {"better": "▲ better", "worse": "▼ worse", "no significant difference": "n.s.",
         "not testable": "not testable"}


def validation_panels(histories: dict[str, pd.DataFrame]) -> dict:
    """Which validation panels carry a curve: {"shown", "hidden", "note"}. A task whose validation reward
    is 0 at every evaluation of every seed is left out (a flat line at 0 says only that), and the note
    says so for the caption."""
    present = [t for t in (*registry.ALL, OVERALL) if any((h["task"] == t).any() for h in histories.values())]
    hidden = [t for t in present if all((h.loc[h["task"] == t, "reward"] == 0).all() for h in histories.values())]
    note = (f"Left out: {', '.join(hidden)} — validation reward 0 at every evaluation of every seed."
            if hidden else None)
    return {"shown": [t for t in present if t not in hidden], "hidden": hidden, "note": note}


def grpo_validation(histories: dict[str, pd.DataFrame], best: dict[str, dict], panels: list[str],
                    out_dir: Path) -> str | None:
    """GRPO validation reward over steps: one panel per task in ``panels``, one line per GRPO arm, a
    star on the step each arm's best checkpoint (best.json) comes from."""
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.2), sharey=True, squeeze=False)
    for ax, task in zip(axes[0], panels):
        for arm, history in histories.items():
            rows = history[history["task"] == task]
            line, = ax.plot(rows["step"], rows["reward"], marker="o", markersize=3, label=arm)
            chosen = rows[rows["step"] == best[arm]["step"]] if arm in best else rows.iloc[:0]
            ax.plot(chosen["step"], chosen["reward"], marker="*", markersize=13, color=line.get_color(),
                    markeredgecolor="black", linestyle="none")
        ax.set_title(task)
        ax.set_xlabel("GRPO step")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("validation reward")
    axes[0][-1].plot([], [], marker="*", markersize=11, color="grey", markeredgecolor="black", linestyle="none",
                     label="chosen checkpoint")
    fig.legend(*axes[0][-1].get_legend_handles_labels(), loc="lower center", ncol=len(histories) + 1,
               fontsize="small", frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return _save(fig, out_dir / GRPO_VALIDATION, layout=False)


def sft_loss(metrics: pd.DataFrame | None, out_dir: Path) -> str | None:
    """SFT training loss over steps, and the validation loss at every step it was evaluated (marked
    points; one point when SFT evaluates once, at the end)."""
    if metrics is None:
        return None
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    labels = {"loss": "training loss", "eval_loss": "validation loss"}
    for column in sorted(metrics.columns.drop("step"), key=lambda c: c != "loss"):
        rows = metrics[["step", column]].dropna()
        label = labels.get(column, column) + (" (evaluated once, at the end)" if len(rows) == 1 else "")
        ax.plot(rows["step"], rows[column], marker="o" if len(rows) < 30 else None,
                markersize=7 if len(rows) == 1 else 3, label=label)
    ax.set_xlabel("SFT step")
    ax.set_ylabel("loss (assistant tokens)")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _save(fig, out_dir / SFT_LOSS)


def eval_means(means: dict[str, dict[str, float]], intervals: dict[str, dict[str, tuple[float, float]]],
               arms: Arms, summary: dict, out_dir: Path) -> str | None:
    """Mean eval score per task (and overall) for every arm except the single seeds, with 95 % error
    bars (seeds then prompts for a pooled arm), each seed's mean as a dot on its pooled bar, the value
    over every bar (a bar at 0 stays visible), and the primary test's outcome over the tested arm."""
    seed_arms = {arm for seeds in arms.groups.values() for arm in seeds.values()}
    shown = [arm for arm in means if arm not in seed_arms]
    if not shown:
        return None
    parts = [p for p in (*registry.ALL, OVERALL) if p in means[shown[0]]]
    outcomes = {row["task"]: row for row in summary["rows"]}
    width = 0.8 / len(shown)
    fig, ax = plt.subplots(figsize=(1.9 * len(parts) + 2, 4))
    for k, arm in enumerate(shown):
        xs = [i + (k - (len(shown) - 1) / 2) * width for i in range(len(parts))]
        values = [means[arm][p] for p in parts]
        low = [v - intervals[arm][p][0] for v, p in zip(values, parts)]
        high = [intervals[arm][p][1] - v for v, p in zip(values, parts)]
        bars = ax.bar(xs, values, width, yerr=[low, high], capsize=2, label=arm,
                      error_kw={"elinewidth": 0.8})
        for x, v, h in zip(xs, values, high):
            ax.text(x, v + h + 0.01, f"{v:.2f}", ha="center", va="bottom", fontsize=6)
        seeds = arms.per_seed(arm)
        if seeds:
            offsets = [(j - (len(seeds) - 1) / 2) * width / (len(seeds) + 1) for j in range(len(seeds))]
            for x, p in zip(xs, parts):
                seed_means = [sum(s[p].values()) / len(s[p]) for s in seeds]
                ax.plot([x + o for o in offsets], seed_means, "o", color="black", markersize=2.5)
        if arm == summary["arm"]:
            for x, v, h, p in zip(xs, values, high, parts):
                row = outcomes[p]
                mark = MARKS[row["outcome"]] + (" (data-blind)" if row["data_blind"] else "")
                ax.text(x, v + h + 0.07, mark, ha="center", va="bottom", fontsize=7, fontweight="bold",
                        color=bars.patches[0].get_facecolor())
    ax.set_xticks(range(len(parts)), parts)
    ax.set_ylabel("mean eval score (95 % interval)")
    ax.set_ylim(0, 1.15)
    title = "Mean eval score per arm; dots: single seeds"
    if summary["arm"]:
        title += f"; marks: primary test {summary['arm']} vs {summary['baseline']}"
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize="x-small", ncol=len(shown), loc="upper left")
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, out_dir / EVAL_MEANS)


def _save(fig, path: Path, layout: bool = True) -> str:
    if layout:
        fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name
