"""The README's commands, run as written, and the docs it points to."""
import json
import re
import shlex

import pytest

from readme_commands import bash_blocks, run_part, setup_commands
from snakemake_runner import REPO, run_snakemake

README = (REPO / "README.md").read_text()


def test_ci_runs_the_readme_test_command():
    _, tests = setup_commands()
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert tests in ci, f"README test command {tests!r} is not a line of .ci/run"


def test_readme_install_command_pins_torch_first():
    install_and_run, _ = setup_commands()
    steps = install_and_run.split(" && ")
    assert steps[1].endswith("pip install torch==2.13.0")
    assert "pip install -e '.[test]'" in steps[2]


@pytest.mark.slow
def test_readme_run_command_builds_the_report_on_the_default_config(readme_default_run):
    """The pipeline part of the README's first command, verbatim, in a fresh clone copy (the
    session's ``readme_default_run``), builds the report of every default arm."""
    assert run_part().startswith(".venv/bin/snakemake")
    workflow, minutes = readme_default_run
    print(f"README run command on the default config: {minutes:.1f} min wall time")
    report = json.loads((workflow / "results/final_report.json").read_text())
    arms = {c["arm"] for c in report["comparisons"]}
    assert {"sft", "grpo_seed42", "grpo_seed123", "grpo_seed456"} <= arms
    assert (workflow / "results/final_report.md").read_text().strip()


def test_the_readme_is_a_first_page_and_the_detail_lives_in_docs():
    """Docs in layers (issue 25): the README says what it is, the two commands, what you get and
    where to go next; it had grown to 5,213 words."""
    assert len(README.split()) <= 1200


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_links_between_the_readme_and_docs_resolve():
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if target.startswith(("http://", "https://")):
                continue
            file, _, anchor = target.partition("#")
            path = (page.parent / file) if file else page
            if not path.exists():
                broken.append(f"{page.name}: {target}")
            elif anchor:
                headings = re.findall(r"^#+ (.*)$", path.read_text(), flags=re.M)
                if anchor not in {_anchor(h) for h in headings}:
                    broken.append(f"{page.name}: {target}")
    assert not broken, broken


def test_the_documented_way_to_enable_a_task_trains_it(workflow):
    """docs/usage.md's listing_repair command, dry-run as written: no "not trained" warning, and the
    warm-up and GRPO both get the task."""
    usage = (REPO / "docs" / "usage.md").read_text()
    [command] = [block for block in bash_blocks(usage) if "listing_repair" in block]
    words = shlex.split(command.strip())
    proc = run_snakemake(["-n", *words[1:]], workflow)
    assert "enabled but no stage trains it" not in proc.stdout
    config_args = words[words.index("--config") + 1:]
    assert any('"listing_repair"' in arg and arg.startswith("sft=") for arg in config_args)
    assert any('"task_mix": {"listing_repair": 1}' in arg for arg in config_args)
