"""templates/: the commented example files load through the CLI and mean what they say."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sqlmodel import col, select

from memberctl.models import AuditEntry, Tier

ROOT = Path(__file__).resolve().parents[2]
TIERS_TOML = ROOT / "templates" / "tiers.toml"
TIER_KEYS = ("code", "name", "rank", "multiplier", "discount", "threshold")
OPTIONAL_TIER_KEYS = ("points_per_unit",)  # documented, and commented out in every table

# The contract's default tiers: rank, code, name, points multiplier, price factor, 12-month spend.
DEFAULT_TIERS = [
    {
        "rank": 1,
        "code": "basic",
        "name": "普通会员",
        "multiplier": "1.00",
        "discount": "1.00",
        "threshold": "0.00",
        "points_per_unit": None,
        "earn_rate": "1.00",
    },
    {
        "rank": 2,
        "code": "silver",
        "name": "银卡会员",
        "multiplier": "1.20",
        "discount": "0.98",
        "threshold": "1000.00",
        "points_per_unit": None,
        "earn_rate": "1.00",
    },
    {
        "rank": 3,
        "code": "gold",
        "name": "金卡会员",
        "multiplier": "1.50",
        "discount": "0.95",
        "threshold": "5000.00",
        "points_per_unit": None,
        "earn_rate": "1.00",
    },
    {
        "rank": 4,
        "code": "platinum",
        "name": "白金会员",
        "multiplier": "2.00",
        "discount": "0.90",
        "threshold": "20000.00",
        "points_per_unit": None,
        "earn_rate": "1.00",
    },
]


def _tiers_in_db(session) -> list[dict[str, object]]:
    session.rollback()  # end the read transaction: see what the CLI committed
    rows = session.exec(select(Tier).order_by(col(Tier.rank))).all()
    return [
        {
            "rank": t.rank,
            "code": t.code,
            "name": t.name,
            "multiplier": f"{t.multiplier:.2f}",
            "discount": f"{t.discount:.2f}",
            "threshold": f"{t.threshold:.2f}",
            "points_per_unit": None if t.points_per_unit is None else f"{t.points_per_unit:.2f}",
            "earn_rate": "1.00" if t.points_per_unit is None else f"{t.points_per_unit:.2f}",
        }
        for t in rows
    ]


def test_tier_template_holds_the_default_tiers_and_loads_unchanged(run, session):
    assert run.json("tier", "list") == DEFAULT_TIERS

    loaded = run.json("tier", "load", str(TIERS_TOML))

    assert loaded == DEFAULT_TIERS
    assert _tiers_in_db(session) == DEFAULT_TIERS
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "tier.load")).one()
    assert audit.operator == "tester"


def test_tier_template_puts_edited_tiers_back_and_keeps_others(run, session, tmp_path):
    custom = tmp_path / "custom.toml"
    custom.write_text(
        '[[tier]]\ncode = "silver"\nname = "Silver"\nrank = 2\nthreshold = "800"\n'
        '[[tier]]\ncode = "diamond"\nname = "钻石会员"\nrank = 5\nmultiplier = 3\n'
        'threshold = "50000"\n',
        encoding="utf-8",
    )
    assert run("tier", "load", str(custom)).exit_code == 0
    assert _tiers_in_db(session)[1]["threshold"] == "800.00"

    result = run("tier", "load", str(TIERS_TOML), "--format", "json")

    assert result.exit_code == 0, result.stderr
    diamond = {
        "rank": 5,
        "code": "diamond",
        "name": "钻石会员",
        "multiplier": "3.00",
        "discount": "1.00",
        "threshold": "50000.00",
        "points_per_unit": None,
        "earn_rate": "1.00",
    }
    assert _tiers_in_db(session) == [*DEFAULT_TIERS, diamond]


def test_tier_template_documents_every_key_in_english_and_chinese():
    text = TIERS_TOML.read_text(encoding="utf-8")
    document = tomllib.loads(text)
    assert [set(row) for row in document["tier"]] == [set(TIER_KEYS)] * 4
    comments = [line for line in text.splitlines() if line.startswith("#")]
    for table in text.split("\n[[tier]]\n")[1:]:
        assert [line for line in table.splitlines() if line.startswith("#")] == [
            f'# {key} = "1.00"' for key in OPTIONAL_TIER_KEYS
        ]
    for key in TIER_KEYS + OPTIONAL_TIER_KEYS:
        start = next(i for i, line in enumerate(comments) if line.startswith(f"#   {key} "))
        end = next(  # the next key's entry, or the blank comment line after the list
            i for i in range(start + 1, len(comments)) if not comments[i].startswith("#    ")
        )
        block = "\n".join(comments[start:end])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in block), f"{key}: no Chinese comment"
        assert any(ch.isascii() and ch.isalpha() for ch in block.split(key, 1)[1]), key
