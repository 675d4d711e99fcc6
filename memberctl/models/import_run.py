"""One row per spreadsheet import: what was read, what came of it, whether it finished and
whether it was taken back (`import undo`)."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


class ImportRun(SQLModel, table=True):
    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # members, purchases
    file_name: str = Field(max_length=255)
    file_sha256: str = Field(max_length=64, index=True)
    status: str = Field(default="running", max_length=16)  # running, done, failed
    rows_total: int = 0
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    operator: str = Field(max_length=100)
    started_at: dt.datetime = Field(sa_type=DateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The highest id of each table referring to a member when the import finished: a row above
    # it is newer than the import, and `import undo` refuses (domain/import_runs.py).
    marks: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    undone_at: dt.datetime | None = Field(default=None, sa_type=DateTime)
    undone_by: str | None = Field(default=None, max_length=100)
