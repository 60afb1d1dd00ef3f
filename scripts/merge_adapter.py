"""Rule merge: one seed's best adapter folded into the base model, for inference."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.modeling.merge import merge_adapter

merge_adapter(**dict(snakemake.input), output=snakemake.output[0], **snakemake.params)
