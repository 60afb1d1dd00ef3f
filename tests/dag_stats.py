"""Read Snakemake's own summary of a run: the job counts it prints under "Job stats"."""
import re


def job_counts(output: str) -> dict[str, int]:
    """Parse the last "Job stats" table of a Snakemake run or dry run into {rule: count}."""
    tables = output.split("Job stats:")
    if len(tables) < 2:
        return {}
    counts = {}
    for line in tables[-1].splitlines()[3:]:
        match = re.fullmatch(r"\s*(\w+)\s+(\d+)\s*", line)
        if not match:
            break
        counts[match.group(1)] = int(match.group(2))
    counts.pop("total", None)
    return counts
