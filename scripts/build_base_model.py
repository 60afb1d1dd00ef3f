"""Rule base_model: build the embedded tiny model offline, or record the hub id / local path."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.modeling import build_base_model

build_base_model(snakemake.output[0], inputs=dict(snakemake.input), **snakemake.params)
