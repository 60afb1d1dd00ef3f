"""The README's two set-up commands, as a user copies them: install-and-run, then tests."""
import re

from snakemake_runner import REPO


def bash_blocks(markdown: str) -> list[str]:
    """The bodies of a Markdown page's ```bash blocks, in order."""
    return re.findall(r"```bash\n(.*?)```", markdown, flags=re.S)


def setup_commands() -> tuple[str, str]:
    """(install-and-run, tests): the README's first two bash blocks."""
    blocks = bash_blocks((REPO / "README.md").read_text())
    install_and_run, tests = (block.strip() for block in blocks[:2])
    return install_and_run, tests


def run_part() -> str:
    """The pipeline part of the first command (what follows the installs)."""
    return setup_commands()[0].split(" && ")[-1]
