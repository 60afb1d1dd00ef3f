"""Rule sft: LoRA SFT warm-up on assistant tokens only."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.unsloth_first import import_backend_first

import_backend_first(snakemake.params["model"])  # before anything imports trl/transformers

from commerce_grpo.train.sft import train_sft

train_sft(**dict(snakemake.input), outputs=dict(snakemake.output), **snakemake.params)
