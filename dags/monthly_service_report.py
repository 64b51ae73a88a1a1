"""monthly_service_report: on the 1st, the past month's service-indicator report (HTML and XLSX) in the
object store, listed on /kpi - in time for the city's report before the 15th. Thin: one task."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="monthly_service_report",
    description="Báo cáo chỉ số phục vụ hằng tháng / the monthly service-indicator report",
    schedule="0 1 1 * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["sohoa"],
)
def monthly_service_report():
    @task
    def publish(ds=None) -> list[str]:
        from datetime import date, timedelta

        from quality.kpi_report import publish_month
        from repository.storage import open_store

        first_of_this_month = (date.fromisoformat(ds) if ds else date.today()).replace(day=1)
        month = (first_of_this_month - timedelta(days=1)).strftime("%Y-%m")
        return publish_month(open_store(), month)

    publish()


monthly_service_report()
