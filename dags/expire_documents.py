"""expire_documents: every day, documents past their validity are marked expired (never offered for reuse).

Thin: one task calling one repository function; nothing but Airflow is imported at parse time.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="expire_documents",
    description="Đánh dấu giấy tờ hết hiệu lực / mark documents that expired",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["sohoa"],
)
def expire_documents():
    @task
    def mark_expired(ds=None) -> int:
        from datetime import date

        from repository.catalog.lifecycle import mark_expired

        # The run's logical date, so a re-run of a past day gives the same answer.
        return mark_expired(date.fromisoformat(ds) if ds else None)

    mark_expired()


expire_documents()
