"""/t/{id}: the page a ticket's QR code opens. It follows the ticket live:
position, estimated wait, and which counter to go to once called. It shows
nothing personal (the public ticket status holds nothing personal)."""
from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>排队进度 Queue</title>
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
<body><header>{hall} · 排队进度 <span class="en">Queue</span></header>
<main><div class="card" id="card" data-ticket="{ticket_id}">
 <div class="type" id="type">…</div>
 <div class="number" id="number">…</div>
 <div class="state" id="state">正在查询… <span class="en">Loading</span></div>
 <div class="row"><div id="ahead">-<span>前面还有（人）<br>people ahead</span></div>
 <div id="wait">-<span>预计等候（分钟）<br>minutes</span></div></div>
 <p class="muted" id="updated"></p>
</div>
<p class="muted">本页每 5 秒自动刷新。过号请到服务台咨询。<br><span class="en">This page refreshes every 5 s.</span></p>
</main>
<script>
const id = document.getElementById('card').dataset.ticket;
const STATES = {
  waiting: ['请耐心等候', 'Please wait'], called: ['请到 {counter} 办理', 'Please go to counter {n}'],
  serving: ['正在 {counter} 办理', 'Being served at counter {n}'], done: ['已办结，感谢您的耐心', 'Done, thank you'],
  no_show: ['已过号，请到服务台咨询', 'Missed: please ask at the service desk'],
  cancelled: ['号码已取消', 'Cancelled']};
function set(elId, text) { document.getElementById(elId).textContent = text; }
async function refresh() {
  try {
    const r = await fetch('/api/v1/tickets/' + encodeURIComponent(id), {cache: 'no-store'});
    if (r.status === 404) { set('state', '未找到此号码 / Ticket not found'); return; }
    const t = await r.json();
    set('type', t.type_name); set('number', t.number);
    const s = STATES[t.state] || [t.state, t.state];
    const counter = t.counter || '';
    const state = document.getElementById('state');
    state.textContent = s[0].replace('{counter}', counter) + ' / ' + s[1].replace('{n}', t.counter_number || '');
    state.className = 'state' + (t.state === 'called' ? ' called' : '');
    const waiting = t.state === 'waiting';
    document.getElementById('ahead').firstChild.textContent = waiting ? t.people_ahead : '-';
    document.getElementById('wait').firstChild.textContent = waiting ? (t.wait_low_min + '-' + t.wait_high_min) : '-';
    set('updated', '更新于 ' + new Date().toLocaleTimeString('zh-CN'));
  } catch (e) { set('updated', '网络不稳定，稍后自动重试 / Offline, retrying'); }
}
refresh(); setInterval(refresh, 5000);
</script></body></html>"""


@router.get("/t/{ticket_id}", response_class=HTMLResponse)
def phone_page(ticket_id: str, request: Request) -> HTMLResponse:
    hall = request.app.state.central.config.hall.name
    return HTMLResponse(PAGE.replace("{hall}", html.escape(hall)).replace("{ticket_id}", html.escape(ticket_id)),
                        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
