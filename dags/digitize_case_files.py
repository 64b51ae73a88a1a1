"""digitize_case_files: an inbox of scanned case files in, searchable documents linked to owners out.

Thin by design: every task calls one stage from ``repository`` and passes ids through XCom. Nothing
is imported or computed at parse time beyond Airflow itself (Airflow best practices).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.configuration import conf
from airflow.sdk import Asset, Param, dag, task

# Records staff (or the upload page) update this asset when a batch lands in the inbox; the event's
# extra may carry {"inbox": "<path>"} to name another inbox than the default.
INBOX = Asset(name="sohoa_inbox", uri="sohoa://inbox")


@dag(
    dag_id="digitize_case_files",
    description="Số hóa hồ sơ: OCR, lưu bản gốc, PDF tìm kiếm được, liên kết chủ sở hữu",
    schedule=[INBOX],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=4,
    params={"inbox": Param("", type="string", description="Thư mục nhận (mặc định $SOHOA_HOME/inbox)")},
    # Retries: Airflow's core.default_task_retries (2 in docker-compose.yml), or SOHOA_TASK_RETRIES
    # (sohoa run sets 2). The embedded run cannot use Airflow's default: dag.test() drops a retries
    # value equal to it when it serializes the DAG and its task instances got max_tries 0, so one
    # failure at a PostgreSQL restart failed the run.
    default_args={
        "retries": int(
            os.environ.get("SOHOA_TASK_RETRIES") or conf.getint("core", "default_task_retries", fallback=0)
        ),
        "retry_delay": timedelta(seconds=30),
    },
    tags=["sohoa"],
)
def digitize_case_files():
    @task
    def register_batch(params=None, triggering_asset_events=None, run_id=None) -> str:
        from repository.intake.batches import register_batch
        from repository.settings import load_settings

        inbox = (params or {}).get("inbox") or ""
        for events in (triggering_asset_events or {}).values():
            for event in events:
                inbox = (event.extra or {}).get("inbox") or inbox
        return register_batch(inbox or load_settings().inbox, run_id=run_id)

    @task
    def list_items(batch_id: str) -> list[str]:
        from repository.intake.batches import active_items

        return active_items(batch_id)

    # One task per file runs its stages in their fixed order (store the original, read its pages,
    # understand it): no stage waits for every file of the batch to finish the one before, and a
    # file pays one task start-up, not three. A retry resumes the file: each stage skips what is done.
    @task(map_index_template="{{ item_id }}", execution_timeout=timedelta(hours=2))
    def digitize_file(item_id: str) -> str:
        from repository.pipeline.process import process_item

        return process_item(item_id)

    @task(trigger_rule="all_done")
    def summarize(batch_id: str, item_ids: list[str]) -> dict:
        from repository.pipeline.stages import finish_batch
        from repository.pipeline.summary import batch_summary

        finish_batch(batch_id)
        summary = batch_summary(batch_id)
        # Counts only: the full summary names owners and is for the CLI and reports, not for XCom/logs.
        return {"batch_id": batch_id, "files": summary.files, "by_status": summary.by_status}

    @task
    def check_quality(batch_id: str, summary: dict) -> dict:
        from quality.checks import check_batch

        # Raises on a critical failure (after recording it and publishing the report): the run fails.
        run_id, result = check_batch(batch_id)
        return {"quality_run": run_id, "warnings": [c.name for c in result.warnings]}

    batch_id = register_batch()
    digitized = digitize_file.expand(item_id=list_items(batch_id))
    check_quality(batch_id, summarize(batch_id, digitized))


digitize_case_files()
