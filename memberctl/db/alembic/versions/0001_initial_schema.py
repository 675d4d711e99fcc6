"""Initial schema: tiers (seeded with the four default tiers), members, tags, lifecycle
changes, interactions, counters and the audit log.

Revision ID: 0001
Revises:
"""

from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# rank, code, name, points multiplier, price factor, 12-month spend that qualifies
DEFAULT_TIERS = [
    (1, "basic", "普通会员", "1.00", "1.00", "0.00"),
    (2, "silver", "银卡会员", "1.20", "0.98", "1000.00"),
    (3, "gold", "金卡会员", "1.50", "0.95", "5000.00"),
    (4, "platinum", "白金会员", "2.00", "0.90", "20000.00"),
]


def upgrade() -> None:
    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "tier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("multiplier", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("discount", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("tier", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tier_rank"), ["rank"], unique=False)

    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_no", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("tier_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("balance", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("store", sa.String(length=64), nullable=True),
        sa.Column("referrer_id", sa.Integer(), nullable=True),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("forgotten_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referrer_id"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["tier_code"],
            ["tier.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member_no"),
        sa.UniqueConstraint("phone"),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_joined_at"), ["joined_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_store"), ["store"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_tier_code"), ["tier_code"], unique=False)

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_member_id"), ["member_id"], unique=False)

    op.create_table(
        "interaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=True),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interaction_member_id"), ["member_id"], unique=False)

    op.create_table(
        "lifecycle_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_value", sa.String(length=32), nullable=True),
        sa.Column("to_value", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lifecycle_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lifecycle_change_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lifecycle_change_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "member_tag",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("member_id", "tag"),
    )
    with op.batch_alter_table("member_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_tag_tag"), ["tag"], unique=False)

    tier = sa.table(
        "tier",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("rank", sa.Integer),
        sa.column("multiplier", sa.Numeric),
        sa.column("discount", sa.Numeric),
        sa.column("threshold", sa.Numeric),
    )
    counter = sa.table("counter", sa.column("name", sa.String), sa.column("value", sa.Integer))
    op.bulk_insert(counter, [{"name": "member_no", "value": 0}])
    op.bulk_insert(
        tier,
        [
            {
                "code": code,
                "name": name,
                "rank": rank,
                "multiplier": Decimal(mult),
                "discount": Decimal(disc),
                "threshold": Decimal(threshold),
            }
            for rank, code, name, mult, disc, threshold in DEFAULT_TIERS
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("member_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_tag_tag"))

    op.drop_table("member_tag")
    with op.batch_alter_table("lifecycle_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lifecycle_change_member_id"))
        batch_op.drop_index(batch_op.f("ix_lifecycle_change_at"))

    op.drop_table("lifecycle_change")
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interaction_member_id"))

    op.drop_table("interaction")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_member_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_action"))

    op.drop_table("audit_entry")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_tier_code"))
        batch_op.drop_index(batch_op.f("ix_member_store"))
        batch_op.drop_index(batch_op.f("ix_member_status"))
        batch_op.drop_index(batch_op.f("ix_member_joined_at"))

    op.drop_table("member")
    with op.batch_alter_table("tier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tier_rank"))

    op.drop_table("tier")
    op.drop_table("counter")
