"""watch_dropzone: a batch placed in the drop zone (directory or bucket prefix) starts a digitization run.

Thin: one task asks ``repository.intake.dropzone`` which batches are complete and new, and one mapped
trigger starts ``digitize_case_files`` for each with its inbox. Nothing is imported at parse time
beyond Airflow.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import dag, task


@dag(
    dag_id="watch_dropzone",
    description="Theo dõi vùng thả hồ sơ / start a run for each batch dropped in the drop zone",
    schedule=timedelta(minutes=1),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # two watchers would start the same batch twice
    tags=["sohoa", "intake"],
)
def watch_dropzone():
    @task
    def ready_batches() -> list[dict]:
        from repository.intake.dropzone import ready_inboxes

        return [{"inbox": inbox} for inbox in ready_inboxes()]

    TriggerDagRunOperator.partial(
        task_id="start_digitization", trigger_dag_id="digitize_case_files", wait_for_completion=False
    ).expand(conf=ready_batches())


watch_dropzone()
