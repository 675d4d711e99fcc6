"""What an import changed, so that `import undo` can take it back.

One row per member an import inserted (`field` is `INSERTED`, no old value) and one per field
it updated on an existing member, holding the value before the import as JSON text. The old
values may be personal: `member forget` erases them (the rows stay, so an undo is refused).
"""

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

# The tables named by this module's foreign keys: a flush resolves every foreign key of
# the tables it writes, so they are declared first (see memberctl/models/__init__.py).
import memberctl.models.import_run  # noqa: F401
import memberctl.models.member  # noqa: F401

INSERTED = "*insert"  # never a column name


class ImportChange(SQLModel, table=True):
    __tablename__ = "import_change"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="import_run.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    field: str = Field(max_length=32)
    old_value: str | None = Field(default=None, sa_type=Text)
