"""/verify/{id}?s=...: the page a certificate's QR code opens. It shows the
content central signed (not what is on the paper), and whether the
certificate is genuine, revoked, expired, unknown or forged. /verify takes
the check code printed under the QR code. Server-rendered: works without
JavaScript, on any phone."""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from central.web.i18n import N_
from central.web.render import html_page, render, texts
from common.certificates import VerifyReply

router = APIRouter(include_in_schema=False)

MESSAGES = {
    "title": N_("Certificate verification"),
    "genuine": N_("Genuine: issued by this service hall. Compare the paper with the content below."),
    "revoked": N_("Revoked: this certificate is no longer valid"),
    "expired": N_("Expired: this certificate was genuine but is past its validity date"),
    "unknown": N_("Unknown: no certificate with this id or check code was issued here"),
    "invalid": N_("Forged or altered: the code does not match any certificate issued here"),
    "issuer": N_("Issued by"),
    "issued_at": N_("Issued at"),
    "expires_at": N_("Valid until"),
    "certificate_id": N_("Certificate id"),
    "check_code": N_("Check code"),
    "subject": N_("Holder"),
    "enter_code": N_("Enter the check code printed under the QR code"),
    "verify": N_("Verify"),
    "key_note": N_("Signed with Ed25519; the public key is at /api/v1/certificates/public-key"),
}
STATE_CLASS = {"genuine": "ok", "revoked": "warn", "expired": "warn", "unknown": "bad", "invalid": "bad"}


def _content_html(reply: VerifyReply, t: dict) -> str:
    cert = reply.certificate
    if cert is None:
        return ""
    c = cert.content
    e = html.escape
    rows = (
        [(t["subject"], f"{c.subject_name} {c.subject_id}")]
        + [(f.label, f.value) for f in c.fields]
        + [
            (t["issuer"], cert.issuer),
            (t["issued_at"], cert.issued_at.strftime("%Y-%m-%d %H:%M UTC")),
            (t["expires_at"], cert.expires_at.isoformat()),
            (t["certificate_id"], cert.id),
            (t["check_code"], cert.check_code),
        ]
    )
    out = [f"<h2>{e(c.title)}</h2><table class='fields'>"]
    out += [f"<tr><th>{e(label)}</th><td>{e(value)}</td></tr>" for label, value in rows]
    out.append("</table>")
    if c.table:
        out.append(
            "<div class='scroll'><table class='grid'><tr>"
            + "".join(f"<th>{e(col)}</th>" for col in c.table.columns)
            + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in c.table.rows)
            + "</table></div>"
        )
    if c.statement:
        out.append(f"<p>{e(c.statement)}</p>")
    return "".join(out)


def _page(request: Request, reply: VerifyReply | None) -> HTMLResponse:
    both = texts(MESSAGES)
    label = {k: f"{zh} / {en}" for k, (zh, en) in both.items()}
    if reply is None:
        state_html = ""
    else:
        state_html = (
            f"<div class='state {STATE_CLASS[reply.state]}' id='state' data-state='{reply.state}'>"
            f"{html.escape(both[reply.state][0])}<br><span class='en'>{html.escape(both[reply.state][1])}"
            "</span></div>" + _content_html(reply, label)
        )
    page = render("verify.html", MESSAGES, hall=request.app.state.central.config.hall.name)
    return html_page(page.replace("<!--RESULT-->", state_html))


@router.get("/verify/{cert_id}", response_class=HTMLResponse)
def verify_page(cert_id: str, request: Request, s: str = "") -> HTMLResponse:
    return _page(request, request.app.state.certificates.verify(cert_id[:40], signature=s[:200]))


@router.get("/verify", response_class=HTMLResponse)
def verify_by_code(request: Request, code: str = "") -> HTMLResponse:
    reply = request.app.state.certificates.verify("", code=code[:20]) if code.strip() else None
    return _page(request, reply)
