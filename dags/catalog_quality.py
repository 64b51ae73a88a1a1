"""catalog_quality: every day, the whole catalog and the object store are checked and reported on.

Thin: one task calling ``quality.checks.check_catalog``; nothing but Airflow is imported at parse time.
A critical failure (a catalogued object missing from the store, an expired document still offered for
reuse, an invalid identifier...) fails the run; warnings go into the steward report.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="catalog_quality",
    description="Kiểm tra chất lượng toàn kho và lập báo cáo / daily catalog quality checks and report",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["sohoa", "quality"],
)
def catalog_quality():
    @task
    def check_catalog(ds=None) -> dict:
        from datetime import date

        from quality.checks import check_catalog

        run_id, result = check_catalog(on=date.fromisoformat(ds) if ds else None)
        return {"quality_run": run_id, "warnings": [c.name for c in result.warnings]}

    check_catalog()


catalog_quality()
