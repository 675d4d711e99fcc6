"""Fill `member.name_initials` wherever it is NULL, so that a search only reads (issue 16).

0007 added the column empty, and bulk imports used to leave it NULL for a later search or the
nightly job to fill: a search wrote. Imports and restores now set it as enrolment and edits do;
this fills the rows written before, once, at `db upgrade`. A name without letters gets "" (done,
not pending), as before.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 1000
_MEMBER = sa.table(
    "member",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_initials", sa.String),
)


def upgrade() -> None:
    from memberctl.domain.names import initials  # the one conversion search matches against

    connection = op.get_bind()
    pending = sa.select(_MEMBER.c.id, _MEMBER.c.name).where(
        _MEMBER.c.name_initials.is_(None), _MEMBER.c.name.is_not(None)
    )
    rows = connection.execute(pending).all()
    query = (
        sa.update(_MEMBER)
        .where(_MEMBER.c.id == sa.bindparam("member_id"))
        .values(name_initials=sa.bindparam("initials"))
    )
    known: dict[str, str] = {}  # common names repeat (王伟, 张伟 ...)
    for start in range(0, len(rows), BATCH):
        values = []
        for member_id, name in rows[start : start + BATCH]:
            if name not in known:
                known[name] = initials(name) or ""
            values.append({"member_id": member_id, "initials": known[name]})
        connection.execute(query, values)


def downgrade() -> None:
    pass  # the values are derived from the names: nothing to take back
