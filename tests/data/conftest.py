"""Fixtures for the data stage: small synthetic databases, their pairs and an Olist-format CSV
folder, all built here (the real Olist data is CC BY-NC-SA and never committed)."""
import pytest

from commerce_grpo.data.db import build_commerce_db
from commerce_grpo.data.pairs import build_pairs
from data.data_fixtures import DEFAULT_TASKS, pair_outputs, write_olist_csvs


@pytest.fixture(scope="session")
def small_db(tmp_path_factory):
    """A 2,000-order synthetic commerce.db."""
    db = tmp_path_factory.mktemp("small") / "commerce.db"
    build_commerce_db(db, source="synthetic", olist_dir="unused", orders=2000, seed=3)
    return db


@pytest.fixture(scope="session")
def default_db(tmp_path_factory):
    """The default config's database: 5,000 synthetic orders, seed 7."""
    db = tmp_path_factory.mktemp("default") / "commerce.db"
    build_commerce_db(db, source="synthetic", olist_dir="unused", orders=5000, seed=7)
    return db


@pytest.fixture(scope="session")
def default_pairs(default_db, tmp_path_factory):
    """Pairs at the default config's counts: (outputs dict, records per split)."""
    outputs = pair_outputs(tmp_path_factory.mktemp("pairs"))
    records = build_pairs(default_db, outputs=outputs, seed=11, scale=1.0, tasks=DEFAULT_TASKS)
    return outputs, records


@pytest.fixture(scope="session")
def olist_dir(small_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("olist")
    write_olist_csvs(small_db, folder)
    return folder
