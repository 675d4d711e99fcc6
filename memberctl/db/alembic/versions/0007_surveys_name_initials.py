"""Surveys (questionnaires and answers) and the pinyin initials of member names (issue 8).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_initials", sa.String(length=100), nullable=True))
        batch_op.create_index("ix_member_name_initials", ["name_initials"], unique=False)

    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("survey_id", "member_id", "taken_at"),
    )
    op.create_index("ix_survey_response_survey_id", "survey_response", ["survey_id"])
    op.create_index("ix_survey_response_member_id", "survey_response", ["member_id"])
    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=4000), nullable=True),
        sa.ForeignKeyConstraint(["response_id"], ["survey_response.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_survey_answer_response_id", "survey_answer", ["response_id"])


def downgrade() -> None:
    op.drop_index("ix_survey_answer_response_id", table_name="survey_answer")
    op.drop_table("survey_answer")
    op.drop_index("ix_survey_response_member_id", table_name="survey_response")
    op.drop_index("ix_survey_response_survey_id", table_name="survey_response")
    op.drop_table("survey_response")
    op.drop_table("survey")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_name_initials")
        batch_op.drop_column("name_initials")
