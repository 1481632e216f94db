"""What a kiosk needs to catch up from version `since`, assembled from the
stored canonical JSON (no re-serialisation of thousands of matters)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.catalog.tables import CatalogState, DepartmentRow, MatterRow, ThemeRow


def current_version(db: Session) -> int:
    state = db.get(CatalogState, 1)
    return state.version if state else 0


def delta_json(db: Session, since: int) -> bytes:
    version = current_version(db)
    # a kiosk that claims a version we never had (database restored) gets everything
    full = since <= 0 or since > version
    departments = db.scalars(select(DepartmentRow.body).order_by(DepartmentRow.code)).all()
    themes = db.scalars(select(ThemeRow.body).where(ThemeRow.removed.is_(False)).order_by(ThemeRow.id)).all()
    query = select(MatterRow.body).where(MatterRow.removed.is_(False)).order_by(MatterRow.code)
    removed: list[str] = []
    if not full:
        query = query.where(MatterRow.version > since)
        removed = list(db.scalars(select(MatterRow.code).where(MatterRow.removed.is_(True), MatterRow.version > since)))
    matters = db.scalars(query).all()
    return b"".join(
        (
            b'{"version":',
            str(version).encode(),
            b',"full":',
            b"true" if full else b"false",
            b',"departments":[',
            ",".join(departments).encode(),
            b'],"themes":[',
            ",".join(themes).encode(),
            b'],"matters":[',
            ",".join(matters).encode(),
            b'],"removed":',
            json.dumps(removed).encode(),
            b"}",
        )
    )
