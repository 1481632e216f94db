"""The matter catalog for kiosks: full or incremental by version."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from central.auth import SignedKiosk, authenticated_kiosk
from central.catalog.delta import current_version, delta_json
from common import wire
from common.matters import CatalogDelta, MatterAvailability, MatterSite, catalog_etag

router = APIRouter(prefix=wire.API_PREFIX, tags=["catalog"])


@router.get(
    "/catalog",
    response_model=CatalogDelta,
    responses={
        401: {"model": wire.ErrorReply, "description": "not a signed kiosk request"},
        304: {"description": "the kiosk's copy is current (If-None-Match)"},
    },
)
def catalog(
    request: Request,
    since: int = Query(0, ge=0, le=2**53, description="the kiosk's catalog version; 0 = everything"),
    _kiosk: SignedKiosk = Depends(authenticated_kiosk),
) -> Response:
    """Everything that changed after version `since` (everything when 0).
    A kiosk sends `If-None-Match: "catalog-<its version>"`: 304 when current."""
    with request.app.state.central.sessions() as db:
        tag = catalog_etag(current_version(db))
        if since and request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers={"ETag": tag})
        return Response(delta_json(db, since), media_type="application/json", headers={"ETag": tag})


@router.get("/matters/{code}/sites", response_model=MatterAvailability, responses={401: {"model": wire.ErrorReply}})
def matter_sites(code: str, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> MatterAvailability:
    """事项进驻: whether the kiosk's site handles the matter, and which other sites
    do, nearest first. A site that lists no matters handles every matter; a
    self-service point handles only those it lists."""
    snapshot = request.app.state.sites.get()
    store = request.app.state.site_store
    listing = store.listing_sites()
    listed = store.availability([code[:64]]).get(code[:64], {})
    here = snapshot.sites.get(kiosk.site) or snapshot.first
    handled: list[tuple[str, str]] = []  # (site, windows)
    for site in snapshot.sites.values():
        if not site.active:
            continue
        if site.code in listing:
            if site.code in listed:
                handled.append((site.code, listed[site.code]))
        elif site.issues_tickets:
            handled.append((site.code, ""))

    def windows(text: str) -> tuple[int, ...]:
        return tuple(int(w) for w in text.split(",") if w.strip().isdigit())

    elsewhere = []
    for code_, where in handled:
        if code_ == here.code:
            continue
        site = snapshot.sites[code_]
        elsewhere.append(
            MatterSite(
                site=site.code,
                name=site.name,
                name_en=site.name_en,
                address=site.address,
                windows=windows(where),
                distance_km=here.distance_km(site),
            )
        )
    elsewhere.sort(key=lambda s: (s.distance_km is None, s.distance_km or 0.0))
    mine = next((where for code_, where in handled if code_ == here.code), None)
    return MatterAvailability(
        code=code, here=mine is not None, here_windows=windows(mine or ""), elsewhere=tuple(elsewhere[:5])
    )
