"""What the benchmarks' ``--quick`` modes share: the config as Snakemake would merge it, and the
upstream artifacts built small in a temporary folder.

Not a benchmark (the leading underscore keeps tests/test_benchmarks.py from running it): a
quick mode proves its benchmark still runs against today's package, on inputs made by the same
package calls the rules make, from the fast test config.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import yaml  # noqa: E402
from snakemake.utils import update_config  # noqa: E402

TEST_CONFIG = REPO / "tests" / "config" / "config.yaml"


def load_config(path) -> dict:
    """``path`` merged key by key over config/config.yaml, as Snakemake merges a --configfile."""
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    update_config(cfg, yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    return cfg


def build_quick_inputs(cfg: dict, root: Path, *, sft: bool) -> dict:
    """What the commerce_db, pairs, base_model (and, with ``sft``, sft) rules would build from
    ``cfg``, under ``root``: {"db", "pairs" (folder), "base", "adapter" (None without sft)}."""
    from commerce_grpo.data.db import build_commerce_db
    from commerce_grpo.data.pairs import build_pairs
    from commerce_grpo.modeling import build_base_model

    db = build_commerce_db(root / "commerce.db", source="synthetic", olist_dir=root / "no-olist",
                           orders=cfg["data"]["orders"], seed=cfg["data"]["seed"])
    pairs = root / "pairs"
    pairs.mkdir(parents=True)
    build_pairs(db, outputs={split: pairs / f"{split}.jsonl" for split in ("train", "validation", "eval")}
                | {"stats": pairs / "stats.json"}, **cfg["pairs"], tasks=cfg["tasks"])
    base = root / "models" / "base"
    build_base_model(base, inputs={"db": db, "train": pairs / "train.jsonl"}, model=cfg["model"])
    adapter = None
    if sft:
        from commerce_grpo.train.sft import train_sft

        adapter = root / "sft" / "adapter"
        train_sft(train=pairs / "train.jsonl", validation=pairs / "validation.jsonl", base=base, audit=None,
                  outputs={"adapter": adapter, "metrics": root / "sft" / "metrics.csv"},
                  model=cfg["model"], lora=cfg["lora"], sft=cfg["sft"])
    return {"db": db, "pairs": pairs, "base": base, "adapter": adapter}


def bench_db(db: str, tmp: Path, *, quick: bool) -> str:
    """``db`` when it is a file and not ``quick``; else a seeded synthetic commerce.db built in
    ``tmp`` (1,000 orders quick, 5,000 otherwise), for benchmarks that need only a database."""
    if not quick and Path(db).is_file():
        return db
    from commerce_grpo.data.db import build_commerce_db

    orders = 1000 if quick else 5000
    db = str(Path(tmp) / "commerce.db")
    build_commerce_db(db, source="synthetic", olist_dir=Path(tmp) / "no-olist", orders=orders, seed=7)
    print(f"built a synthetic commerce.db ({orders:,} orders) at {db}")
    return db
