"""Rule evaluate: one arm's completions and rewards on the stratified eval prompts."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.unsloth_first import import_backend_first

import_backend_first(snakemake.params["model"])  # before anything imports trl/transformers

from commerce_grpo.evaluate import evaluate_arm

evaluate_arm(
    **dict(snakemake.input),
    **dict(snakemake.output),
    arm=snakemake.wildcards.arm,
    **snakemake.params,
)
