"""/t/{id}: the page a ticket's QR code opens. It follows the ticket live:
position, estimated wait, and which counter to go to once called. It shows
nothing personal (the public ticket status holds nothing personal). Texts come
from the kiosk's message catalogs, in Chinese with English below."""
from __future__ import annotations

import html
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kiosk.i18n import N_, Translator

router = APIRouter(include_in_schema=False)
ZH, EN = Translator("zh_CN"), Translator("en")

MESSAGES = {
    "title": N_("Queue progress"), "loading": N_("Loading..."), "ahead": N_("people ahead"),
    "minutes": N_("minutes to wait"), "refresh": N_("This page refreshes every 5 seconds."),
    "missed": N_("If your number has passed, please ask at the service desk."),
    "not_found": N_("Ticket not found"), "updated": N_("Updated {time}"), "offline": N_("Offline, retrying"),
    "waiting": N_("Please wait"), "called": N_("Please go to counter {n}"),
    "serving": N_("Being served at counter {n}"), "done": N_("Done, thank you"),
    "no_show": N_("Number passed: please ask at the service desk"), "cancelled": N_("Ticket cancelled"),
}

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<style>
 body{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;
      background:#f3f5f9;color:#1a1f2b}
 header{background:#0b4a8b;color:#fff;padding:14px 18px;font-size:18px;font-weight:bold}
 main{max-width:480px;margin:0 auto;padding:18px}
 .card{background:#fff;border-radius:14px;padding:20px;text-align:center;box-shadow:0 1px 3px rgba(0,0,0,.08)}
 .type{font-size:20px} .number{font-size:72px;font-weight:bold;color:#0b5cad;margin:6px 0}
 .state{font-size:22px;font-weight:bold;margin:10px 0} .called{color:#1e7b34}
 .muted{color:#4a5568;font-size:15px} .en{color:#4a5568;font-size:13px} header .en{color:#dce8f7}
 .row{display:flex;justify-content:space-around;margin-top:16px} .row div{font-size:26px;font-weight:bold}
 .row span{display:block;font-size:13px;font-weight:normal;color:#4a5568}
</style></head>
<body><header>{{hall}} · {{title.zh}} <span class="en">{{title.en}}</span></header>
<main><div class="card" id="card" data-ticket="{{ticket_id}}">
 <div class="type" id="type">…</div>
 <div class="number" id="number">…</div>
 <div class="state" id="state">{{loading}}</div>
 <div class="row"><div id="ahead">-<span>{{ahead.zh}}<br>{{ahead.en}}</span></div>
 <div id="wait">-<span>{{minutes.zh}}<br>{{minutes.en}}</span></div></div>
 <p class="muted" id="updated"></p>
</div>
<p class="muted">{{refresh.zh}}{{missed.zh}}<br><span class="en">{{refresh.en}} {{missed.en}}</span></p>
</main>
<script>
const id = document.getElementById('card').dataset.ticket;
const T = {{messages_json}};
function both(key, values) {
  const fill = s => s.replace(/\\{(\\w+)\\}/g, (_, k) => values && k in values ? values[k] : '');
  return fill(T[key][0]) + ' / ' + fill(T[key][1]);
}
function set(elId, text) { document.getElementById(elId).textContent = text; }
async function refresh() {
  try {
    const r = await fetch('/api/v1/tickets/' + encodeURIComponent(id), {cache: 'no-store'});
    if (r.status === 404) { set('state', both('not_found')); return; }
    const t = await r.json();
    set('type', t.type_name); set('number', t.number);
    const state = document.getElementById('state');
    state.textContent = T[t.state] ? both(t.state, {n: t.counter_number || ''}) : t.state;
    state.className = 'state' + (t.state === 'called' ? ' called' : '');
    const waiting = t.state === 'waiting';
    document.getElementById('ahead').firstChild.textContent = waiting ? t.people_ahead : '-';
    document.getElementById('wait').firstChild.textContent = waiting ? (t.wait_low_min + '-' + t.wait_high_min) : '-';
    set('updated', T.updated[0].replace('{time}', new Date().toLocaleTimeString('zh-CN')));
  } catch (e) { set('updated', both('offline')); }
}
refresh(); setInterval(refresh, 5000);
</script></body></html>"""


def _render(hall: str, ticket_id: str) -> str:
    texts = {key: (ZH.gettext(msg), EN.gettext(msg)) for key, msg in MESSAGES.items()}
    page = PAGE.replace("{{messages_json}}", json.dumps(texts, ensure_ascii=False).replace("</", "<\\/"))
    for key, (zh, en) in texts.items():
        page = page.replace(f"{{{{{key}.zh}}}}", html.escape(zh)).replace(f"{{{{{key}.en}}}}", html.escape(en))
        page = page.replace(f"{{{{{key}}}}}", html.escape(f"{zh} / {en}"))
    return page.replace("{{hall}}", html.escape(hall)).replace("{{ticket_id}}", html.escape(ticket_id))


@router.get("/t/{ticket_id}", response_class=HTMLResponse)
def phone_page(ticket_id: str, request: Request) -> HTMLResponse:
    return HTMLResponse(_render(request.app.state.central.config.hall.name, ticket_id),
                        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
