"""Rule pairs: commerce.db → train/validation/eval pairs for the run's tasks, and their stats."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.data.pairs import build_pairs

build_pairs(snakemake.input.db, outputs=dict(snakemake.output), **snakemake.params)
