"""The pages' templates and static assets, shipped with the package (nothing comes from a CDN)."""

from pathlib import Path

WEB = Path(__file__).parent
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
