"""What the repository knows about: procedures and document types (for forms and clients)."""

from __future__ import annotations

from fastapi import APIRouter

from ocr.understand import document_types
from repository.api.deps import Caller
from repository.catalog.procedures import procedures

router = APIRouter(prefix="/api", tags=["danh mục / catalog"])


@router.get("/procedures")
def list_procedures(who: Caller) -> dict:
    results = [{"code": p.code, "name": p.name, "requires": [r.type for r in p.requires]}
               for p in procedures().values()]  # fmt: skip
    return {"results": results, "total": len(results)}


@router.get("/document-types")
def list_document_types(who: Caller) -> dict:
    results = [{"code": k.code, "name": k.name, "owner_kind": k.owner_kind, "reusable": k.reusable}
               for k in document_types().values()]  # fmt: skip
    return {"results": results, "total": len(results)}
