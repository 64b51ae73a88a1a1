"""The quality suites, run by Great Expectations (GX Core 1.x) from our own tasks.

Every check is one expectation on one table from ``quality.collect``, with a stable name, a severity
(critical: the run fails; warning: the steward is told) and a Vietnamese description that the steward
report and the Data Docs show. Suites: ``batch`` (after each digitization run) and ``catalog`` (daily).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocr.understand import document_types
from quality.collect import Tables
from repository.catalog.models import ItemStatus, PageMethod
from repository.settings import threshold

log = logging.getLogger(__name__)

CRITICAL, WARNING = "critical", "warning"


@dataclass(frozen=True)
class Check:
    name: str
    table: str  # attribute of Tables
    severity: str
    scopes: tuple[str, ...]
    description: str  # Vietnamese first, English after the slash
    expectation: Callable[[], Any]  # builds the GX expectation (GX is imported lazily: it is slow)
    id_column: str = "document_id"


def _checks() -> list[Check]:
    import great_expectations.expectations as gxe

    both, catalog = ("batch", "catalog"), ("catalog",)
    understood = {"row_condition": "understood==True", "condition_parser": "pandas"}
    return [
        Check(
            "page_confidence", "pages", WARNING, both,
            "Trang OCR đạt ngưỡng tin cậy / OCR pages reach the confidence threshold",
            lambda: gxe.ExpectColumnValuesToBeBetween(
                column="confidence", min_value=threshold("pages", "review_confidence"),
                mostly=threshold("quality", "confident_page_share"),
                row_condition=f'method=="{PageMethod.OCR}"', condition_parser="pandas",
            ),
        ),
        Check(
            "pages_not_empty", "pages", WARNING, both,
            "Không có trang trống / no page without text",
            lambda: gxe.ExpectColumnValuesToBeBetween(column="chars", min_value=1),
        ),
        Check(
            "page_method_known", "pages", CRITICAL, both,
            "Mỗi trang được đọc bằng lớp chữ hoặc OCR / every page read by text layer or OCR",
            lambda: gxe.ExpectColumnValuesToBeInSet(
                column="method", value_set=[PageMethod.TEXT, PageMethod.OCR]
            ),
        ),
        Check(
            "type_confidence", "documents", WARNING, both,
            "Loại giấy tờ được nhận dạng chắc chắn / document type recognized with confidence",
            lambda: gxe.ExpectColumnValuesToBeBetween(
                column="type_confidence", min_value=threshold("understanding", "review_type_confidence"),
                mostly=threshold("quality", "confident_type_share"), **understood,
            ),
        ),
        Check(
            "type_known", "documents", WARNING, both,
            "Loại giấy tờ có trong danh mục / document type in the catalog of types",
            lambda: gxe.ExpectColumnValuesToBeInSet(
                column="doc_type", value_set=sorted(document_types()), **understood
            ),
        ),
        Check(
            "required_fields", "documents", WARNING, both,
            "Đủ trường bắt buộc theo loại giấy tờ / required fields present for the type",
            lambda: gxe.ExpectColumnValuesToBeBetween(column="required_missing", max_value=0),
        ),
        Check(
            "identifier_valid", "documents", CRITICAL, both,
            "Định danh chủ sở hữu hợp lệ (CCCD 12 số, mã số thuế) / owner identifiers are valid",
            lambda: gxe.ExpectColumnValuesToBeInSet(column="identifier_valid", value_set=[True]),
        ),
        Check(
            "owner_match", "documents", WARNING, both,
            "Chủ sở hữu trên giấy tờ khớp hồ sơ / owner printed on the document matches the case",
            lambda: gxe.ExpectColumnValuesToBeInSet(column="owner_mismatch", value_set=[False]),
        ),
        Check(
            "mismatch_not_offered", "documents", CRITICAL, both,
            "Giấy tờ lệch chủ sở hữu không được tái sử dụng / owner mismatches never offered for reuse",
            lambda: gxe.ExpectColumnValuesToBeInSet(
                column="offered", value_set=[False], row_condition="owner_mismatch==True",
                condition_parser="pandas",
            ),
        ),
        Check(
            "unique_checksum", "documents", WARNING, both,
            "Không có bản gốc trùng giữa các chủ sở hữu / no original filed under two owners",
            lambda: gxe.ExpectColumnValuesToBeUnique(column="sha256"),
        ),
        Check(
            "no_duplicate_files", "items", WARNING, ("batch",),
            "Không nộp trùng tệp trong lô / no file handed over twice in the batch",
            lambda: gxe.ExpectColumnValuesToBeUnique(column="document_id"),
            id_column="item_id",
        ),
        Check(
            "no_rejected_files", "items", WARNING, ("batch",),
            "Không có tệp bị từ chối / no file turned away",
            lambda: gxe.ExpectColumnValuesToNotBeInSet(column="status", value_set=[ItemStatus.REJECTED]),
            id_column="item_id",
        ),
        Check(
            "items_processed", "items", CRITICAL, ("batch",),
            "Mọi tệp đã nhận đều được xử lý xong / every accepted file was processed",
            lambda: gxe.ExpectColumnValuesToNotBeInSet(
                column="status",
                value_set=[ItemStatus.PENDING, ItemStatus.STORED, ItemStatus.READING, ItemStatus.FAILED],
            ),
            id_column="item_id",
        ),
        Check(
            "objects_present", "objects", CRITICAL, both,
            "Mọi đối tượng trong danh mục có trong kho lưu trữ / every catalogued object is in the store",
            lambda: gxe.ExpectColumnValuesToBeInSet(
                column="present", value_set=[True], row_condition="expected==True", condition_parser="pandas"
            ),
            id_column="key",
        ),
        Check(
            "no_orphan_objects", "objects", WARNING, catalog,
            "Không có đối tượng mồ côi trong kho / no stored object without a catalog row",
            lambda: gxe.ExpectColumnValuesToBeInSet(column="expected", value_set=[True]),
            id_column="key",
        ),
        Check(
            "dates_sane", "documents", WARNING, catalog,
            "Ngày cấp, hiệu lực, ngày sinh hợp lý / issue, validity and birth dates make sense",
            lambda: gxe.ExpectColumnValuesToBeInSet(column="dates_sane", value_set=[True]),
        ),
        Check(
            "expired_not_offered", "documents", CRITICAL, catalog,
            "Giấy tờ hết hiệu lực không còn được tái sử dụng / expired documents not offered for reuse",
            lambda: gxe.ExpectColumnValuesToBeInSet(column="expired_but_offered", value_set=[False]),
        ),
    ]  # fmt: skip


@dataclass
class CheckResult:
    name: str
    severity: str
    description: str
    success: bool
    checked: int
    failed: int
    failing_ids: list[str] = field(default_factory=list)  # opaque document/item ids or object keys

    def as_json(self) -> dict:
        return self.__dict__.copy()


@dataclass
class SuiteResult:
    scope: str
    checks: list[CheckResult]
    data_docs: Path | None = None

    @property
    def critical_failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success and c.severity == CRITICAL]

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success and c.severity == WARNING]

    @property
    def success(self) -> bool:
        return not self.critical_failures

    def failed(self, name: str) -> bool:
        return any(c.name == name and not c.success for c in self.checks)


def checks_for(scope: str) -> list[Check]:
    return [c for c in _checks() if scope in c.scopes]


def run_suite(scope: str, tables: Tables, project_dir: Path | None) -> SuiteResult:
    """Validate ``tables`` with the scope's checks; with ``project_dir``, also update the Data Docs there."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # no usage reports from a public agency
    from great_expectations.exceptions.resource_freshness import ResourceFreshnessAggregateError

    try:
        return _run_suite(scope, tables, project_dir)
    except ResourceFreshnessAggregateError as exc:
        # GX refuses to save an object it thinks changed since it was stored (seen in CI under load,
        # not reproducible locally). A context built afresh from the project reads everything anew.
        log.warning("GX reported stale configuration (%s); running the %s suite again", exc, scope)
        return _run_suite(scope, tables, project_dir)


def _run_suite(scope: str, tables: Tables, project_dir: Path | None) -> SuiteResult:
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    if project_dir is not None:
        project_dir.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(project_dir))
    else:
        context = gx.get_context(mode="ephemeral")
    _quiet(context)
    source = context.data_sources.add_or_update_pandas(f"sohoa_{scope}")
    checks = checks_for(scope)
    definitions = []
    for table in sorted({c.table for c in checks}):
        asset = next((a for a in source.assets if a.name == table), None) or source.add_dataframe_asset(table)
        batch_definition = next(
            (b for b in asset.batch_definitions if b.name == "whole"), None
        ) or asset.add_batch_definition_whole_dataframe("whole")
        suite_name = f"sohoa_{scope}_{table}"
        suite = gx.ExpectationSuite(name=suite_name)
        for check in (c for c in checks if c.table == table):
            expectation = check.expectation()
            expectation.severity = check.severity
            expectation.description = check.description
            expectation.meta = {"check": check.name}
            suite.add_expectation(expectation)
        context.suites.add_or_update(suite)
        # Work on the stored copy: GX checks a suite is 'fresh' by comparing it with the store, and the
        # in-memory object can order same-type expectations differently (a flaky 'changed since saved').
        suite = context.suites.get(name=suite_name)
        definitions.append(
            (table, context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
            ))
        )  # fmt: skip
    results: list[CheckResult] = []
    documented: list = []  # what the Data Docs show of this run: each table's result and its suite
    for table, definition in definitions:
        frame = getattr(tables, table)
        id_column = next(c.id_column for c in checks if c.table == table)
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=definition.name,
                validation_definitions=[definition],
                actions=[],
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [id_column]},
            )
        )
        outcome = checkpoint.run(batch_parameters={"dataframe": frame})
        for result_id, run in outcome.run_results.items():
            documented += [result_id, ExpectationSuiteIdentifier(name=run.suite_name)]
            for r in run.results:
                check = next(c for c in checks if c.name == (r.expectation_config.meta or {}).get("check"))
                detail = r.result or {}
                ids = [
                    str(row.get(check.id_column)) if isinstance(row, dict) else str(row)
                    for row in detail.get("unexpected_index_list") or []
                ]
                results.append(
                    CheckResult(
                        name=check.name,
                        severity=check.severity,
                        description=check.description,
                        success=bool(r.success),
                        checked=int(detail.get("element_count") or 0),
                        failed=int(detail.get("unexpected_count") or 0),
                        failing_ids=sorted(set(ids))[:200],
                    )
                )
                if r.exception_info and r.exception_info.get("raised_exception"):
                    log.error(
                        "check %s could not run: %s", check.name, r.exception_info.get("exception_message")
                    )
    order = [c.name for c in checks]
    results.sort(key=lambda r: order.index(r.name))
    docs = None
    if project_dir is not None:  # GX keeps its project in <project_dir>/gx; ask it where the site is
        # Once for the run, not per table as GX's UpdateDataDocsAction would: each build also
        # rewrites the site's index (about half a second per table here).
        context.build_data_docs(resource_identifiers=documented, build_index=True)
        for site in context.get_docs_sites_urls():
            url = site.get("site_url") or ""
            if url.startswith("file://"):
                docs = Path(url.removeprefix("file://")).parent
                break
    return SuiteResult(scope=scope, checks=results, data_docs=docs)


def _quiet(context) -> None:
    """No progress bars in task logs."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    with contextlib.suppress(Exception):  # a context without the setting: bars are only noise
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
