"""GX Data Docs that work offline: the pages GX builds load Bootstrap, jQuery, Font Awesome and Vega
from public CDNs; each built site gets the vendored copies (``quality/data_docs_assets``, with their
licences) and its pages are pointed at them, so they render under our CSP with nothing from outside."""

from __future__ import annotations

import os
import re
import shutil
from functools import partial
from pathlib import Path

ASSETS = Path(__file__).with_name("data_docs_assets")
VENDOR = "static/vendor"  # inside the site
# What GX 1.x's templates load, by the asset's path (the URL after its host), and the vendored file
# that replaces it. Exact versions: a GX upgrade that asks for another one fails make_offline loudly.
VENDORED = {
    "bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": "bootstrap-prefers-dark.css",
    "jquery-3.7.1.min.js": "jquery-3.7.1.min.js",
    "ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table.min.css",
    "bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table.min.js",
    "bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-filter-control.min.js",
    "bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-filter-control.css",
    "bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-filter-control.min.css",
    "ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
    "ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "npm/vega@5": "vega.min.js",
    "npm/vega-lite@5": "vega-lite.min.js",
    "npm/vega-embed@6": "vega-embed.min.js",
}  # fmt: skip
# Every remote address a tag that loads something (script, stylesheet, image) points at; links (<a>)
# load nothing until clicked and stay as they are.
_LOADS = re.compile(r"""(<(?:script|link|img)\b[^>]*?\b(?:src|href)=["'])(https?://[^"']+)""", re.I)


def make_offline(site: Path) -> int:
    """Copy the vendored assets into ``site`` and point every page at them; returns pages rewritten.
    Raises when a page loads something from outside that is not vendored (a GX upgrade's new asset)."""
    target = site / VENDOR
    shutil.copytree(ASSETS, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    images = site / "static" / "images"
    rewritten = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        here = {
            "vendor": os.path.relpath(target, page.parent),
            "images": os.path.relpath(images, page.parent),
        }
        offline = _LOADS.sub(partial(_local, page=page, here=here, images=images), text)
        offline = _in_our_frame(offline)
        if offline != text:
            page.write_text(offline, encoding="utf-8")
            rewritten += 1
    return rewritten


# GX's footer asks readers to subscribe to its newsletter (a link out of an offline intranet); our
# readers need a way back to the reports instead, and to know the detail pages are in English.
_FOOTER = re.compile(r"<footer>\s*<p>Stay current on everything GX.*?</footer>", re.S)
# Its index page also ends with tutorial buttons for GX's own users ("To continue exploring..."):
# links out of the intranet, in English, nothing a steward needs.
_TUTORIALS = re.compile(r"<footer[^>]*>\s*<h5 class=\"alert-heading text-center\">.*?</footer>", re.S)
BACK_BAR = (
    '<div id="sohoa-back" style="background:#234e52;color:#fff;padding:8px 16px;font:14px sans-serif">'
    '<a href="/reports/" style="color:#fff;font-weight:bold">&larr; Về Báo cáo chất lượng</a> · '
    "Kết quả chi tiết của các bộ kiểm tra dữ liệu (Great Expectations; trang chi tiết bằng tiếng Anh)</div>"
)


def _in_our_frame(page: str) -> str:
    page = _TUTORIALS.sub("", _FOOTER.sub("", page))
    if "sohoa-back" not in page:
        page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + BACK_BAR, page, count=1)
    return page


def _local(match: re.Match, page: Path, here: dict[str, str], images: Path) -> str:
    tag, url = match.groups()
    path = url.split("://", 1)[1].partition("/")[2].split("?")[0]
    if path in VENDORED:
        return f"{tag}{here['vendor']}/{VENDORED[path]}"
    if (images / path).is_file():  # GX's logo, fetched from its bucket with a tracking query: shipped too
        return f"{tag}{here['images']}/{path}"
    raise RuntimeError(f"{page.name}: Data Docs load {url!r}, which is not vendored: vendor it")
