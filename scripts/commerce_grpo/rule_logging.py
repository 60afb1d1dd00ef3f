"""Route a rule script's stderr and logging into the rule's `log:` file."""
import logging
import sys


def log_to_rule_file(snakemake) -> None:
    """Send stderr (tracebacks included), stdout and INFO logging to ``snakemake.log[0]``.

    Snakemake points at the log file when a job fails, so the traceback must land there; the
    trainers print their progress dicts to stdout, which would otherwise interleave with
    Snakemake's own output when jobs run in parallel.
    """
    sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
