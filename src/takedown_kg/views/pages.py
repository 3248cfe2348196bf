"""The project's HTML pages: one template folder, one environment, and the scripts each page may run.

The network page, the compare report and serve's query page are all rendered
here, so each gets the same escaping, the same JSON policy and a
Content-Security-Policy that lists its own scripts by hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment():
    # lazy: the drawing libraries load only for a page
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    # Urdu as itself, not \u escapes; tojson still escapes <, >, & and ' for the script element.
    environment.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    return environment


def render_page(template: str, **values) -> str:
    """The template filled with `values`, its own scripts allowed by hash and no other."""
    return with_script_hashes(_environment().get_template(template).render(**values))


def with_script_hashes(page: str) -> str:
    """Allow exactly the page's own scripts, by their SHA-256, in its Content-Security-Policy.

    Without 'unsafe-inline', a script that data ever smuggled into the page
    would not run: its hash is not in the list.
    """
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii") + "'"
        for body in re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    ]
    return page.replace("SCRIPT-HASHES", " ".join(hashes), 1)
