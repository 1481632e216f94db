"""What screens ask of the catalog: browse, search, a guide by code, and
keeping the local copy up to date. An update builds a new in-memory view and
swaps it in one assignment, so readers on the UI thread never see a mix."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from common.assets import asset_path
from common.matters import Catalog, Department, Matter, Theme, catalog_etag
from kiosk.catalog.search import Doc, Hit, SearchIndex
from kiosk.catalog.store import CatalogRejected, CatalogStore, MatterSummary, StoreState

log = logging.getLogger(__name__)
SAMPLE = "catalog/sample_catalog.json"


@dataclass(frozen=True)
class _View:
    summaries: tuple[MatterSummary, ...]
    by_code: dict[str, MatterSummary]
    index: SearchIndex
    departments: tuple[Department, ...]
    themes: tuple[Theme, ...]
    state: StoreState


@dataclass(frozen=True)
class SyncResult:
    version: int
    changed: int
    full: bool


class CatalogService:
    def __init__(self, store: CatalogStore, *, bundled: Path | None = None):
        self.store = store
        self.bundled = bundled
        self._view: _View | None = None
        self._opening = threading.RLock()  # open and sync: one at a time

    def open(self) -> CatalogService:
        """Load the local copy; a fresh install starts from the bundled sample."""
        with self._opening:
            if self._view is not None:
                return self
            if self.store.state().matters == 0:
                path = self.bundled or asset_path(SAMPLE)
                log.info("no local catalog yet: loading the bundled catalog %s", path)
                self.store.seed(Catalog.model_validate_json(Path(path).read_text(encoding="utf-8")))
            self._reload()
        return self

    def open_in_background(self) -> None:
        """Start loading now so the first search is instant; whoever needs
        the catalog before it is ready waits for it (see `view`)."""
        threading.Thread(target=self.open, name="catalog-open", daemon=True).start()

    def _reload(self) -> None:
        summaries = tuple(self.store.summaries())
        docs = [Doc(s.code, s.name, s.department, s.aliases, s.basic_code, s.keys, s.alias_keys) for s in summaries]
        self._view = _View(
            summaries,
            {s.code: s for s in summaries},
            SearchIndex(docs),
            tuple(self.store.departments()),
            tuple(self.store.themes()),
            self.store.state(),
        )

    @property
    def ready(self) -> bool:
        """Loaded (reading `state` before would block until it is)."""
        return self._view is not None

    @property
    def view(self) -> _View:
        view = self._view
        if view is None:
            self.open()  # waits for a background open in progress
            view = self._view
        if view is None:
            raise RuntimeError("the catalog could not be opened")
        return view

    # -- reading -------------------------------------------------------------
    @property
    def state(self) -> StoreState:
        return self.view.state

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        return self.view.index.search(query, limit)

    def popular(self, n: int = 12) -> list[MatterSummary]:
        """常办事项: the most used matters."""
        return list(self.view.summaries[:n])

    def summary(self, code: str) -> MatterSummary | None:
        return self.view.by_code.get(code)

    def matter(self, code: str) -> Matter | None:
        return self.store.matter(code) if code in self.view.by_code else None

    def departments(self) -> list[tuple[str, int]]:
        """Departments that have matters, with counts, in the catalog's order."""
        counts = Counter(s.department for s in self.view.summaries)
        ordered = [d.name for d in self.view.departments if d.name in counts]
        ordered += sorted(set(counts) - set(ordered))
        return [(name, counts[name]) for name in ordered]

    def categories(self) -> list[tuple[str, int]]:
        counts = Counter(s.category for s in self.view.summaries)
        return sorted(counts.items(), key=lambda kv: -kv[1])

    def themes(self) -> list[Theme]:
        return list(self.view.themes)

    def theme(self, theme_id: str) -> Theme | None:
        return next((t for t in self.view.themes if t.id == theme_id), None)

    def in_department(self, name: str) -> list[MatterSummary]:
        return [s for s in self.view.summaries if s.department == name]

    def in_category(self, name: str) -> list[MatterSummary]:
        return [s for s in self.view.summaries if s.category == name]

    def in_theme(self, theme_id: str) -> list[MatterSummary]:
        theme = self.theme(theme_id)
        if theme is None:
            return []
        return [self.view.by_code[c] for c in theme.matters if c in self.view.by_code]

    # -- updating ------------------------------------------------------------
    def sync(self, client) -> SyncResult:
        """Bring the local copy up to date from central (full or incremental).
        Raises CentralError (network, refused, garbled) or CatalogRejected;
        either way the current catalog stays in use."""
        self.open()  # a first open must not seed the bundled sample over what a sync just applied
        with self._opening:
            state = self.store.state()
            since = state.version if state.source == "central" else 0
            delta = client.catalog(since, if_none_match=catalog_etag(since) if since else None)
            if delta is None:  # 304: our copy is current
                return SyncResult(state.version, 0, False)
            if delta.full or delta.matters or delta.removed or delta.version != state.version:
                changed = self.store.apply(delta)
                self._reload()
                log.info(
                    "catalog %s to version %d (%d matters changed)",
                    "replaced" if delta.full else "updated",
                    delta.version,
                    changed,
                )
                return SyncResult(delta.version, changed, delta.full)
            return SyncResult(delta.version, 0, False)


__all__ = ["CatalogRejected", "CatalogService", "SyncResult"]
