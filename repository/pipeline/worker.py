"""What a Celery worker loads once, before it forks a process for each task.

Airflow's worker forks a fresh process per task; whatever the worker had imported, the task finds
ready. Airflow preloads its own operators this way (``celery_import_modules``); our tasks' modules
(the OCR stack, the catalog models, Great Expectations) cost a task about a second
to import, paid again by every file of every batch. Celery imports the modules named in ``imports``
when the worker starts, before its pool forks, so each task process inherits them.

Set in every Airflow component (docker-compose.yml, ``make engine-test``):
    AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=repository.pipeline.worker.CELERY_CONFIG
"""

from __future__ import annotations

import gc

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_process_init

from repository.pipeline.preload import PRELOAD

CELERY_CONFIG = {**DEFAULT_CELERY_CONFIG, "imports": PRELOAD}


@worker_process_init.connect
def freeze_preloaded(**_signal) -> None:
    """Leave the preloaded objects out of every garbage collection in the worker's task processes.

    The preload leaves about 400,000 objects that live as long as the worker; a full collection in a
    task walks them all, and touching them copies the pages a fork shared. Frozen (as CPython's
    documentation advises for pre-fork servers), a 10-page file read 0.3 s faster here.
    """
    gc.freeze()
