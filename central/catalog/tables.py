"""Catalog tables. Each row keeps the canonical JSON of its wire model, so a
delta is assembled from stored text without re-serialising 10,000 matters."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base


class CatalogState(Base):
    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class DepartmentRow(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, index=True)


class ThemeRow(Base):
    __tablename__ = "themes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, index=True)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)


class MatterRow(Base):
    __tablename__ = "matters"

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    department: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, index=True)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
