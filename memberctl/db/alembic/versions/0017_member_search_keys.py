"""Search keys (issue 20): a clerk's `member search` reads a few rows of an index instead of
every member.

A part of a name was found with `lower(name) LIKE '%三丰%'`, which no index serves, and the
other ways of asking (the phone's last digits, the initials, the member number) were OR-ed with
it: every search read the whole member table (1.8 to 2.0 times slower at 1,000,000 members than
at 10,000). `member_search_key` holds, for each member:

- `n`: the lower-case name from each of its characters on, at most 16 characters ("张三丰" ->
  张三丰, 三丰, 丰): the names containing a text are those with a key starting with it, one
  range of the primary key;
- `i`: the pinyin initials (`name_initials`), found by their beginning the same way;
- `p`: the phone's last four digits;
- `m`: the upper-case member number.

The keys are kept by triggers on `member` (insert; update of name, initials, phone or member
number; delete), so every way a member is written (the till, edits, imports and their undo,
forgetting, restores, even SQL typed by hand) keeps them right, and memberctl never writes
them. The triggers lower-case with the database's own `lower()`, as the search does, so a
search finds exactly what `LIKE` found (SQLite lowers A-Z only, PostgreSQL every letter).
Updating the points and balance caches names none of those columns: no trigger runs, and on
PostgreSQL the update stays HOT.

What a trigger costs each member written was measured (100,000 members inserted into an
in-memory SQLite database; docs/performance.md has the rest): the first version, with the
name's positions from `json_each`, DISTINCT and an index by member, cost 24 microseconds a
member; this one 9. On PostgreSQL an insert or delete statement (an import's COPY) makes or
removes its rows' keys once, from its transition table. The positions come from a table of the numbers 1 to
100 (`member_name_position`, as long as a name may be), a key met twice in one name ("abab")
is skipped by the primary key (INSERT OR IGNORE, ON CONFLICT DO NOTHING), and keys are deleted
by recomputing the old row's keys (the primary key finds them) instead of through an index by
member that every insert would write.

Existing members get their keys here, in one INSERT ... SELECT (about three keys per Chinese
name and three more per member: 6,000,000 rows at 1,000,000 members).

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PIECE = 16  # characters of a name kept per key: longer text is checked against the name itself
POSITIONS = 100  # member.name is VARCHAR(100)
_WATCHED = ("name", "name_initials", "phone", "member_no")


def _keys(row: str, member_source: str = "") -> str:
    """SELECT of the keys of `row`: NEW or OLD in a trigger, or every member (`member_source`
    "FROM member AS m") in the migration's fill and the tests."""
    names = f"FROM member_name_position AS o WHERE o.position <= length({row}.name)"
    if member_source:
        names = (
            f"{member_source} JOIN member_name_position AS o ON o.position <= length({row}.name)"
        )
    return f"""
        SELECT 'n', lower(substr({row}.name, o.position, {PIECE})), {row}.id {names}
        UNION ALL SELECT 'i', substr({row}.name_initials, 1, {PIECE}), {row}.id {member_source}
         WHERE {row}.name_initials <> ''
        UNION ALL SELECT 'p', substr({row}.phone, length({row}.phone) - 3), {row}.id
         {member_source} WHERE {row}.phone IS NOT NULL
        UNION ALL SELECT 'm', upper({row}.member_no), {row}.id {member_source}"""


def every_members_keys() -> str:
    """SELECT DISTINCT of the keys of every member, as the triggers make them (a test compares)."""
    return "SELECT DISTINCT * FROM (" + _keys("m", "FROM member AS m") + ") AS keys"


_INSERT = "INSERT INTO member_search_key (kind, piece, member_id)"
_FILL = _INSERT + " " + every_members_keys()
# The old row's keys, found by the primary key (kind, piece, member_id).
_DELETE = f"""
    DELETE FROM member_search_key WHERE kind = 'n' AND member_id = OLD.id AND piece IN (
        SELECT lower(substr(OLD.name, o.position, {PIECE})) FROM member_name_position AS o
         WHERE o.position <= length(OLD.name));
    DELETE FROM member_search_key
     WHERE kind = 'i' AND member_id = OLD.id AND piece = substr(OLD.name_initials, 1, {PIECE});
    DELETE FROM member_search_key
     WHERE kind = 'p' AND member_id = OLD.id AND piece = substr(OLD.phone, length(OLD.phone) - 3);
    DELETE FROM member_search_key
     WHERE kind = 'm' AND member_id = OLD.id AND piece = upper(OLD.member_no)"""
_CHANGED_SQLITE = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _WATCHED)
_CHANGED_PG = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _WATCHED)
_SQLITE_NEW = "INSERT OR IGNORE INTO member_search_key (kind, piece, member_id)" + _keys("NEW")
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER member_search_keys_insert AFTER INSERT ON member BEGIN {_SQLITE_NEW}; END",
    f"""CREATE TRIGGER member_search_keys_update AFTER UPDATE OF {", ".join(_WATCHED)} ON member
        WHEN {_CHANGED_SQLITE} BEGIN {_DELETE}; {_SQLITE_NEW}; END""",
    f"CREATE TRIGGER member_search_keys_delete AFTER DELETE ON member BEGIN {_DELETE}; END",
)
# PostgreSQL: inserts and deletes (an import's COPY, an undo) are handled once per statement,
# from its transition table, in one set-based statement; a change of name, initials, phone or
# member number (rare, and a statement trigger with a transition table cannot name columns)
# once per row.
_PG_ADDED = _INSERT + _keys("m", "FROM added AS m") + " ON CONFLICT DO NOTHING"
_PG_REMOVED = (
    "DELETE FROM member_search_key WHERE (kind, piece, member_id) IN ("
    + _keys("m", "FROM removed AS m")
    + ")"
)
_PG_CHANGED = f"{_DELETE}; {_INSERT} {_keys('NEW')} ON CONFLICT DO NOTHING"
PG_FUNCTIONS = tuple(
    f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body};
    RETURN NULL;
END
$$"""
    for name, body in (
        ("memberctl_member_search_keys_added", _PG_ADDED),
        ("memberctl_member_search_keys_removed", _PG_REMOVED),
        ("memberctl_member_search_keys_changed", _PG_CHANGED),
    )
)
PG_TRIGGERS = (
    """CREATE TRIGGER member_search_keys_insert AFTER INSERT ON member
       REFERENCING NEW TABLE AS added
       FOR EACH STATEMENT EXECUTE FUNCTION memberctl_member_search_keys_added()""",
    """CREATE TRIGGER member_search_keys_delete AFTER DELETE ON member
       REFERENCING OLD TABLE AS removed
       FOR EACH STATEMENT EXECUTE FUNCTION memberctl_member_search_keys_removed()""",
    f"""CREATE TRIGGER member_search_keys_update AFTER UPDATE OF {", ".join(_WATCHED)} ON member
       FOR EACH ROW WHEN ({_CHANGED_PG})
       EXECUTE FUNCTION memberctl_member_search_keys_changed()""",
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "member_name_position",
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("position"),
    )
    positions = sa.table("member_name_position", sa.column("position", sa.Integer()))
    op.bulk_insert(positions, [{"position": n} for n in range(1, POSITIONS + 1)])
    piece = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")
    op.create_table(
        "member_search_key",
        sa.Column("kind", sa.String(1), nullable=False),
        sa.Column("piece", piece, nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "piece", "member_id"),
        sqlite_with_rowid=False,
    )
    op.execute(_FILL)
    if _postgresql():
        for statement in (*PG_FUNCTIONS, *PG_TRIGGERS):
            op.execute(statement)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if _postgresql():
        op.execute("DROP TRIGGER member_search_keys_insert ON member")
        op.execute("DROP TRIGGER member_search_keys_delete ON member")
        op.execute("DROP TRIGGER member_search_keys_update ON member")
        op.execute("DROP FUNCTION memberctl_member_search_keys_added()")
        op.execute("DROP FUNCTION memberctl_member_search_keys_removed()")
        op.execute("DROP FUNCTION memberctl_member_search_keys_changed()")
    else:
        op.execute("DROP TRIGGER member_search_keys_insert")
        op.execute("DROP TRIGGER member_search_keys_update")
        op.execute("DROP TRIGGER member_search_keys_delete")
    op.drop_table("member_search_key")
    op.drop_table("member_name_position")
