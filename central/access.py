"""Who may do what, and where: the one place roles become permissions.

- 窗口人员 counter clerk: serves tickets at a counter of their sites.
- 站点管理员 site manager: runs their sites (counters, types, hours, kiosks,
  staff of the site) and reads their statistics.
- 审计员 auditor: reads statistics and the audit trail of their sites, changes
  nothing.
- 市级管理员 city administrator: everything, at every site.

Every route asks `require(session, permission, site)`; a refusal is a 403 that
says which role or site it needed."""

from __future__ import annotations

from enum import StrEnum

from central.errors import ApiError
from central.staff import StaffSession


class Permission(StrEnum):
    SERVE = "serve"  # take a counter and act at it
    MANAGE_SITE = "manage_site"  # change a site's configuration and see its hall views
    MANAGE_CITY = "manage_city"  # add sites, administrators, anything anywhere
    READ_REPORTS = "read_reports"
    READ_AUDIT = "read_audit"


GRANTS: dict[str, frozenset[Permission]] = {
    "counter": frozenset({Permission.SERVE}),
    "manager": frozenset({Permission.SERVE, Permission.MANAGE_SITE, Permission.READ_REPORTS}),
    "auditor": frozenset({Permission.READ_REPORTS, Permission.READ_AUDIT}),
    "admin": frozenset(Permission),
}
ROLE_NAMES = {
    "counter": ("窗口人员", "counter clerk"),
    "manager": ("站点管理员", "site manager"),
    "auditor": ("审计员", "auditor"),
    "admin": ("市级管理员", "city administrator"),
}
WHO_MAY = {
    Permission.SERVE: "counter clerks and site managers",
    Permission.MANAGE_SITE: "site managers and the city administrator",
    Permission.MANAGE_CITY: "the city administrator",
    Permission.READ_REPORTS: "site managers, auditors and the city administrator",
    Permission.READ_AUDIT: "auditors and the city administrator",
}


def allowed(session: StaffSession, permission: Permission, site: str | None = None) -> bool:
    if permission not in GRANTS.get(session.role, frozenset()):
        return False
    return site is None or session.may_see(site)


def require(
    session: StaffSession,
    permission: Permission,
    site: str | None = None,
    *,
    code: str = "role_refused",
    why: str = "",
) -> None:
    """403 unless the session's role grants `permission` (at `site`, when given).
    `code` and `why`: a route's own refusal, where its pages know that code."""
    if permission not in GRANTS.get(session.role, frozenset()):
        role = ROLE_NAMES.get(session.role, (session.role, session.role))[1]
        reason = why or f"this is for {WHO_MAY[permission]}"
        raise ApiError(403, code, f"{reason}; you are signed in as {role}")
    if site is not None and not session.may_see(site):
        raise ApiError(403, "other_site", f"you work at {', '.join(session.sites) or 'no site'}, not {site}")


def visible_sites(session: StaffSession) -> tuple[str, ...] | None:
    """The sites whose figures the session may read (None: every site)."""
    return None if session.role == "admin" else session.sites
