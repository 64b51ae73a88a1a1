"""audit_checkpoint: every hour, the audit chain's head is signed and written to the object store.

A cut tail or a rewritten chain is then detected by `sohoa audit verify` against these anchors (the
chain alone cannot tell: whoever deletes its tail can move the head too). Thin: one task.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="audit_checkpoint",
    description="Neo đầu chuỗi nhật ký truy cập ra kho đối tượng / anchor the audit chain",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["sohoa"],
)
def audit_checkpoint():
    @task
    def anchor() -> int:
        from repository.security.audit import checkpoint
        from repository.storage import open_store

        return checkpoint(open_store())["count"]

    anchor()


audit_checkpoint()
