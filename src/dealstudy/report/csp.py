"""The pages' Content-Security-Policy: inline scripts allowed by their SHA-256 hashes, never 'unsafe-inline'.

The hashes are computed when a page is rendered, from the exact text of every inline ``<script>`` element
on it (what the browser hashes), so a change to the site's scripts or a new script in a template keeps
working without anyone updating a list. Hostile text from the catalog is escaped before it reaches a page, so
it can never form a ``<script>`` element; and if escaping ever failed, an injected script would have no
matching hash and the browser would refuse to run it.
"""

from __future__ import annotations

import base64
import hashlib
import re

__all__ = ["script_hashes", "with_script_hashes"]

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_CSP_META = re.compile(
    r"""(<meta\s+http-equiv=["']Content-Security-Policy["']\s+content=)(["'])(.*?)\2""",
    re.IGNORECASE | re.DOTALL,
)
_SCRIPT_SRC = re.compile(r"script-src[^;]*")


def script_hashes(html: str) -> list[str]:
    """``'sha256-...'`` sources of the inline scripts of ``html`` (external ``src=`` scripts excluded)."""
    out: list[str] = []
    for attributes, body in _SCRIPT.findall(html):
        if re.search(r"\bsrc\s*=", attributes, re.IGNORECASE):
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        source = f"'sha256-{digest}'"
        if source not in out:
            out.append(source)
    return out


def with_script_hashes(html: str) -> str:
    """``html`` with the ``script-src`` of its CSP ``<meta>`` set to the hashes of its inline scripts
    (``'none'`` without scripts); a page without a CSP ``<meta>`` is returned unchanged."""
    sources = " ".join(script_hashes(html)) or "'none'"

    def policy(match: re.Match[str]) -> str:
        head, quote, rules = match.group(1), match.group(2), match.group(3)
        if _SCRIPT_SRC.search(rules):
            rules = _SCRIPT_SRC.sub(lambda _: f"script-src {sources}", rules, count=1)
        else:
            rules = f"{rules.rstrip('; ')}; script-src {sources}"
        return f"{head}{quote}{rules}{quote}"

    return _CSP_META.sub(policy, html, count=1)
