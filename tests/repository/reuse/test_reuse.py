"""Reuse checks on both catalogs: satisfied, or why not (none, expired, superseded, review, ...)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from repository.catalog.db import session_scope
from repository.catalog.lifecycle import link_versions
from repository.catalog.models import Document, DocumentStatus, Owner
from repository.catalog.procedures import Requirement, UnknownProcedure, procedures
from repository.reuse.rules import reuse_check

PID = "001190012345"


@pytest.fixture
def db_url(catalog_url: str) -> str:
    return catalog_url


def _doc(session, owner, type_code, n, *, issued, until=None, status=DocumentStatus.DIGITIZED) -> Document:
    doc = Document(owner_id=owner.id, sha256=f"{n:064d}", original_key=f"originals/00/{n}.pdf",
                   doc_type_code=type_code, issue_date=issued, valid_until=until, status=status,
                   result_code=f"{type_code}.{n}", digitized_at=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    session.add(doc)
    session.flush()
    return doc


def test_reuse_outcomes(db_url: str) -> None:
    with session_scope(db_url) as s:
        owner = Owner(kind="citizen", identifier=PID, name="Nguyễn Thị Hương")
        s.add(owner)
        s.flush()
        old_card = _doc(s, owner, "cccd", 1, issued=date(2015, 1, 1), until=date(2030, 3, 12))
        new_card = _doc(s, owner, "cccd", 2, issued=date(2024, 6, 1), until=date(2030, 3, 12))
        link_versions(s, owner.id, "cccd")
        _doc(s, owner, "marital_status_certificate", 3, issued=date(2026, 1, 5), until=date(2026, 7, 5))
        _doc(s, owner, "birth_certificate", 4, issued=date(1990, 3, 20), status=DocumentStatus.NEEDS_REVIEW)
        _doc(s, owner, "household_book", 5, issued=date(2010, 1, 1))
        _doc(s, owner, "land_use_certificate", 6, issued=date(2019, 7, 14))  # needs approval first
        _doc(s, owner, "diploma", 7, issued=date(2012, 6, 1), status=DocumentStatus.REJECTED)
        ids = {"old_card": old_card.id, "new_card": new_card.id}

    def check(types, on):
        report = reuse_check("citizen", PID, types=types, on=on, database_url=db_url)
        return {o.requirement.type: (o.satisfied, o.document_id or o.reason) for o in report.outcomes}, report

    outcomes, report = check(
        ["cccd", "marital_status_certificate", "birth_certificate", "household_book", "land_use_certificate",
         "diploma", "marriage_certificate"],
        date(2026, 3, 1),
    )  # fmt: skip
    assert outcomes == {
        "cccd": (True, ids["new_card"]),  # the renewed card, not the one it replaced
        "marital_status_certificate": (True, outcomes["marital_status_certificate"][1]),
        "birth_certificate": (False, "in_review"),
        "household_book": (False, "never_reusable"),
        "land_use_certificate": (False, "in_review"),
        "diploma": (False, "rejected"),
        "marriage_certificate": (False, "none_on_file"),
    }
    assert report.need_not_bring == 2
    # After its six months, the marital status certificate has expired.
    later, _ = check(["marital_status_certificate"], date(2026, 8, 1))
    assert later["marital_status_certificate"] == (False, "expired")
    # With only the superseded card left valid... it is still superseded.
    with session_scope(db_url) as s:
        s.get(Document, ids["new_card"]).status = DocumentStatus.REJECTED
    card, _ = check(["cccd"], date(2026, 3, 1))
    assert card["cccd"] == (False, "rejected")


def test_procedure_freshness_rule(db_url: str) -> None:
    with session_scope(db_url) as s:
        owner = Owner(kind="citizen", identifier=PID)
        s.add(owner)
        s.flush()
        _doc(s, owner, "cccd", 1, issued=date(2024, 6, 1), until=date(2030, 3, 12))
        # Valid until a date far ahead, but issued more than 6 months before the application.
        _doc(s, owner, "marital_status_certificate", 2, issued=date(2025, 1, 5), until=date(2027, 1, 5))
    report = reuse_check("citizen", PID, procedure="HT.KETHON", on=date(2026, 3, 1), database_url=db_url)
    assert [(o.requirement.type, o.satisfied, o.reason) for o in report.outcomes] == [
        ("cccd", True, None),
        ("marital_status_certificate", False, "too_old"),
    ]
    assert Requirement("marital_status_certificate", 6) in procedures()["HT.KETHON"].requires
    with pytest.raises(UnknownProcedure):
        reuse_check("citizen", PID, procedure="NO.SUCH", database_url=db_url)


def test_unknown_owner_has_nothing_on_file(db_url: str) -> None:
    report = reuse_check("citizen", "079085004321", procedure="XD.GPXD", database_url=db_url)
    assert report.need_not_bring == 0 and {o.reason for o in report.outcomes} == {"none_on_file"}


def test_cli_twin(home: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "repository", "reuse-check", "--owner-kind", "công dân", "--owner-id", PID,
         "--procedure", "HT.KETHON"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "cần nộp" in done.stdout and "không cần mang 0" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "repository", "reuse-check", "--owner-kind", "citizen", "--owner-id", "123",
         "--procedure", "HT.KETHON"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 2 and "12 chữ số" in bad.stderr


def test_daily_expiry_marks_only_reusable_documents(db_url: str) -> None:
    from repository.catalog.lifecycle import mark_expired

    with session_scope(db_url) as s:
        owner = Owner(kind="citizen", identifier=PID)
        s.add(owner)
        s.flush()
        gone = _doc(
            s, owner, "marital_status_certificate", 1, issued=date(2026, 1, 5), until=date(2026, 7, 5)
        )
        waiting = _doc(s, owner, "marital_status_certificate", 2, issued=date(2026, 1, 5),
                       until=date(2026, 7, 5), status=DocumentStatus.NEEDS_REVIEW)  # fmt: skip
        fine = _doc(s, owner, "cccd", 3, issued=date(2024, 1, 1), until=date(2030, 1, 1))
        ids = (gone.id, waiting.id, fine.id)
    assert mark_expired(date(2026, 8, 1), db_url) == 1
    assert mark_expired(date(2026, 8, 1), db_url) == 0  # idempotent
    with session_scope(db_url) as s:
        assert [s.get(Document, i).status for i in ids] == ["expired", "needs_review", "digitized"]
    report = reuse_check("citizen", PID, types=["marital_status_certificate"], on=date(2026, 3, 1),
                         database_url=db_url)  # fmt: skip
    # The expired one is never offered; the one in review is the actionable reason.
    assert not report.outcomes[0].satisfied and report.outcomes[0].reason == "in_review"
    with session_scope(db_url) as s:
        s.get(Document, ids[1]).status = DocumentStatus.REJECTED
    report = reuse_check("citizen", PID, types=["marital_status_certificate"], on=date(2026, 3, 1),
                         database_url=db_url)  # fmt: skip
    assert report.outcomes[0].reason == "rejected"
