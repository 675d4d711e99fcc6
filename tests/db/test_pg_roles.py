"""The database enforces the permission matrix (issue 18, PostgreSQL): staff log in as their own
roles, members of a group role per memberctl role; the groups hold only the grants their
commands need, and row-level security keeps a manager's or a clerk's view to their stores.

Checked below the CLI (plain SQL over psycopg, connected as a clerk's role) and through it (the
CLI connected as each staff member's role). Role names are cluster-wide: each test's staff get
names unique to its schema, and their roles are dropped afterwards, also when a test fails."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import make_url

from memberctl.domain import db_roles
from memberctl.domain.permissions import Role
from memberctl.errors import NotPermitted
from memberctl.models import AuditEntry, Coupon, Member, Staff, StaffStore
from tests.conftest import PG_URL, Run, failure

NEEDS_PG = pytest.mark.skipif(
    not PG_URL, reason="login roles, grants and row-level security are PostgreSQL's"
)

STAFF = Staff.__table__  # type: ignore[attr-defined]
STAFF_STORE = StaffStore.__table__  # type: ignore[attr-defined]
A, B, C = "13800000001", "13800000002", "13800000003"  # members of S1, of S2, of no store

AddStaff = Callable[..., str]


def test_role_names_are_safe_short_and_per_database() -> None:
    name = db_roles.role_name("Zhang San; DROP ROLE x", scope="test.t_1")
    assert name.startswith("mc_zhang_san_drop_role_x_")
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789_")
    chinese = db_roles.role_name("张三", scope="test.t_1")
    assert chinese.startswith("mc_") and len(chinese) <= 63
    assert chinese != db_roles.role_name("张三", scope="shop2.public")  # another shop's 张三
    assert chinese == db_roles.role_name("张三", scope="test.t_1")
    assert len(db_roles.role_name("x" * 64, scope="s").encode()) <= 40


def test_every_table_has_its_grants_listed(engine: Engine) -> None:
    from sqlalchemy import inspect

    tables = set(inspect(engine).get_table_names())
    assert tables - set(db_roles.GRANTS) == set()


def test_the_hooks_do_nothing_on_sqlite(engine: Engine) -> None:
    if PG_URL:
        pytest.skip("SQLite's behaviour")
    with engine.begin() as connection:
        assert db_roles.whoami(connection) is None
        assert db_roles.refresh(connection) is False
        made = db_roles.on_staff_added(
            connection, staff_id=1, name="x", role="clerk", stores=(), password="p"
        )
        assert made is None


# --- PostgreSQL ---------------------------------------------------------------------------


def _drop_role(role: str) -> None:
    with psycopg.connect(_plain(PG_URL or ""), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _plain(url: str) -> str:
    """A SQLAlchemy URL as libpq reads it (no `+psycopg`)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def as_role(db_url: str, role: str) -> str:
    return make_url(db_url).set(username=role).render_as_string(hide_password=False)


@pytest.fixture
def add_staff(engine: Engine) -> Iterator[AddStaff]:
    made: list[str] = []

    def add(
        name: str, role: Role, stores: tuple[str, ...] = (), password: str | None = None
    ) -> str:
        with engine.begin() as connection:
            staff_id = connection.execute(
                insert(STAFF)
                .values(name=name, role=role.value, failed_logins=0, created_at=dt.datetime.now())
                .returning(STAFF.c.id)
            ).scalar_one()
            for store in stores:
                connection.execute(insert(STAFF_STORE).values(staff_id=staff_id, store=store))
            db_role = db_roles.on_staff_added(
                connection,
                staff_id=staff_id,
                name=name,
                role=role.value,
                stores=stores,
                password=password,
            )
            if db_role is not None:
                made.append(db_role)
                connection.execute(
                    update(STAFF).where(STAFF.c.id == staff_id).values(db_role=db_role)
                )
        return db_role or ""

    yield add
    for role in made:
        _drop_role(role)


@pytest.fixture
def shop(run: Run) -> Run:
    """Two stores and a member in each, one of no store, arranged before any staff exists."""
    for store in ("S1", "S2"):
        assert run("store", "add", store).exit_code == 0
    for phone, store in ((A, "S1"), (B, "S2")):
        result = run(
            "member", "enroll", "--name", "会员" + store, "--phone", phone, "--store", store
        )
        assert result.exit_code == 0, result.stderr
        assert run("points", "add", phone, "100", "--reason", "welcome").exit_code == 0
    assert run("member", "enroll", "--name", "无店", "--phone", C).exit_code == 0
    assert run("purchase", "record", B, "80.00", "--store", "S2", "--order-no", "B1").exit_code == 0
    return run


@NEEDS_PG
def test_a_clerk_connected_with_plain_sql_is_refused_by_the_database(
    shop: Run, engine: Engine, add_staff: AddStaff
) -> None:
    role = add_staff("小李", Role.clerk, ("S1",))
    refused = [
        "DELETE FROM points_entry",
        "UPDATE points_entry SET points = 0",
        "DELETE FROM wallet_entry",
        "UPDATE audit_entry SET operator = 'x'",
        "SELECT * FROM audit_entry",
        "SELECT * FROM staff",
        "SELECT * FROM staff_session",
        "UPDATE tier SET name = 'x'",
    ]
    with psycopg.connect(_plain(as_role(shop.db_url, role)), autocommit=True) as conn:
        for statement in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)  # type: ignore[call-overload]
        other = conn.execute("SELECT member_no FROM member WHERE store = 'S2'").fetchall()
        own = conn.execute("SELECT store FROM member ORDER BY store").fetchall()
        purchases = conn.execute("SELECT count(*) FROM purchase").fetchone()
        sees = conn.execute("SELECT memberctl_store_scope()").fetchone()
    assert other == []
    assert own == [("S1",), (None,)]
    assert purchases == (0,)
    assert sees == (["S1"],)
    with engine.connect() as connection:  # the administrator (superuser) sees every row
        stores = connection.execute(select(Member.store).order_by(Member.store)).scalars().all()
    assert stores == ["S1", "S2", None]


@NEEDS_PG
def test_the_store_rule_is_computed_once_per_statement(shop: Run, add_staff: AddStaff) -> None:
    role = add_staff("小李", Role.clerk, ("S1",))
    with psycopg.connect(_plain(as_role(shop.db_url, role)), autocommit=True) as conn:
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN SELECT * FROM member"))
    assert "InitPlan" in plan, plan
    assert "SubPlan" not in plan, plan  # nothing run again per row


@NEEDS_PG
def test_a_clerk_works_the_till_through_the_cli_as_their_own_role(
    shop: Run, engine: Engine, add_staff: AddStaff
) -> None:
    clerk = Run(as_role(shop.db_url, add_staff("小李", Role.clerk, ("S1",))))
    enrolled = clerk("member", "enroll", "--name", "新会员", "--phone", "13900000009",
                     "--store", "S1", "-f", "json")  # fmt: skip
    assert enrolled.exit_code == 0, enrolled.stderr
    new_no = json.loads(enrolled.stdout)["member_no"]
    for args in (
        ("member", "show", A),
        ("member", "note", A, "来电"),
        ("purchase", "record", A, "100.00", "--store", "S1"),
        ("sale", "record", A, "--amount", "50.00", "--store", "S1", "--pay", "cash"),
        ("wallet", "topup", A, "20.00"),
        ("wallet", "pay", A, "5.00"),
        ("wallet", "balance", A),
        ("points", "balance", A),
        ("points", "history", A),
        ("member", "history", A),
        ("member", "edit", A, "--add-tag", "vip"),
        ("member", "edit", A, "--remove-tag", "vip"),
        ("member", "list"),
        ("coupon", "list"),
        ("tier", "list"),
        ("store", "list"),
        ("report", "daily"),
        ("db", "info"),
    ):
        result = clerk(*args)
        assert result.exit_code == 0, (args, result.stderr)
    hidden = clerk("member", "show", B)
    assert hidden.exit_code == 3, hidden.stderr
    listed = clerk("member", "list", "-f", "json")
    assert sorted(m["store"] or "" for m in json.loads(listed.stdout)) == ["", "S1", "S1"]
    denied = clerk("points", "add", A, "5", "--reason", "x")  # the code's matrix: a manager's
    assert denied.exit_code == 6
    with engine.connect() as connection:
        operators = (
            connection.execute(
                select(AuditEntry.operator).where(AuditEntry.action == "member.enroll")
            )
            .scalars()
            .all()
        )
    assert operators.count("小李") == 1  # current_user -> the staff member
    assert new_no


@NEEDS_PG
def test_a_manager_reports_and_exports_only_their_stores(
    shop: Run, add_staff: AddStaff, tmp_path: Path
) -> None:
    manager = Run(as_role(shop.db_url, add_staff("王经理", Role.manager, ("S1",))))
    summary = manager.json("report", "summary")
    assert sum(summary["by_status"].values()) == 2  # S1's member and the one of no store
    out = tmp_path / "members.csv"
    result = manager("export", "members", str(out), "--lang", "en")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert sorted(r["store"] for r in rows) == ["", "S1"]
    for args in (
        ("member", "freeze", A), ("member", "unfreeze", A), ("points", "add", A, "5",
        "--reason", "x"), ("points", "deduct", A, "5", "--reason", "x"), ("member", "upgrade", A),
        ("segment", "save", "gold", "tier = gold"), ("segment", "list"),
        ("segment", "delete", "gold"), ("report", "kpi"), ("report", "liability"),
        ("settings", "list"), ("import", "runs"), ("member", "export-data", A),
    ):  # fmt: skip
        result = manager(*args)
        assert result.exit_code == 0, (args, result.stderr)
    assert manager("member", "show", B).exit_code == 3


@NEEDS_PG
def test_a_manager_of_every_store_sees_every_store(shop: Run, add_staff: AddStaff) -> None:
    manager = Run(as_role(shop.db_url, add_staff("总经理", Role.manager)))
    assert sum(manager.json("report", "summary")["by_status"].values()) == 3


@NEEDS_PG
def test_the_owner_role_does_everything(shop: Run, add_staff: AddStaff) -> None:
    owner = Run(as_role(shop.db_url, add_staff("老板", Role.owner)))
    for args in (
        ("member", "show", B), ("audit",), ("points", "add", B, "5", "--reason", "x"),
        ("member", "freeze", B), ("member", "cancel", B), ("member", "restore", B),
        ("tier", "evaluate", "--apply"), ("points", "expire"), ("settings", "list"),
        ("store", "add", "S3"), ("nightly",), ("db", "check"), ("member", "forget", C, "--yes"),
        ("report", "summary"), ("db", "upgrade"),
    ):  # fmt: skip
        result = owner(*args)
        assert result.exit_code == 0, (args, result.stderr)


@NEEDS_PG
def test_adding_a_login_role_needs_createrole(
    shop: Run, engine: Engine, add_staff: AddStaff
) -> None:
    owner = add_staff("老板", Role.owner)
    as_owner = make_url(as_role(shop.db_url, owner))
    from memberctl.db.engine import make_engine

    owner_engine = make_engine(as_owner.render_as_string(hide_password=False))
    try:
        with owner_engine.begin() as connection, pytest.raises(NotPermitted) as refused:
            db_roles.on_staff_added(
                connection, staff_id=999, name="x", role="clerk", stores=(), password="p"
            )
    finally:
        owner_engine.dispose()
    assert "CREATEROLE" in str(refused.value) or "owner" in str(refused.value)
    del engine


@NEEDS_PG
def test_a_disabled_staff_member_can_no_longer_log_in(
    shop: Run, engine: Engine, add_staff: AddStaff
) -> None:
    role = add_staff("小李", Role.clerk, ("S1",), password="correct horse")
    with engine.begin() as connection:
        db_roles.on_password(connection, db_role=role, password="battery staple")
        db_roles.on_disabled(connection, db_role=role)
        connection.execute(update(STAFF).where(STAFF.c.db_role == role).values(
            disabled_at=dt.datetime.now()
        ))  # fmt: skip
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        psycopg.connect(_plain(as_role(shop.db_url, role))).close()


@NEEDS_PG
def test_apply_is_idempotent_and_refresh_restores_the_grants(
    shop: Run, engine: Engine, add_staff: AddStaff
) -> None:
    role = add_staff("小李", Role.clerk, ("S1",))
    with engine.begin() as connection:
        db_roles.apply(connection)
        connection.exec_driver_sql("REVOKE ALL ON member FROM memberctl_clerk")
        assert db_roles.refresh(connection) is True
    clerk = Run(as_role(shop.db_url, role))
    assert clerk("member", "show", A).exit_code == 0


@NEEDS_PG
def test_a_phone_held_in_another_store_is_a_rule_not_a_crash(
    shop: Run, add_staff: AddStaff
) -> None:
    """Row-level security hides the S2 member from the S1 clerk, so the duplicate check before
    the INSERT finds nobody; the unique index refuses it, and that is exit 4 with one line."""
    clerk = Run(as_role(shop.db_url, add_staff("小李", Role.clerk, ("S1",))))
    result = clerk("member", "enroll", "--name", "重复", "--phone", B, "--store", "S1")
    assert failure(result, 4) == (
        "error: the phone number is already used by a member of another store; nothing was "
        "written; ask a manager of that store, or the owner, to look the member up"
    )


@NEEDS_PG
def test_a_clerk_redeeming_another_stores_coupon_is_refused_not_a_crash(
    shop: Run, engine: Engine, add_staff: AddStaff
) -> None:
    """The row policy hides the coupon's member from the clerk's role: exit 6, one line."""
    with engine.begin() as connection:
        member_id = connection.execute(
            select(Member.id).where(Member.phone == "+86" + B)
        ).scalar_one()
        connection.execute(
            insert(Coupon.__table__).values(  # type: ignore[attr-defined]
                code="S2COUPON",
                member_id=member_id,
                value=10,
                valid_from=dt.date(2000, 1, 1),
                valid_to=dt.date(2999, 1, 1),
                created_at=dt.datetime(2026, 1, 1),
            )  # fmt: skip
        )
    clerk = Run(as_role(shop.db_url, add_staff("小周", Role.clerk, ("S1",))))
    failure(
        clerk("coupon", "redeem", "S2COUPON"),
        6,
        "error: coupon S2COUPON is for a member of a store you do not work in; it is used in the "
        "member's own store",
    )


@NEEDS_PG
def test_a_clerks_search_keys_are_their_stores_and_the_triggers_write_as_them(
    shop: Run, add_staff: AddStaff
) -> None:
    """member_search_key (migration 0017): a clerk reads only the keys of members they may see,
    and the triggers on member write keys as the clerk who enrols or renames."""
    role = add_staff("小李", Role.clerk, ("S1",))
    clerk = Run(as_role(shop.db_url, role))
    renamed = clerk("member", "edit", A, "--name", "欧阳娜娜")
    assert renamed.exit_code == 0, renamed.stderr
    enrolled = clerk("member", "enroll", "--name", "会员新", "--phone", "13900000009",
                     "--store", "S1")  # fmt: skip
    assert enrolled.exit_code == 0, enrolled.stderr
    with psycopg.connect(_plain(as_role(shop.db_url, role)), autocommit=True) as conn:
        names = conn.execute(
            "SELECT piece FROM member_search_key WHERE kind = 'n' AND piece LIKE '会员%'"
        ).fetchall()
    assert sorted(names) == [("会员新",)]  # not 会员S2's, nor 会员S1's old name
    found = clerk("member", "search", "会员", "-f", "json")
    assert [m["name"] for m in json.loads(found.stdout)] == ["会员新"], found.stderr
    assert [m["name"] for m in clerk.json("member", "search", "oynn")] == ["欧阳娜娜"]
    failure(clerk("member", "search", "S2"), 3, "no member matches 'S2'")
