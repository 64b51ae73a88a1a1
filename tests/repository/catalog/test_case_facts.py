"""The facts kept on each case follow every change that moves them, on SQLite and PostgreSQL, and
always equal what a recomputation from the links and documents gives."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from repository.catalog import case_facts
from repository.catalog.db import migrate, session_scope
from repository.catalog.models import CaseDocument, CaseFile, Document, DocumentStatus, LinkVia, Owner
from tests.helpers import PID

FACTS = ("components", "components_digitized", "last_digitized_at", "ecopy", "reused_requirements")


def _facts(url: str, case_id: str) -> dict:
    with session_scope(url) as s:
        case = s.get(CaseFile, case_id)
        return {name: getattr(case, name) for name in FACTS}


def _document(s, owner: Owner, sha: str, type_code: str, status: str = DocumentStatus.RECEIVED) -> Document:
    document = Document(
        owner_id=owner.id,
        sha256=sha,
        original_key=f"originals/{sha}.pdf",
        filename="f.pdf",
        content_type="application/pdf",
        size_bytes=1,
        kind="component",
        doc_type_code=type_code,
        status=status,
    )
    s.add(document)
    s.flush()
    return document


def _case(s, code: str) -> tuple[Owner, CaseFile]:
    owner = Owner(kind="citizen", identifier=PID, name="Nguyễn Thị Hương")
    s.add(owner)
    s.flush()
    case = CaseFile(case_code=code, procedure_code="HT.KETHON", agency_code="UBND.TX", owner_id=owner.id)
    s.add(case)
    s.flush()
    return owner, case


def _recomputed(url: str, case_id: str) -> dict:
    with session_scope(url) as s:
        s.execute(update(CaseFile).where(CaseFile.id == case_id).values(components=None))
        case_facts.refresh(s)
    return _facts(url, case_id)


def test_case_facts_follow_links_statuses_and_types(catalog_url: str) -> None:
    url = catalog_url
    with session_scope(url) as s:
        owner, case = _case(s, "UBTX-1")
        card = _document(s, owner, "a" * 64, "cccd")
        certificate = _document(s, owner, "b" * 64, "marital_status_certificate", DocumentStatus.DIGITIZED)
        result = _document(s, owner, "c" * 64, "decision")
        s.add(CaseDocument(case_id=case.id, document_id=card.id, role="component", via=LinkVia.SUBMITTED))
        ids = {"case": case.id, "card": card.id, "certificate": certificate.id, "result": result.id}
    assert _facts(url, ids["case"]) == {
        "components": 1,
        "components_digitized": 0,
        "last_digitized_at": None,
        "ecopy": False,
        "reused_requirements": 0,
    }

    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    with session_scope(url) as s:  # the card is read: the case is digitized
        card = s.get(Document, ids["card"])
        card.status, card.digitized_at = DocumentStatus.DIGITIZED, at
    facts = _facts(url, ids["case"])
    assert facts["components_digitized"] == 1
    assert facts["last_digitized_at"].replace(tzinfo=UTC) == at

    with session_scope(url) as s:  # the certificate attached from the repository, the result issued
        s.add(
            CaseDocument(
                case_id=ids["case"], document_id=ids["certificate"], role="component", via=LinkVia.REUSE
            )
        )
        s.add(CaseDocument(case_id=ids["case"], document_id=ids["result"], role="result", via=LinkVia.RESULT))
    assert _facts(url, ids["case"])["reused_requirements"] == 1
    assert _facts(url, ids["case"])["ecopy"] is False  # the result is not digitized yet
    with session_scope(url) as s:
        s.get(Document, ids["result"]).status = DocumentStatus.APPROVED
    assert _facts(url, ids["case"])["ecopy"] is False  # digitized, but no signed e-copy yet: a scan
    with session_scope(url) as s:
        s.get(Document, ids["result"]).ecopy_id = "signed-ecopy"
    assert _facts(url, ids["case"])["ecopy"] is True

    with session_scope(url) as s:  # a steward finds the reused document is not a certificate at all
        s.get(Document, ids["certificate"]).doc_type_code = "diploma"
    assert _facts(url, ids["case"])["reused_requirements"] == 0
    with session_scope(url) as s:  # and the officer detaches it
        link = s.scalar(select(CaseDocument).where(CaseDocument.document_id == ids["certificate"]))
        s.delete(link)
    assert _facts(url, ids["case"]) == _recomputed(url, ids["case"])


def test_migrate_fills_the_facts_of_cases_that_predate_them(catalog_url: str) -> None:
    with session_scope(catalog_url) as s:
        owner, case = _case(s, "UBTX-2")
        card = _document(s, owner, "d" * 64, "cccd", DocumentStatus.DIGITIZED)
        s.add(CaseDocument(case_id=case.id, document_id=card.id, role="component", via=LinkVia.SUBMITTED))
        case_id = case.id
    with session_scope(catalog_url) as s:  # as a catalog upgraded from before the facts were kept
        s.execute(update(CaseFile).values({name: None for name in FACTS}))
    migrate(catalog_url)
    assert _facts(catalog_url, case_id)["components_digitized"] == 1
