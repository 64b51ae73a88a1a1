"""Data Docs made offline: every asset GX's pages load is pointed at the vendored copy; links stay;
an asset nobody vendored is refused loudly rather than fetched from a CDN by the steward's browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from quality.data_docs import make_offline

PAGE = """<html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css">
<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>
</head><body><img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1&x=2">
<a href="https://greatexpectations.io">Great Expectations</a></body></html>"""


def test_assets_point_at_the_vendored_copies(tmp_path: Path) -> None:
    (tmp_path / "static" / "images").mkdir(parents=True)
    (tmp_path / "static" / "images" / "logo-long.png").write_bytes(b"png")
    (tmp_path / "validations").mkdir()
    (tmp_path / "validations" / "run.html").write_text(PAGE)
    assert make_offline(tmp_path) == 1
    page = (tmp_path / "validations" / "run.html").read_text()
    assert (
        'href="../static/vendor/bootstrap.min.css"' in page and 'src="../static/vendor/vega.min.js"' in page
    )
    assert 'src="../static/images/logo-long.png"' in page
    assert 'href="https://greatexpectations.io"' in page  # a link loads nothing
    assert (tmp_path / "static" / "vendor" / "fontawesome" / "webfonts").is_dir()


def test_an_asset_nobody_vendored_is_refused(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text('<script src="https://cdn.example.org/new-lib@2/lib.js"></script>')
    with pytest.raises(RuntimeError, match="not vendored"):
        make_offline(tmp_path)
