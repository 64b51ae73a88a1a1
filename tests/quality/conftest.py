"""Fixtures of the quality tests."""

from __future__ import annotations

from tests.quality.test_indicators import fixture as kpi_fixture  # noqa: F401 - shared with test_kpi
