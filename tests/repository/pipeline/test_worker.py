"""The Celery worker's preload: Airflow's own settings kept, our tasks' modules named, and importing
them before the worker forks leaves nothing a forked task process could share by mistake."""

from __future__ import annotations

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

from repository.pipeline.worker import CELERY_CONFIG, PRELOAD
from tests.helpers import assert_fresh_python_ok


def test_config_is_airflows_with_our_modules_to_import() -> None:
    assert {k: v for k, v in CELERY_CONFIG.items() if k != "imports"} == DEFAULT_CELERY_CONFIG
    assert CELERY_CONFIG["imports"] == PRELOAD
    # What the per-file task and the quality task import when they run.
    assert "repository.pipeline.process" in PRELOAD and "quality.checks" in PRELOAD


def test_preloading_opens_no_connection_and_starts_no_thread() -> None:
    # A fresh interpreter, as the worker is: import every module as Celery would, then look.
    script = (
        "import importlib, threading\n"
        "from repository.pipeline.worker import PRELOAD\n"
        "for name in PRELOAD: importlib.import_module(name)\n"
        "from repository.catalog import db\n"
        "assert db._make_engine.cache_info().currsize == 0, 'a catalog engine was made at import'\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
        "print('ok')\n"
    )
    assert_fresh_python_ok(script)


def test_a_pool_process_freezes_what_the_worker_preloaded() -> None:
    script = (
        "import gc, importlib\n"
        "from celery.signals import worker_process_init\n"
        "from repository.pipeline.worker import PRELOAD\n"
        "for name in PRELOAD: importlib.import_module(name)\n"
        "assert gc.get_freeze_count() == 0\n"
        "worker_process_init.send(sender=None)  # what Celery sends in each pool process it forks\n"
        "assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()\n"
        "print('ok')\n"
    )
    assert_fresh_python_ok(script)
