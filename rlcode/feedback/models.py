"""The feedback store's tables (SQLAlchemy 2 declarative). The schema itself is created and
changed only by the Alembic migrations in ``migrations/``; these classes mirror them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class RaterRow(Base):
    __tablename__ = "raters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default="annotator")
    token: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)  # its SHA-256 (0003)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("task_id", "candidate_id", name="uq_items_task_candidate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(String(500), nullable=False)
    candidate_id: Mapped[str] = mapped_column(String(500), nullable=False)
    language: Mapped[str] = mapped_column(String(50), nullable=False, default="python")
    prompt: Mapped[str] = mapped_column(Text, nullable=False, default="")
    code: Mapped[str] = mapped_column(Text, nullable=False, default="")
    verdict: Mapped[str] = mapped_column(String(50), nullable=False, default="")
    tests_passed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tests_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reward: Mapped[float | None] = mapped_column(Float, nullable=True)
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    components: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(String(500), nullable=False, index=True)
    candidate_id: Mapped[str | None] = mapped_column(String(500), nullable=True)
    candidate_a: Mapped[str | None] = mapped_column(String(500), nullable=True)
    candidate_b: Mapped[str | None] = mapped_column(String(500), nullable=True)
    rater: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    value: Mapped[str | None] = mapped_column(String(20), nullable=True)  # ratings as digits, see store
    dimension: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lines: Mapped[list | None] = mapped_column(JSON, nullable=True)
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    code: Mapped[str | None] = mapped_column(Text, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    time: Mapped[str] = mapped_column(String(40), nullable=False)
    gold: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    written: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MetaRow(Base):
    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
