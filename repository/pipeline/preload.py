"""What a batch's tasks import, loaded before they need it.

The check at a batch's end imports Great Expectations (3-5 s here) and the steward report's charts
(matplotlib, 0.8 s). A Celery worker imports these once, before it forks a process per task (see
``repository.pipeline.worker``). ``sohoa run`` runs every task in one process, one after another:
there they are imported on a background thread while the page pool reads the first file (the main
thread only waits for pages then), not after the last page, when the cores would wait for it.

Names, not imports: the pipeline sits below quality in the layers, and importing by name is what
Celery's ``imports`` setting does with this same list.
"""

from __future__ import annotations

import importlib
import logging
import threading

log = logging.getLogger(__name__)

# What the DAG's tasks import when they run (see dags/digitize_case_files.py). Importing only: no
# connection or engine is made, the catalog's engine is created on first use.
PRELOAD = (
    "repository.intake.batches",
    "repository.pipeline.process",
    "repository.pipeline.summary",
    "quality.checks",
    "quality.report",
    "great_expectations",  # imported by the checks only when they run: 3 s
    "matplotlib.pyplot",  # the steward report's charts, imported when it is drawn: 0.8 s
)

_lock = threading.Lock()
_state = "idle"  # idle -> waiting -> loading -> done, or waiting -> called off
_loaded = threading.Event()


def preload() -> None:
    for name in PRELOAD:
        importlib.import_module(name)


def preload_when(started: threading.Event) -> None:
    """Import PRELOAD on a background thread once ``started`` is set (once, per process)."""
    global _state
    with _lock:
        if _state != "idle":
            return
        _state = "waiting"

    def load() -> None:
        global _state
        started.wait()
        with _lock:
            if _state != "waiting":
                return  # called off: the tasks import what they need themselves
            _state = "loading"
        try:
            preload()
        except Exception:  # a task that needs the module imports it and reports the error itself
            log.exception("preloading failed")
        finally:
            with _lock:
                _state = "done"
            _loaded.set()

    threading.Thread(target=load, name="sohoa-preload", daemon=True).start()


def settle() -> None:
    """Before a task imports what PRELOAD names: wait for a preload under way, or call off one that
    has not begun, so that no module is ever imported by two threads at once."""
    global _state
    with _lock:
        if _state == "waiting":
            _state = "called off"
        loading = _state == "loading"
    if loading:
        _loaded.wait()
