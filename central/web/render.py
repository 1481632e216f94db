"""Central's pages are plain HTML templates with their texts filled in from
central's message catalog (central/web/locale), Chinese first and English second:

    {{key}}      "中文 / English"        {{key.zh}}, {{key.en}}  one language
    {{T}}        every message as JSON {key: [zh, en]}, for the page's script
    {{name}}     a value passed by the route (escaped)
    <!--include other.html-->   another template's text, placed before filling in
"""

from __future__ import annotations

import html
import json
import re
import secrets
from functools import cache
from pathlib import Path

from fastapi.responses import HTMLResponse

from central.web.i18n import translator

TEMPLATES = Path(__file__).resolve().parent / "templates"
ZH, EN = translator("zh_CN"), translator("en")
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


INCLUDE = re.compile(r"<!--include ([\w.-]+)-->")


@cache
def _template(name: str) -> str:
    return INCLUDE.sub(lambda m: _template(m.group(1)), (TEMPLATES / name).read_text(encoding="utf-8"))


def texts(messages: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {key: (ZH.gettext(msg), EN.gettext(msg)) for key, msg in messages.items()}


def render(name: str, messages: dict[str, str], **values: str) -> str:
    both = texts(messages)
    page = _template(name).replace("{{T}}", json.dumps(both, ensure_ascii=False).replace("</", "<\\/"))
    for key, (zh, en) in both.items():
        page = page.replace(f"{{{{{key}.zh}}}}", html.escape(zh)).replace(f"{{{{{key}.en}}}}", html.escape(en))
        page = page.replace(f"{{{{{key}}}}}", html.escape(f"{zh} / {en}"))
    for key, value in values.items():
        page = page.replace(f"{{{{{key}}}}}", html.escape(value))
    return page


def page_csp(nonce: str) -> str:
    """Scripts and styles only from us or carrying this response's nonce; no framing, no plugins."""
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def html_page(page: str) -> HTMLResponse:
    """A rendered page as a response: its inline <script> and <style> carry a
    fresh nonce that the Content-Security-Policy names, so nothing injected runs."""
    nonce = secrets.token_urlsafe(16)
    page = page.replace("<script>", f'<script nonce="{nonce}">').replace("<style>", f'<style nonce="{nonce}">')
    return HTMLResponse(page, headers={**NO_STORE, "Content-Security-Policy": page_csp(nonce)})
