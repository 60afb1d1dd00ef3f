"""Progress lines for the SFT and GRPO trainers (``commerce_grpo.progress``): step, rate, ETA.

The trainers' own tqdm bar is off (``runtime_options``: it would fill the rule log with carriage
returns); this callback prints a line at a steady cadence to the rule log and the terminal, and
first the torch thread count, so a log shows the job used the threads its rule declares.
"""
from __future__ import annotations

import torch
from transformers import TrainerCallback

from commerce_grpo.progress import Progress, emit


class ProgressCallback(TrainerCallback):
    def __init__(self, label: str):
        self.label = label
        self.progress: Progress | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.progress = Progress(self.label, state.max_steps, start=state.global_step)
        self.progress.begin(f"torch threads {torch.get_num_threads()}")

    def on_step_end(self, args, state, control, **kwargs):
        self.progress.update(state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        if self.progress.shown_step != state.global_step:
            emit(self.progress.line(state.global_step, self.progress.clock()))
        if state.global_step < state.max_steps:
            emit(f"{self.label}: stopped at step {state.global_step} of {state.max_steps}")
