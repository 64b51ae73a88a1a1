"""The one-stop system's calls, targets and alerts (with the webhook, over real HTTP), the monthly report,
and `sohoa kpi` - on the hand-counted fixture of test_indicators."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from quality.indicators import alerts, indicators, notify, targets
from quality.kpi_report import publish_month
from repository.api import create_app
from repository.catalog.db import migrate, session_scope
from repository.catalog.models import Document, Owner
from repository.settings import DEFAULT_THRESHOLDS, thresholds
from repository.storage import LocalStore
from tests.helpers import bearer, free_port, token_for
from tests.quality.test_indicators import NOV


def test_the_one_stop_system_registers_and_resolves_cases_idempotently(
    catalog_url: str, tmp_path: Path
) -> None:
    app = create_app(catalog_url, LocalStore(tmp_path / "objects"))
    officer = TestClient(app, headers=bearer(token_for("officer", "UBND.TX", catalog_url)))
    case = {
        "case_code": "UBTX-261103-00001",
        "procedure_code": "HT.KETHON",
        "owner_kind": "citizen",
        "owner_id": "001190012345",
        "owner_name": "Nguyễn Thị Hương",
        "received_on": "2026-11-03",
    }
    first = officer.post("/api/one-stop/cases", json=case)
    assert first.status_code == 200 and first.json()["created"] and first.json()["field"] == "Hộ tịch"
    again = officer.post("/api/one-stop/cases", json=case)
    assert again.json()["created"] is False  # sent twice: one case
    other = officer.post("/api/one-stop/cases", json=case | {"owner_id": "079085004321"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "case_exists"
    with session_scope(catalog_url) as s:
        owner = s.query(Owner).filter_by(identifier="001190012345").one()
        result = Document(
            owner_id=owner.id,
            sha256="f" * 64,
            original_key="originals/ff/f.pdf",
            doc_type_code="marriage_certificate",
            status="digitized",
            ecopy_id="signed-ecopy",  # the result came back with its signed e-copy
        )
        s.add(result)
        s.flush()
        result_id = result.id
    resolved = officer.post(
        f"/api/one-stop/cases/{case['case_code']}/resolution",
        json={"resolved_on": "2026-11-10", "result_document_id": result_id},
    )
    assert resolved.status_code == 200
    stranger = TestClient(app, headers=bearer(token_for("officer", "UBND.NL", catalog_url)))
    assert stranger.post(f"/api/one-stop/cases/{case['case_code']}/resolution", json={}).status_code == 403
    month = indicators(*NOV, database_url=catalog_url)["overall"]
    assert month["counts"]["received"] == 1 and month["result_ecopy_rate"] == 1.0


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail_first = True

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if _Hook.fail_first:
            _Hook.fail_first = False
            self.send_response(503)
        else:
            _Hook.received.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_units_under_target_are_alerted_and_the_webhook_is_retried(
    kpi_fixture: str, monkeypatch, tmp_path
) -> None:
    limits = tmp_path / "thresholds.toml"
    limits.write_text(
        DEFAULT_THRESHOLDS.read_text().replace(
            "[kpi.agencies]", '[kpi.agencies."SOTC.HN"]\ndigitization_rate = 0.5'
        )
    )
    monkeypatch.setenv("SOHOA_THRESHOLDS", str(limits))
    thresholds.cache_clear()
    try:
        assert (
            targets("SOTC.HN")["digitization_rate"] == 0.5 and targets("UBND.TX")["digitization_rate"] == 0.9
        )
        found = alerts(date(2026, 11, 22), database_url=kpi_fixture)
        kinds = {(a["agency"], a["indicator"]) for a in found}
        # UBND.TX: 1 of 3 digitized, 1 of 2 e-copies, 2 of 2 reused; SOTC.HN: digitized, nothing to reuse...
        assert ("UBND.TX", "digitization_rate") in kinds and ("UBND.TX", "result_ecopy_rate") in kinds
        assert ("UBND.TX", "reuse_rate") not in kinds and ("SOTC.HN", "digitization_rate") not in kinds
        assert ("SOTC.HN", "reuse_rate") in kinds  # 0 of 1 reusable on file attached
        server = HTTPServer(("127.0.0.1", free_port()), _Hook)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            assert notify(found, f"http://127.0.0.1:{server.server_port}/alerts", wait=0.05)  # 503, then 204
        finally:
            server.shutdown()
        assert _Hook.received[0]["alerts"] == found
        assert notify(found, "http://127.0.0.1:9/unreachable", attempts=2, wait=0.01) is False  # never raises
    finally:
        thresholds.cache_clear()


def test_the_monthly_report_and_the_command(kpi_fixture: str, tmp_path: Path, home) -> None:
    store = LocalStore(tmp_path / "objects")
    keys = publish_month(store, "2026-11", database_url=kpi_fixture)
    assert keys == ["reports/kpi/2026-11.html", "reports/kpi/2026-11.xlsx"]
    page = store.get_bytes(keys[0]).decode()
    assert (
        "Tỷ lệ hồ sơ được số hóa" in page
        and "UBND.TX" in page
        and not re.search(r"(?:src|href)=[\"']https?:", page)
    )
    (tmp_path / "k.xlsx").write_bytes(store.get_bytes(keys[1]))
    book = load_workbook(tmp_path / "k.xlsx")
    # A summary the city's office reads as it is: the period, each indicator beside its target.
    assert book.sheetnames == ["Tổng hợp", "Cơ quan", "Thủ tục", "Lĩnh vực"]
    summary = {row[0].value: row for row in book["Tổng hợp"].iter_rows() if row[0].value}
    assert summary["Kỳ báo cáo"][1].value == "01/11/2026 - 30/11/2026"
    digitized = summary["Tỷ lệ hồ sơ được số hóa"]
    assert (
        digitized[1].value == 0.5
        and digitized[1].number_format == "0.0%"
        and digitized[3].value == "Dưới mục tiêu"
    )
    env = os.environ | {"SOHOA_DATABASE_URL": kpi_fixture}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "repository",
            "kpi",
            "--month",
            "2026-11",
            "--json",
            "--xlsx",
            str(tmp_path / "cli.xlsx"),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["overall"]["digitization_rate"] == 0.5 and result["overall"]["documents_not_brought"] == 2
    assert {a["agency"] for a in result["agencies"]} == {"UBND.TX", "SOTC.HN"} and (
        tmp_path / "cli.xlsx"
    ).exists()
    bad = subprocess.run(
        [sys.executable, "-m", "repository", "kpi", "--month", "2026-13"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2


def test_the_api_answers_stewards_only(kpi_fixture: str, tmp_path: Path) -> None:
    migrate(kpi_fixture)
    app = create_app(kpi_fixture, LocalStore(tmp_path / "objects"))
    steward = TestClient(app, headers=bearer(token_for("steward", "SO.TP", kpi_fixture)))
    body = steward.get("/api/kpi", params={"month": "2026-11"}).json()
    assert body["overall"]["reuse_rate"] == round(2 / 3, 4)
    ranged = steward.get(
        "/api/kpi", params={"from": "2026-11-15", "to": "2026-11-30", "agency": "SOTC.HN"}
    ).json()
    assert ranged["overall"]["counts"]["received"] == 1
    officer = TestClient(app, headers=bearer(token_for("officer", "UBND.TX", kpi_fixture)))
    assert officer.get("/api/kpi").status_code == 403
