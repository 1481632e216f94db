"""Statistics: the fold checked against hand-computed figures, then the whole
path over real HTTP on both engines: a clerk serves tickets and the manager's
report shows them (today, folded on the fly); past days folded by the
command give the same figures as the tickets they came from, whole months roll
up, a late offline ticket refolds its day; the XLSX export, read back with
openpyxl, holds the same numbers; who may read and who may not."""

from __future__ import annotations

import io
import json
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import requests
from conftest import Central, add_staff, enrolled_client, login

from central.stats.facts import Facts, bucket, percentile
from central.stats.fold import DayRows, DayWindow, TicketFacts, fold
from central.stats.reports import Figures
from common.tickets import TicketRequest

pytestmark = pytest.mark.central
SAMPLE_CATALOG = Path(__file__).resolve().parents[1] / "assets" / "catalog" / "sample_catalog.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# seven citizens of one day: waits and handling times in minutes, by hand
WAITS = [2, 3, 5, 7, 11, 13, 30]  # median 7 (4th of 7), 90th percentile 30 (7th: ceil(6.3)), mean 71/7
HANDLES = [4, 6, 6, 8, 9, 12, 20]  # median 8, 90th percentile 20, mean 65/7


def seven(day: date, clerk: str = "alice") -> list[TicketFacts]:
    opening = datetime.combine(day, datetime.min.time().replace(hour=9), SHANGHAI).astimezone(UTC)
    tickets = []
    for i, (wait, handle) in enumerate(zip(WAITS, HANDLES, strict=True)):
        issued = opening + timedelta(minutes=20 * i)
        called = issued + timedelta(minutes=wait)
        tickets.append(
            TicketFacts(
                "A", "done", issued, called, called + timedelta(minutes=handle), 3, clerk, "k1", False, "normal"
            )
        )
    return tickets


def test_seven_tickets_give_the_hand_computed_median_percentile_and_service_level():
    day = date(2026, 11, 18)  # a Wednesday
    window = DayWindow.of("main", day, SHANGHAI, 0)
    facts = fold(DayRows(seven(day), [], [], []), window)
    figures = Figures.of(facts[("site", "")], sla_minutes=10)
    assert (figures.issued, figures.served, figures.issued_kiosk) == (7, 7, 7)
    assert (figures.wait_median_min, figures.wait_p90_min, figures.wait_max_min) == (7, 30, 30.0)
    assert figures.wait_avg_min == round(71 / 7, 1)
    assert (figures.handle_median_min, figures.handle_p90_min, figures.handle_avg_min) == (8, 20, round(65 / 7, 1))
    assert figures.service_level == round(4 / 7, 4)  # 2, 3, 5, 7 under ten minutes
    # the same for the counter and the clerk (who serve, not issue); arrivals fell on Wednesday 09:00-11:00 local
    served = replace(figures, issued=0, issued_kiosk=0)
    assert Figures.of(facts[("staff", "alice")], 10) == Figures.of(facts[("counter", "3")], 10) == served
    arrivals = facts[("site", "")].arrivals
    assert arrivals == {2 * 24 + 9: 3, 2 * 24 + 10: 3, 2 * 24 + 11: 1}


def test_the_histogram_is_exact_to_the_minute_below_two_hours_and_adds_up():
    assert [bucket(s) for s in (0, 59, 60, 7199, 7200, 7799, 9999999)] == [0, 0, 1, 119, 120, 120, 480]

    def waits(*seconds: int) -> Facts:  # what a fold keeps of these waits
        return Facts(
            wait_n=len(seconds),
            wait_sum=sum(seconds),
            wait_max=max(seconds),
            wait_hist=Counter(bucket(s) for s in seconds),
        )

    a, b = waits(60, 120, 180), waits(270, 330)
    both = Facts().add(a).add(b)
    assert (both.wait_n, both.wait_max, percentile(both.wait_hist, 0.5), percentile(both.wait_hist, 1.0)) == (
        5,
        330,
        3,
        5,
    )
    assert Facts.from_row(both.row()) == both  # through a rollup row and back


# -- the whole path over HTTP ------------------------------------------------------------
@pytest.fixture(scope="module")
def city(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stats")
    server = Central(tmp / "c")
    server.start()
    for name, role in (("alice", "counter"), ("mona", "manager"), ("olga", "auditor"), ("root", "admin")):
        add_staff(server, name, role)
    yield server, enrolled_client(server, "k", tmp / "k")
    server.stop()


def insert_tickets(central, day: date, tickets: list[TicketFacts], prefix: str, first: int = 900) -> None:
    with central.db() as db:
        for n, t in enumerate(tickets, start=1):
            db.execute(
                "INSERT INTO tickets (id, site, service_day, type, issued_type, number, display, ticket_class, "
                "state, order_rank, order_at, issued_at, kiosk_id, counter, served_by, called_at, finished_at, "
                "offline) VALUES (?, 'main', ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    f"{prefix}{n}",
                    day,
                    t.type,
                    t.type,
                    first + n,
                    f"{t.type}{first + n}",
                    t.ticket_class,
                    t.state,
                    *(v.replace(tzinfo=None) for v in (t.issued_at, t.issued_at)),
                    t.kiosk_id,
                    t.counter,
                    t.served_by,
                    t.called_at.replace(tzinfo=None) if t.called_at else None,
                    t.finished_at.replace(tzinfo=None) if t.finished_at else None,
                    t.offline,
                ),
            )


def get_report(session, central, **params):
    r = session.get(f"{central.url}/api/v1/reports", params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_served_today_shows_in_the_managers_report(city):
    central, kiosk = city
    mona = login(central, "mona")
    before = get_report(mona, central)["total"]
    tickets = [kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A")) for _ in range(3)]
    alice = login(central, "alice", counter=1)
    api = f"{central.url}/api/v1/counters/1"
    for _ in tickets:
        assert alice.post(f"{api}/call-next", timeout=5).json()["called"]
        assert alice.post(f"{api}/finish", timeout=5).ok
    report = get_report(mona, central)
    assert report["total"]["issued"] == before["issued"] + 3
    assert report["total"]["served"] == before["served"] + 3
    assert report["live_days"] >= 1  # today is not folded: it came from the tickets themselves
    staff = get_report(mona, central, dim="staff")
    assert {line["key"]: line["served"] for line in staff["lines"]}["alice"] >= 3
    assert report["arrivals"] and len(report["arrivals"]) == 7 and len(report["arrivals"][0]) == 24


def test_folded_days_give_the_hand_computed_figures_and_refold_when_a_late_ticket_arrives(city):
    central, _ = city
    day = date.today() - timedelta(days=3)
    insert_tickets(central, day, seven(day), "s7-")
    fold = central.cli("stats", "fold")
    assert fold.returncode == 0, fold.stderr
    with central.db() as db:
        assert db.execute("SELECT COUNT(*) FROM stats_days WHERE day = ?", (day,)).fetchone()[0] == 1
    mona = login(central, "mona")
    one = get_report(mona, central, start=day.isoformat(), sla=10)
    assert one["live_days"] == 0
    t = one["total"]
    assert (t["issued"], t["served"], t["wait_median_min"], t["wait_p90_min"], t["service_level"]) == (
        7,
        7,
        7,
        30,
        round(4 / 7, 4),
    )
    assert (t["handle_median_min"], t["handle_p90_min"], t["wait_avg_min"]) == (8, 20, round(71 / 7, 1))
    # an offline ticket of that day reaches central late: the next fold redoes the day
    late = seven(day)[0]
    insert_tickets(central, day, [replace(late, offline=True)], "late-", first=950)
    assert central.cli("stats", "fold").stdout.strip() == "statistics: 1 site-days folded"
    t = get_report(mona, central, start=day.isoformat())["total"]
    assert (t["issued"], t["issued_offline"], t["served"]) == (8, 1, 8)


def test_a_whole_month_rolls_up_and_equals_its_days(city):
    central, _ = city
    first = (date.today().replace(day=1) - timedelta(days=40)).replace(day=1)  # a month long closed
    days = [first + timedelta(days=4), first + timedelta(days=20)]
    for i, day in enumerate(days):
        insert_tickets(central, day, seven(day, clerk="bob"), f"m{i}-")
    assert central.cli("stats", "fold").returncode == 0
    with central.db() as db:
        rows = db.execute("SELECT COUNT(*) FROM stats_monthly WHERE month = ? AND dim = 'site'", (first,)).fetchone()
    assert rows[0] == 1
    mona = login(central, "mona")
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    month = get_report(mona, central, start=first.isoformat(), end=last.isoformat(), dim="staff")
    by_day = [get_report(mona, central, start=d.isoformat())["total"] for d in days]
    assert month["total"]["served"] == sum(d["served"] for d in by_day) == 14
    assert month["total"]["wait_median_min"] == 7
    assert {line["key"]: line["served"] for line in month["lines"]} == {"bob": 14}
    assert [p["period"] for p in month["trend"] if p["served"]] == [d.isoformat() for d in days]


def test_the_xlsx_export_holds_the_reports_numbers_and_is_audited(city):
    central, _ = city
    day = date.today() - timedelta(days=3)
    mona = login(central, "mona")
    report = get_report(mona, central, start=day.isoformat(), dim="staff")
    r = mona.get(
        f"{central.url}/api/v1/reports/export",
        params={"start": day.isoformat(), "dim": "staff", "format": "xlsx"},
        timeout=30,
    )
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[1][:2] == ["时间范围 Range", f"{day.isoformat()} ~ {day.isoformat()}"]
    head = next(i for i, row in enumerate(rows) if row[0] == "工作人员 Staff member")
    columns = rows[head]
    served = columns.index("办结 Served")
    median = columns.index("等候中位数(分) Median wait (min)")
    lines = {row[0]: row for row in rows[head + 1 :]}
    assert lines["alice"][served] == {x["key"]: x["served"] for x in report["lines"]}["alice"] == 8
    assert lines["alice"][median] == 5  # the late ticket waited 2 minutes too: 2 2 3 [5] 7 11 13 30
    assert lines["合计 Total"][served] == report["total"]["served"]
    csv_text = mona.get(
        f"{central.url}/api/v1/reports/export", params={"start": day.isoformat(), "format": "csv"}, timeout=30
    ).content.decode("utf-8-sig")
    assert "合计 Total" in csv_text and "生成时间 Made at (UTC)" in csv_text
    with central.db() as db:
        exports = db.execute("SELECT username, target FROM staff_audit WHERE action = 'export_report'").fetchall()
    assert ("mona", f"report-{day}-{day}-staff.xlsx") in exports


def test_who_may_read_and_who_may_change(city):
    central, _ = city
    alice, olga = login(central, "alice"), login(central, "olga")
    refused = alice.get(f"{central.url}/api/v1/reports", timeout=5)
    assert refused.status_code == 403 and "auditors" in refused.json()["error"]["message"]
    assert olga.get(f"{central.url}/api/v1/reports", timeout=5).ok
    entries = olga.get(f"{central.url}/api/v1/audit", timeout=5)
    assert entries.ok and entries.json()["entries"]
    assert olga.get(f"{central.url}/api/v1/audit/export", timeout=5).text.lstrip("\ufeff").startswith("序号")
    # the auditor changes nothing: no counter, no site, no kiosk
    take = olga.post(f"{central.url}/api/v1/staff/counter", json={"counter": 1}, timeout=5)
    assert take.status_code == 403 and take.json()["error"]["code"] == "role_refused"
    site = olga.put(f"{central.url}/api/v1/sites/main/counters/9", json={"name": "9号窗口"}, timeout=5)
    assert site.status_code == 403
    assert alice.get(f"{central.url}/api/v1/audit", timeout=5).status_code == 403
    other = requests.get(f"{central.url}/api/v1/reports", timeout=5)
    assert other.status_code == 401
    mona = login(central, "mona")
    assert mona.get(f"{central.url}/api/v1/reports", params={"site": "elsewhere"}, timeout=5).status_code == 403


def test_kiosk_use_counts_once_per_report_and_lists_the_catalogs_gaps(city, tmp_path):
    """A kiosk's usage reports (its outbox) at central: a report sent twice (the
    reply was lost) counts once; the report lists the guides opened most, with
    their names, and the searches that found nothing; a search holding a run of
    digits never leaves the kiosk."""
    from common.wire import UsageReport
    from kiosk.sync.outbox import Outbox
    from kiosk.usage import UsageRecorder, clean_query

    central, kiosk = city
    assert central.cli("catalog", "import", str(SAMPLE_CATALOG)).returncode == 0  # the guides' names
    outbox = Outbox(tmp_path / "outbox.db")
    recorder = UsageRecorder(outbox)
    for code in ("1199010207020010000001", "1199010207020010000001", "nonexistent-code"):
        recorder.guide_opened(code)
    for text, found in (("Dian  Zi Zheng", 0), ("sfz", 4), ("110105194912310021", 0), ("电子证照", 0)):
        recorder.searched(text, found)
        recorder.search_ended()
    assert recorder.flush() == 1 and recorder.flush() == 0  # ten minutes between batches
    (payload,) = [json.loads(row[0]) for row in outbox.read("SELECT payload FROM outbox WHERE kind = 'usage'")]
    report = UsageReport.model_validate(payload)
    assert report.failed_searches == {"dian zi zheng": 1, "电子证照": 1}  # the ID number was never kept
    assert clean_query("x") is None and clean_query("tel 13800138000") is None
    first = kiosk.report_usage(report)
    again = kiosk.report_usage(report)
    assert (first.duplicate, again.duplicate) == (False, True)
    mona = login(central, "mona")
    usage = get_report(mona, central)["usage"]
    assert usage["guides"][0] == {"code": "1199010207020010000001", "name": "居民身份证办理", "count": 2}
    assert {"code": "nonexistent-code", "name": "nonexistent-code", "count": 1} in usage["guides"]
    assert {f["text"]: f["count"] for f in usage["failed_searches"]} == {"dian zi zheng": 1, "电子证照": 1}
    assert sum(k["guides"] for k in usage["by_kiosk"].values()) == 3
    assert (report.hour.minute, report.hour.second) == (0, 0)  # no time finer than the hour leaves the kiosk
