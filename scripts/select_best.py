"""Rule select_best: the best validation checkpoint of one seed, as a loadable PEFT adapter."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.train.select_best import select_best

select_best(**dict(snakemake.input), outputs=dict(snakemake.output), **snakemake.params)
