"""kpi_alerts: every day, agencies under a service-indicator target for the configured number of days
are warned - in this DAG's output and by a JSON POST to the city's notification system (retried; a
failed notification never fails the pipeline). Thin: one task."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="kpi_alerts",
    description="Cảnh báo đơn vị chưa đạt chỉ tiêu số hóa, bản điện tử, tái sử dụng / indicator alerts",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["sohoa"],
)
def kpi_alerts():
    @task
    def warn(ds=None) -> dict:
        from datetime import date

        from quality.indicators import alerts, notify
        from repository.settings import load_settings

        found = alerts(date.fromisoformat(ds) if ds else date.today())
        for alert in found:  # agency codes and rates only: nothing personal
            print(f"{alert['agency']}: {alert['indicator']} {alert['value']:.3f} < {alert['target']:.3f}")
        return {"alerts": len(found), "notified": notify(found, load_settings().kpi_webhook_url)}

    warn()


kpi_alerts()
