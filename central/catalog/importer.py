"""`kiosk-central catalog import FILE`: read a JSON catalog or a CSV of
matters, check everything, then apply it in one transaction.

Every problem is reported with the line it starts on; if there is any, nothing
is written: a catalog on kiosk screens is never half-imported.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.catalog.tables import CatalogState, DepartmentRow, MatterRow, ThemeRow
from common.matters import Catalog, Department, Matter, Theme
from common.text import controls_in

MAX_PROBLEMS = 100
LIST_FIELDS = {"co_departments", "legal_basis", "service_objects", "themes", "aliases", "conditions", "channels"}
INT_FIELDS = {"case_kind", "popularity", "visits"}  # Literal[1, 2] will not take "2"
JSON_FIELDS = {"materials", "process", "statutory_limit", "promised_limit", "fees", "location", "faq"}


@dataclass(frozen=True)
class Problem:
    line: int
    where: str
    message: str

    def render(self, path: str) -> str:
        return (
            f"{path}:{self.line}: {self.where}: {self.message}" if self.where else f"{path}:{self.line}: {self.message}"
        )


@dataclass
class ImportResult:
    catalog: Catalog | None
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class ImportSummary:
    version: int
    added: int
    changed: int
    unchanged: int
    removed: int


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _top_level_value(text: str, key: str) -> int:
    """Offset of the value of top-level `key` (the same name may appear nested)."""
    decoder = json.JSONDecoder()
    i = _skip_ws(text, 0)
    if not text.startswith("{", i):
        return -1
    i += 1
    while True:
        i = _skip_ws(text, i)
        if i >= len(text) or text[i] != '"':
            return -1
        name, i = decoder.raw_decode(text, i)
        i = _skip_ws(text, i)
        if not text.startswith(":", i):
            return -1
        i = _skip_ws(text, i + 1)
        if name == key:
            return i
        _, i = decoder.raw_decode(text, i)
        i = _skip_ws(text, i)
        if not text.startswith(",", i):
            return -1
        i += 1


def _array_element_offsets(text: str, key: str) -> list[int]:
    """Where each element of the top-level array `key` starts, for line numbers."""
    decoder = json.JSONDecoder()
    i = _top_level_value(text, key)
    if i < 0 or not text.startswith("[", i):
        return []
    offsets = []
    while i >= 0:
        i += 1
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text) or text[i] == "]":
            break
        offsets.append(i)
        try:
            _, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            break
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text) or text[i] != ",":
            break
    return offsets


def _describe(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_json(text: str) -> ImportResult:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return ImportResult(None, [Problem(exc.lineno, "", f"not valid JSON: {exc.msg} (column {exc.colno})")])
    if not isinstance(raw, dict):
        return ImportResult(None, [Problem(1, "", "expected an object with departments, themes and matters")])
    try:
        return ImportResult(Catalog.model_validate(raw))
    except ValidationError as exc:
        offsets = {k: _array_element_offsets(text, k) for k in ("departments", "themes", "matters")}
        problems = []
        for err in exc.errors()[:MAX_PROBLEMS]:
            loc = err["loc"]
            line = 1
            if len(loc) >= 2 and loc[0] in offsets and isinstance(loc[1], int) and loc[1] < len(offsets[loc[0]]):
                line = _line(text, offsets[loc[0]][loc[1]])
            name = ""
            if loc and loc[0] == "matters" and len(loc) > 1 and isinstance(loc[1], int):
                try:
                    name = f" ({raw['matters'][loc[1]].get('name', '')})"
                except (AttributeError, IndexError, KeyError, TypeError):
                    pass
            problems.append(Problem(line, _describe(loc) + name, err["msg"]))
        return ImportResult(None, problems)


def read_csv(text: str) -> ImportResult:
    """One matter per row; list cells separated by ';', nested cells as JSON."""
    reader = csv.DictReader(io.StringIO(text))
    matters: list[tuple[int, Matter]] = []
    departments: dict[str, Department] = {}
    problems: list[Problem] = []
    if not reader.fieldnames:
        return ImportResult(None, [Problem(1, "", "empty file; expected a header row of matter field names")])
    line = reader.line_num  # the header's last line
    for row in reader:
        row_line, line = line + 1, reader.line_num
        if None in row:
            problems.append(Problem(row_line, "", "more cells than header columns"))
            continue
        data: dict = {}
        for key, cell in row.items():
            value = (cell or "").strip()
            if value == "":
                continue
            if key in LIST_FIELDS:
                items = [v.strip() for v in value.replace("；", ";").split(";") if v.strip()]
                data[key] = [int(v) if key == "channels" and v.isdigit() else v for v in items]
            elif key in JSON_FIELDS:
                try:
                    data[key] = json.loads(value)
                except json.JSONDecodeError as exc:
                    problems.append(Problem(row_line, key, f"not valid JSON: {exc.msg}"))
                    data = {}
                    break
            elif key in INT_FIELDS and value.lstrip("-").isdigit():
                data[key] = int(value)
            else:
                data[key] = value
        if not data:
            continue
        try:
            matter = Matter.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors()[:10]:
                problems.append(Problem(row_line, f"{_describe(err['loc'])} ({data.get('name', '?')})", err["msg"]))
            continue
        matters.append((row_line, matter))
        departments.setdefault(matter.department_code, Department(code=matter.department_code, name=matter.department))
    if problems:
        return ImportResult(None, problems[:MAX_PROBLEMS])
    if not matters:
        return ImportResult(None, [Problem(1, "", "no matters in the file")])
    return ImportResult(Catalog(departments=tuple(departments.values()), matters=tuple(m for _, m in matters)))


def cross_check(catalog: Catalog, text: str, is_json: bool) -> list[Problem]:
    """References between matters, departments and themes."""
    problems = []
    offsets = _array_element_offsets(text, "matters") if is_json else []

    def line_of(i: int) -> int:
        return _line(text, offsets[i]) if i < len(offsets) else (i + 2 if not is_json else 1)

    dept_names = {d.code: d.name for d in catalog.departments}
    if len(dept_names) != len(catalog.departments):
        problems.append(Problem(1, "departments", "a department code appears twice"))
    theme_ids = {t.id for t in catalog.themes}
    seen: dict[str, int] = {}
    for i, m in enumerate(catalog.matters):
        where = f"matters[{i}] ({m.name})"
        if m.code in seen:
            problems.append(Problem(line_of(i), where, f"code {m.code} already used by matters[{seen[m.code]}]"))
        seen.setdefault(m.code, i)
        if m.department_code not in dept_names:
            problems.append(Problem(line_of(i), where, f"department_code {m.department_code} is not in departments"))
        elif dept_names[m.department_code] != m.department:
            problems.append(
                Problem(
                    line_of(i),
                    where,
                    f"department {m.department!r} does not match {dept_names[m.department_code]!r} for that code",
                )
            )
        for t in m.themes:
            if is_json and t not in theme_ids:
                problems.append(Problem(line_of(i), where, f"unknown theme {t!r}"))
    for i, m in enumerate(catalog.matters):
        for path, char in controls_in(m.model_dump(mode="json")):
            problems.append(
                Problem(line_of(i), f"matters[{i}] ({m.name}) {path}", f"control character {char}: plain text only")
            )
    for j, theme in enumerate(catalog.themes):
        for code in theme.matters:
            if code not in seen:
                problems.append(Problem(1, f"themes[{j}] ({theme.name})", f"unknown matter code {code}"))
    return problems[:MAX_PROBLEMS]


def read_file(path: Path) -> ImportResult:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return ImportResult(None, [Problem(0, "", "file not found")])
    except UnicodeDecodeError as exc:
        return ImportResult(None, [Problem(0, "", f"not UTF-8 text (byte {exc.start})")])
    return read_text(text, path.name)


def read_text(text: str, name: str) -> ImportResult:
    """A catalog file's text (JSON, or CSV of matters), checked whole: the console's preview and the CLI."""
    text = text.removeprefix("\ufeff")
    is_json = name.lower().endswith(".json") or text.lstrip().startswith("{")
    result = read_json(text) if is_json else read_csv(text)
    if result.catalog is not None:
        problems = cross_check(result.catalog, text, is_json)
        if problems:
            return ImportResult(None, problems)
    return result


def apply(db: Session, catalog: Catalog, *, replace: bool, dry_run: bool = False) -> ImportSummary:
    """Upsert in one transaction; a new catalog version only if something changed.
    With `replace`, matters and themes missing from the file are withdrawn.
    `dry_run`: count what would change, then roll back (the console's preview)."""
    state = db.get(CatalogState, 1) or CatalogState(id=1, version=0)
    db.add(state)
    new_version = state.version + 1
    added = changed = unchanged = removed = 0
    existing = {row.code: row for row in db.scalars(select(MatterRow))}
    for m in catalog.matters:
        body = m.model_dump_json()
        row = existing.get(m.code)
        if row is None:
            db.add(MatterRow(code=m.code, name=m.name, department=m.department, body=body, version=new_version))
            added += 1
        elif row.body != body or row.removed:
            row.name, row.department, row.body, row.version, row.removed = (
                m.name,
                m.department,
                body,
                new_version,
                False,
            )
            changed += 1
        else:
            unchanged += 1
    if replace:
        keep = {m.code for m in catalog.matters}
        for code, row in existing.items():
            if code not in keep and not row.removed:
                row.removed, row.version = True, new_version
                removed += 1
    small = _upsert_small(db, DepartmentRow, "code", catalog.departments, new_version) + _upsert_small(
        db, ThemeRow, "id", catalog.themes, new_version, replace=replace
    )
    anything = bool(added or changed or removed or small)
    if anything and not dry_run:
        state.version = new_version
        db.commit()
    else:
        db.rollback()
    if not anything:
        new_version -= 1
    return ImportSummary(new_version, added, changed, unchanged, removed)


def _upsert_small(db: Session, table, key: str, items, version: int, *, replace: bool = False) -> int:
    """Departments and themes; returns how many rows changed."""
    rows = {getattr(r, key): r for r in db.scalars(select(table))}
    changes = 0
    for item in items:
        body = item.model_dump_json()
        row = rows.get(getattr(item, key))
        if row is None:
            extra = {"name": item.name} if table is DepartmentRow else {}
            db.add(table(**{key: getattr(item, key)}, body=body, version=version, **extra))
            changes += 1
        elif row.body != body or getattr(row, "removed", False):
            row.body, row.version = body, version
            if hasattr(row, "removed"):
                row.removed = False
            changes += 1
    if replace and table is ThemeRow:
        keep = {t.id for t in items}
        for ident, row in rows.items():
            if ident not in keep and not row.removed:
                row.removed, row.version = True, version
                changes += 1
    return changes


__all__ = ["Department", "ImportResult", "ImportSummary", "Problem", "Theme", "apply", "read_file", "read_text"]
