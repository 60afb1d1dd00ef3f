"""Rule commerce_db: Olist CSVs or the seeded synthetic generator → data/commerce.db."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.data.db import build_commerce_db

build_commerce_db(snakemake.output.db, **snakemake.params)
