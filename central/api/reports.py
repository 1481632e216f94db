"""Statistics and the audit trail for managers, auditors and the city
administrator (central.access): reports over any range of days, grouped by
site, business type, counter, staff member or kiosk, as JSON for the pages
and as CSV or XLSX files; the audit trail to browse and as CSV. Every export
is itself an audit entry."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from central.access import Permission, require, visible_sites
from central.api.counters import staff_session
from central.audit import AuditTrail
from central.auth import SignedKiosk, authenticated_kiosk
from central.clock import utcnow
from central.errors import refused
from central.staff import StaffSession
from central.stats.export import to_csv, to_xlsx
from central.stats.reports import Report, ReportError, ReportQuery
from common import wire
from common.certificates import Acknowledged
from common.wire import SITE_CODE, UsageReport

router = APIRouter(prefix=wire.API_PREFIX, tags=["reports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _query(
    request: Request,
    session: StaffSession,
    start: date | None,
    end: date | None,
    dim: str,
    site: list[str],
    sla: int | None,
) -> ReportQuery:
    today = request.app.state.queue.service_day(utcnow(), request.app.state.sites.get().first)
    return ReportQuery(
        start=start or end or today,
        end=end or start or today,
        dim=dim,
        sites=tuple(site),
        sla_minutes=sla or request.app.state.central.config.statistics.service_level_minutes,
    )


def _report(request: Request, session: StaffSession, query: ReportQuery) -> Report:
    require(session, Permission.READ_REPORTS)
    return refused(ReportError, lambda: request.app.state.reports.report(query, visible_sites(session)))


START = Query(default=None, description="first service day (YYYY-MM-DD); default: today")
END = Query(default=None, description="last service day, inclusive; default: the start")
DIM = Query(default="site", description="group by: site, type, counter, staff, kiosk")
SITES = Query(default=[], description="only these sites (repeat); default: every site you may see")
SLA = Query(default=None, ge=1, le=240, description="service level: called within this many minutes")


@router.post("/usage", response_model=Acknowledged)
def usage(body: UsageReport, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> Acknowledged:
    """A kiosk's counts of guides opened and searches that found nothing (its outbox)."""
    site = request.app.state.sites.get().get(kiosk.site or None)
    day = request.app.state.queue.service_day(body.hour, site)
    counted = request.app.state.usage.add(site.code, day, kiosk.id, body)
    return Acknowledged(key=body.key, duplicate=not counted)


@router.get("/reports")
def report(
    request: Request,
    start: date | None = START,
    end: date | None = END,
    dim: str = DIM,
    site: list[str] = SITES,
    sla: int | None = SLA,
    session: StaffSession = Depends(staff_session),
) -> dict:
    """A report: totals, a line per group, the trend, arrivals by weekday and hour, the wait distribution."""
    r = _report(request, session, _query(request, session, start, end, dim, site, sla))
    return {
        "query": {**asdict(r.query), "start": r.query.start.isoformat(), "end": r.query.end.isoformat()},
        "sites": list(r.sites),
        "made_at": r.made_at.isoformat(),
        "total": asdict(r.total),
        "lines": [{"key": x.key, "site": x.site, "label": x.label, **asdict(x.figures)} for x in r.lines],
        "trend": [{"period": period, **asdict(f)} for period, f in r.trend],
        "arrivals": r.arrivals,
        "wait_histogram": r.wait_histogram,
        "live_days": r.live_days,
        "usage": r.usage,
    }


@router.get("/reports/export")
def export(
    request: Request,
    format: str = Query(default="xlsx", pattern="^(csv|xlsx)$"),
    start: date | None = START,
    end: date | None = END,
    dim: str = DIM,
    site: list[str] = SITES,
    sla: int | None = SLA,
    session: StaffSession = Depends(staff_session),
) -> Response:
    """The report as a file (Chinese and English headers, the filter, when it was made)."""
    r = _report(request, session, _query(request, session, start, end, dim, site, sla))
    body, media = (to_csv(r), "text/csv; charset=utf-8") if format == "csv" else (to_xlsx(r), XLSX)
    name = f"report-{r.query.start}-{r.query.end}-{r.query.dim}.{format}"
    request.app.state.staff.audit(
        session.username,
        "export_report",
        name,
        f"sites {','.join(r.sites)}",
        role=session.role,
        site=session.site or "",
    )
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/audit")
def audit_entries(
    request: Request,
    limit: int = Query(default=200, ge=1, le=5000),
    site: str | None = Query(default=None, pattern=SITE_CODE),
    session: StaffSession = Depends(staff_session),
) -> dict:
    """The newest entries of the audit trail (an auditor's: their sites')."""
    require(session, Permission.READ_AUDIT, site)
    sites = (site,) if site else visible_sites(session)
    rows = AuditTrail(request.app.state.central.engine).rows(limit=limit, sites=sites, people=_people(request, sites))
    return {"entries": rows}


def _people(request: Request, sites: tuple[str, ...] | None) -> tuple[str, ...]:
    """The accounts working at `sites`: their logins (entries without a site) are shown too."""
    if sites is None:
        return ()
    return tuple(a["username"] for a in request.app.state.staff.list() if set(a["sites"]) & set(sites))


@router.get("/audit/export")
def audit_export(request: Request, session: StaffSession = Depends(staff_session)) -> Response:
    require(session, Permission.READ_AUDIT)
    sites = visible_sites(session)
    body = AuditTrail(request.app.state.central.engine).csv(sites, _people(request, sites))
    staff = request.app.state.staff
    staff.audit(session.username, "export_audit", "audit.csv", "", role=session.role, site=session.site or "")
    return Response(
        ("\ufeff" + body).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
