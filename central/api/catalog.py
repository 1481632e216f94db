"""The matter catalog for kiosks: full or incremental by version."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from central.auth import SignedKiosk, authenticated_kiosk
from central.catalog.delta import delta_json
from common import wire
from common.matters import CatalogDelta

router = APIRouter(prefix=wire.API_PREFIX, tags=["catalog"])


@router.get("/catalog", response_model=CatalogDelta,
            responses={401: {"model": wire.ErrorReply, "description": "not a signed kiosk request"}})
def catalog(request: Request, since: int = Query(0, ge=0, description="the kiosk's catalog version; 0 = everything"),
            _kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> Response:
    """Everything that changed after version `since` (everything when 0)."""
    with request.app.state.central.sessions() as db:
        return Response(delta_json(db, since), media_type="application/json")
