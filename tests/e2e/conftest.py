"""Fixtures of the browser tests: the sample batch digitized once, and a server on it."""

from __future__ import annotations

import os

import pytest

from repository.api import create_app
from repository.catalog.db import migrate
from repository.intake.batches import active_items, register_batch
from repository.intake.samples import ensure_test_certificates
from repository.pipeline.process import process_item
from repository.pipeline.stages import finish_batch
from repository.storage import LocalStore
from tests.helpers import serve_app


@pytest.fixture(scope="session")
def digitized_sample(tmp_path_factory, sample_batch):
    """The sample batch through every stage (as the DAG runs them), and the server on its catalog.
    Tests that change it keep to their own cases and documents."""
    root = tmp_path_factory.mktemp("digitized")
    saved = os.environ.get("SOHOA_HOME")
    os.environ["SOHOA_HOME"] = str(root / "home")
    url = f"sqlite:///{root / 'c.db'}"
    migrate(url)
    ensure_test_certificates()  # as `sohoa samples` does: the results come back with e-copies
    store = LocalStore(root / "objects")
    batch = register_batch(sample_batch, database_url=url)
    for item in active_items(batch, url):
        process_item(item, store=store, database_url=url)
    finish_batch(batch, url)
    base, stop = serve_app(create_app(url, store))
    yield base, url
    stop()
    if saved is None:
        os.environ.pop("SOHOA_HOME", None)
    else:
        os.environ["SOHOA_HOME"] = saved
