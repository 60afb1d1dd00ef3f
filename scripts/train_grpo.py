"""Rule grpo: one seed of LoRA GRPO with validation evals, early stopping and resume."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.unsloth_first import import_backend_first

import_backend_first(snakemake.params["model"])  # before anything imports trl/transformers

from commerce_grpo.train.grpo import train_grpo

train_grpo(**dict(snakemake.input), outputs=dict(snakemake.output), **snakemake.params)
