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
    here = snapshot.sites.get(kiosk.site) or snapshot.first
    handled = request.app.state.site_store.handled_at(snapshot, code[:64])
    elsewhere = sorted(
        (
            MatterSite(
                site=site.code,
                name=site.name,
                name_en=site.name_en,
                address=site.address,
                windows=windows,
                distance_km=here.distance_km(site),
            )
            for site, windows in ((snapshot.sites[c], w) for c, w in handled.items() if c != here.code)
        ),
        key=lambda s: (s.distance_km is None, s.distance_km or 0.0),
    )
    return MatterAvailability(
        code=code, here=here.code in handled, here_windows=handled.get(here.code, ()), elsewhere=tuple(elsewhere[:5])
    )
