"""schemathesis (from PyPI) against our /openapi.json with a valid token: no request makes the server
fail (5xx), whatever the inputs. Run as its CLI against a real HTTP server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from repository.api import create_app
from repository.catalog.db import migrate
from repository.storage import LocalStore
from tests.helpers import seed_catalog, token_for


def test_no_server_error_for_any_generated_request(home: Path, tmp_path: Path, live_server) -> None:
    migrate()
    store = LocalStore(tmp_path / "objects")
    seed_catalog(None, store)
    base = live_server(create_app(None, store))
    for role, agency in (("officer", "UBND.TX"), ("steward", "SO.TP")):
        token = token_for(role, agency)
        done = subprocess.run(
            [str(Path(sys.executable).with_name("schemathesis")), "run", f"{base}/openapi.json",
             "--checks", "not_a_server_error", "--max-examples", "15", "--phases", "examples,fuzzing",
             "-H", f"Authorization: Bearer {token}", "--workers", "1"],
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
        ran = re.search(r"(\d+) generated, (\d+) passed", done.stdout)  # the cases really ran
        assert ran and int(ran.group(1)) >= 100 and ran.group(1) == ran.group(2), done.stdout[-2000:]
