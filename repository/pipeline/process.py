"""One item through the whole pipeline, in the one fixed order (as paperless-ngx's consumer has one):
check and store the original, read its pages, understand it, and - for a case's result - make its
signed e-copy. Every stage skips what an earlier run
finished, so this is also how a document is read again (the steward's rerun) or a run is resumed.

The ``digitize_case_files`` DAG runs this as one mapped task per file: files do not wait for one
another between stages, and a retried task resumes its file where the failed try stopped.
"""

from __future__ import annotations

from repository.pipeline.stages import issue_result_ecopy, read_pages, store_original, understand_document
from repository.storage import ObjectStore, open_store

STAGES = ("store_original", "read_pages", "understand_document", "issue_result_ecopy")


def process_item(item_id: str, store: ObjectStore | None = None, database_url: str | None = None) -> str:
    store = store or open_store()
    store_original(item_id, store=store, database_url=database_url)
    read_pages(item_id, store=store, database_url=database_url)
    understand_document(item_id, database_url=database_url)
    return issue_result_ecopy(item_id, store=store, database_url=database_url)
