"""sohoa run's background preload: it starts only once pages are being read, a task that needs the
modules first waits for a preload under way, and one that has not begun is called off, so no module
is ever imported by two threads at once."""

from __future__ import annotations

from tests.helpers import assert_fresh_python_ok

# A fresh interpreter, as sohoa run is: a preload waiting for pages that have not begun.
WAITING = (
    "import sys, threading, time\n"
    "from repository.pipeline import preload\n"
    "started = threading.Event()\n"
    "preload.preload_when(started)\n"
)


def test_a_started_preload_is_awaited_before_a_check_imports() -> None:
    assert_fresh_python_ok(
        WAITING + "time.sleep(0.5)\n"
        "assert 'great_expectations' not in sys.modules, 'loaded before any page was read'\n"
        "started.set()\n"
        "while preload._state == 'waiting': time.sleep(0.01)\n"
        "preload.settle()\n"
        "missing = [n for n in preload.PRELOAD if n not in sys.modules]\n"
        "assert not missing, missing\n"
        "print('ok')\n"
    )


def test_a_preload_not_begun_is_called_off() -> None:
    assert_fresh_python_ok(
        WAITING + "began = time.monotonic()\n"
        "preload.settle()  # a text-only batch: no page was ever given to the pool\n"
        "assert time.monotonic() - began < 1\n"
        "started.set()\n"
        "time.sleep(1)\n"
        "assert preload._state == 'called off', preload._state\n"
        "assert 'great_expectations' not in sys.modules\n"
        "print('ok')\n"
    )
