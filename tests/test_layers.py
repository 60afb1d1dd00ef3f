"""Layers that only point down: the import graph of ``scripts/commerce_grpo``, read with ``ast``.

Bottom to top (docs/contracts.md, "Task plug-ins"): the library tasks are built from
(``commerce_grpo.tasklib``, with the data stage's commerce.db modules, ``files`` and ``llm_client``), the tasks
(``commerce_grpo.tasks``: one package per task, the registry, ``spec`` and the shared hacks), then
the pipeline that iterates the registry (``rewards``' score, the pair writers, the audit,
training, evaluation, the report). Nothing is executed: every ``import`` in a module counts,
inside functions too, and importing ``a.b.c`` counts as importing the packages ``a.b`` and ``a``
that it runs first (unless the importer is already inside them).
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "commerce_grpo"
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
LAYERS = ("library", "tasks", "pipeline")
LIBRARY = ("commerce_grpo.tasklib", "commerce_grpo.data", "commerce_grpo.files", "commerce_grpo.llm_client")
# The data stage's modules that write and read the pair files iterate the registry.
PAIR_FILES = ("commerce_grpo.data.pairs", "commerce_grpo.data.pair_files")
REGISTRY = "commerce_grpo.tasks"


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def layer(name: str) -> str:
    """The layer of a module (its dotted name)."""
    if _within(name, REGISTRY):
        return "tasks"
    if name == PACKAGE or (any(_within(name, p) for p in LIBRARY) and name not in PAIR_FILES):
        return "library"
    return "pipeline"


def modules(root: Path) -> dict[str, Path]:
    """{dotted name: file} of every module of the package under ``root`` (a package by its name)."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that importing module ``name`` (file ``path``) may run."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            targets.add(module)
            targets.update(f"{module}.{alias.name}" for alias in node.names)  # a submodule by name
    edges = set()
    for target in targets:
        parts = target.split(".")
        for n in range(1, len(parts) + 1):
            prefix = ".".join(parts[:n])
            if prefix in known and not _within(name, prefix):  # the importer's own packages already run
                edges.add(prefix)
    return edges


def graph(root: Path) -> dict[str, set[str]]:
    """{module: the package's modules it imports} for every module of the package under ``root``."""
    found = modules(root)
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def task_package(name: str, packages: set[str]) -> str | None:
    """The task package a module belongs to (``commerce_grpo.tasks.<task>``), if any."""
    return next((p for p in packages if _within(name, p)), None)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a → … → a) through each strongly connected component that has one (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(edges.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(_cycle_in(min(component), component, edges))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _cycle_in(start: str, component: set[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest path start → … → start inside the component (breadth first)."""
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        for succ in sorted(edges[path[-1]] & component):
            if succ == start:
                return path + [start]
            if succ not in seen:
                seen.add(succ)
                paths.append(path + [succ])
    raise AssertionError(f"no cycle through {start}")


def problems(edges: dict[str, set[str]], files: dict[str, Path]) -> list[str]:
    """Every import cycle, upward import and import of a task package from outside it, by edge."""
    found = [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(edges)]
    tasks = {name for name, path in files.items()
             if path.name == "__init__.py" and name.count(".") == REGISTRY.count(".") + 1 and _within(name, REGISTRY)}
    for source in sorted(edges):
        for target in sorted(edges[source]):
            if LAYERS.index(layer(target)) > LAYERS.index(layer(source)):
                found.append(f"{source} imports {target}: the {layer(source)} layer imports the {layer(target)} "
                             f"layer above it (layers: {' < '.join(LAYERS)})")
            owner = task_package(target, tasks)
            if owner and source != REGISTRY and task_package(source, tasks) != owner:
                found.append(f"{source} imports {target}: only the registry ({REGISTRY}) imports a task package")
    return found


def check(root: Path) -> list[str]:
    """The problems of the package under ``root`` (``scripts/`` or a synthetic one)."""
    return problems(graph(root), modules(root))


def test_the_package_s_imports_only_point_down():
    found = check(SCRIPTS)
    assert not found, "\n".join(found)


def test_every_layer_and_every_task_is_seen():
    """The rules above are not vacuous: each layer has modules and the registry's tasks are packages."""
    files = modules(SCRIPTS)
    assert {layer(name) for name in files} == set(LAYERS)
    from commerce_grpo.tasks import REGISTRY as TASKS

    for name in TASKS:
        assert files[f"{REGISTRY}.{name}"].name == "__init__.py", f"task {name} is not a package"


def _write(root: Path, sources: dict[str, str]) -> None:
    for name, source in sources.items():
        path = root / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


CLEAN = {
    "commerce_grpo/__init__": "",
    "commerce_grpo/tasklib/__init__": "",
    "commerce_grpo/tasklib/parsing": "import json\n",
    "commerce_grpo/tasklib/text": "from commerce_grpo.tasklib.parsing import x\nfrom .parsing import y\n",
    "commerce_grpo/data/__init__": "",
    "commerce_grpo/data/db": "",
    "commerce_grpo/data/pairs": "from .. import tasks as registry\nfrom .db import connect\n",
    "commerce_grpo/tasks/__init__": "from commerce_grpo.tasks import alpha, beta\n",
    "commerce_grpo/tasks/spec": "from commerce_grpo.tasklib import text\n",
    "commerce_grpo/tasks/alpha/__init__": "from commerce_grpo.tasks.spec import TaskSpec\nfrom . import reward\n",
    "commerce_grpo/tasks/alpha/reward": "from commerce_grpo.tasklib.text import x\nfrom .helpers import y\n",
    "commerce_grpo/tasks/alpha/helpers": "from commerce_grpo.data import db\n",
    "commerce_grpo/tasks/beta/__init__": "from ..spec import TaskSpec\n",
    "commerce_grpo/rewards/__init__": "from commerce_grpo.rewards.scoring import score\n",
    "commerce_grpo/rewards/scoring": "from commerce_grpo import tasks as registry\n",
    "commerce_grpo/audit": "def f():\n    from commerce_grpo.rewards import score\n",
}


def test_a_clean_synthetic_package_passes(tmp_path):
    _write(tmp_path, CLEAN)
    assert check(tmp_path) == []
    edges = graph(tmp_path)
    assert edges["commerce_grpo.tasks.alpha.reward"] == {"commerce_grpo.tasklib", "commerce_grpo.tasklib.text",
                                                         "commerce_grpo.tasks.alpha.helpers"}
    assert edges["commerce_grpo.tasks.beta"] == {"commerce_grpo.tasks.spec"}
    assert edges["commerce_grpo.audit"] == {"commerce_grpo.rewards"}  # inside a function: counted


def test_planted_cycles_upward_imports_and_task_imports_are_named(tmp_path):
    _write(tmp_path, {
        **CLEAN,
        # A cycle closed by an import inside a function.
        "commerce_grpo/train/__init__": "",
        "commerce_grpo/train/sft": "def f():\n    from commerce_grpo.train import grpo\n",
        "commerce_grpo/train/grpo": "from .sft import train_sft\n",
        # A task's reward reads the config resolver above the registry: the shape of issue 21's
        # nine-file circle (rewards/__init__ runs scoring, which imports the registry).
        "commerce_grpo/rewards/config": "from commerce_grpo import tasks\n",
        "commerce_grpo/tasks/alpha/reward": "from commerce_grpo.rewards.config import settings\n",
        # The library imports a submodule of rewards: rewards/__init__ runs, and it is above.
        "commerce_grpo/tasklib/parsing": "from commerce_grpo.rewards import errors\n",
        # A pipeline module and a sibling task reach into a task package.
        "commerce_grpo/audit": "from commerce_grpo.tasks.alpha.reward import adversarial\n",
        "commerce_grpo/tasks/beta/__init__": "from commerce_grpo.tasks.alpha import reward\n",
    })
    found = check(tmp_path)
    assert "import cycle: commerce_grpo.train.grpo -> commerce_grpo.train.sft -> commerce_grpo.train.grpo" in found
    assert ("import cycle: commerce_grpo.rewards -> commerce_grpo.rewards.scoring -> commerce_grpo.tasks -> "
            "commerce_grpo.tasks.alpha -> commerce_grpo.tasks.alpha.reward -> commerce_grpo.rewards") in found
    assert any(p.startswith("commerce_grpo.tasklib.parsing imports commerce_grpo.rewards: the library layer imports "
                            "the pipeline layer") for p in found), found
    assert any(p.startswith("commerce_grpo.tasks.alpha.reward imports commerce_grpo.rewards.config: the tasks layer")
               for p in found), found
    only_registry = [p.split(":")[0] for p in found if p.endswith("only the registry (commerce_grpo.tasks) imports a "
                                                                     "task package")]
    assert only_registry == ["commerce_grpo.audit imports commerce_grpo.tasks.alpha",
                             "commerce_grpo.audit imports commerce_grpo.tasks.alpha.reward",
                             "commerce_grpo.tasks.beta imports commerce_grpo.tasks.alpha",
                             "commerce_grpo.tasks.beta imports commerce_grpo.tasks.alpha.reward"]
