# commerce-grpo: commerce.db → pairs → reward audit → SFT → GRPO per seed → best checkpoint
# → stratified evaluation → paired one-sided Wilcoxon report. See README.md and config/config.yaml.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/audit.smk"
include: "rules/train.smk"
include: "rules/evaluate.smk"
include: "rules/report.smk"


# The default target: `snakemake --cores 1 --resources gpu=1` builds the report.
rule all:
    """The default target: the report and every seed's best adapter."""
    input:
        get_final_output(),
    default_target: True
