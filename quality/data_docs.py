"""GX Data Docs that work offline: the pages GX builds load Bootstrap, jQuery, Font Awesome and Vega
from public CDNs; each built site gets the vendored copies (``quality/data_docs_assets``, with their
licences) and its pages are pointed at them, so they render under our CSP with nothing from outside."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).with_name("data_docs_assets")
VENDOR = "static/vendor"  # inside the site
# What GX's templates load (GX 1.x), and the vendored file that replaces it.
CDN = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-prefers-dark.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed.min.js",
}  # fmt: skip
# GX's logo is fetched from its S3 bucket (with a tracking query); the site ships the same image.
_REMOTE_IMAGES = re.compile(
    r"https://great-expectations-web-assets\.s3[^\"']*?/([\w.-]+\.(?:png|svg|gif))[^\"']*"
)
_REMOTE_LOAD = re.compile(r"""(?:src|href)=["']https?://[^"']+\.(?:js|css|png|svg|gif|woff2?)""")


def make_offline(site: Path) -> int:
    """Copy the vendored assets into ``site`` and point every page at them; returns pages rewritten.
    Raises when a page still loads something from outside (a GX upgrade that added an asset)."""
    target = site / VENDOR
    shutil.copytree(ASSETS, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    rewritten = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        vendor = os.path.relpath(target, page.parent)
        images = os.path.relpath(site / "static" / "images", page.parent)
        offline = text
        for url, local in CDN.items():
            offline = offline.replace(f'"{url}"', f'"{vendor}/{local}"')
        offline = _REMOTE_IMAGES.sub(lambda m, to=images: f"{to}/{m.group(1)}", offline)
        leftover = _REMOTE_LOAD.search(offline)
        if leftover:
            raise RuntimeError(f"{page.name}: Data Docs still load {leftover.group(0)!r}: vendor it")
        if offline != text:
            page.write_text(offline, encoding="utf-8")
            rewritten += 1
    return rewritten
