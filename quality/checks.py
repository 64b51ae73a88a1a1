"""Quality runs: collect the tables, validate them, keep the result, publish the Data Docs and the report.

``check_batch`` ends each digitization run, ``check_catalog`` runs daily. Both are plain functions (the
DAG tasks only call them). A critical failure raises ``QualityFailure`` after everything is recorded
and published, so the steward sees why the run failed.
"""

from __future__ import annotations

import logging
import mimetypes
from datetime import date
from pathlib import Path

from quality.collect import collect
from quality.data_docs import make_offline
from quality.suites import SuiteResult, run_suite
from repository.catalog.db import session_scope
from repository.catalog.models import QualityRun
from repository.pipeline.preload import settle
from repository.settings import load_settings
from repository.storage import ObjectStore, open_store

log = logging.getLogger(__name__)

DATA_DOCS_PREFIX = "reports/data-docs/"


class QualityFailure(Exception):
    """A critical expectation failed: the run is marked failed."""

    def __init__(self, result: SuiteResult) -> None:
        self.result = result
        names = ", ".join(c.name for c in result.critical_failures)
        super().__init__(
            f"kiểm tra chất lượng nghiêm trọng không đạt / critical quality checks failed: {names}"
        )


def check_batch(
    batch_id: str,
    *,
    store: ObjectStore | None = None,
    database_url: str | None = None,
    raise_on_critical: bool = True,
) -> tuple[str, SuiteResult]:
    return _check("batch", batch_id, store, database_url, raise_on_critical, None)


def check_catalog(
    *,
    on: date | None = None,
    store: ObjectStore | None = None,
    database_url: str | None = None,
    raise_on_critical: bool = True,
) -> tuple[str, SuiteResult]:
    return _check("catalog", None, store, database_url, raise_on_critical, on)


def _check(scope, batch_id, store, database_url, raise_on_critical, on) -> tuple[str, SuiteResult]:
    settle()  # sohoa run may be importing what a check needs on another thread: let it finish
    from quality.report import publish_report  # the report imports the plotting library: only when needed

    store = store or open_store()
    tables = collect(store, batch_id=batch_id, on=on, database_url=database_url)
    result = run_suite(scope, tables, project_dir=load_settings().home / "quality")
    with session_scope(database_url) as session:
        run = QualityRun(
            scope=scope,
            batch_id=batch_id,
            success=result.success,
            critical_failures=len(result.critical_failures),
            warnings=len(result.warnings),
            checks=[c.as_json() for c in result.checks],
        )
        session.add(run)
        session.flush()
        run_id = run.id
    if result.data_docs is not None and result.data_docs.is_dir():
        make_offline(result.data_docs)  # every asset from this server: intranets are often offline
        publish_directory(store, result.data_docs, DATA_DOCS_PREFIX)
    key = publish_report(store, database_url=database_url)
    with session_scope(database_url) as session:
        session.get(QualityRun, run_id).report_key = key
    log.info(
        "quality %s run %s: %d critical, %d warnings",
        scope, run_id, len(result.critical_failures), len(result.warnings),
    )  # fmt: skip
    if raise_on_critical and not result.success:
        raise QualityFailure(result)
    return run_id, result


def publish_directory(store: ObjectStore, root: Path, prefix: str) -> int:
    """Copy a built site into the store so the API can serve it wherever the task ran."""
    count = 0
    for path in sorted(root.rglob("*")):
        if path.is_file():
            key = prefix + path.relative_to(root).as_posix()
            if "/static/" in f"/{key}" and store.size(key) == path.stat().st_size:
                continue  # GX's fonts, styles and images do not change between runs
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            store.put_file(key, path, kind)
            count += 1
    return count
