"""Wide tables at 80 columns (issue 14): identifiers and dates are never cut; text columns wrap
and the least important columns are left out, said on stderr; yes/no in words. Exact text in
English and Chinese, in a fresh interpreter (the language is fixed at import)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, update

from memberctl.db.session import transaction
from memberctl.models import Member
from tests.factories import enroll
from tests.i18n.test_language import memberctl

TEMPLATES = Path(__file__).parents[2] / "templates" / "campaigns"
NARROW = {"COLUMNS": "80", "TERMINAL_WIDTH": "80", "MEMBERCTL_LANG": "en"}


@pytest.fixture
def shop(run, engine) -> str:
    """The four campaign templates; one wake-up coupon for a member who joined in January."""
    for path in sorted(TEMPLATES.glob("*.toml")):
        assert run("campaign", "add", str(path)).exit_code == 0
    enroll(engine, name="张三", phone="13800138000", joined_at="2026-01-05")
    assert run.json("campaign", "run", "wake-up-coupon", "--as-of", "2026-11-20")["coupons"] == 1
    return run.json("coupon", "list")[0]["code"]


CAMPAIGNS_EN = """\
Code            Name       Period  Where     Points Coupon Starts     Ends
────────────────────────────────────────────────────────────────────────────────
birthday-double 生日月赠送 yearly  birthday_    100        2026-11-01 2026-11-30
                积分               month =
                                   11
thank-you-gold  金卡白金年 yearly  tier >=      500        2026-12-01 2026-12-31
                终感谢积分         gold
wake-up-coupon  唤醒券     monthly inactive_         20.00
                满100减20          days >=
                                   30
weekday-voucher 工作日10元 monthly visits_12         10.00
                券                 m >= 3
                                   and
                                   status =
                                   active
"""
CAMPAIGNS_ZH = """\
代码            名称         周期 筛选条件     积分 优惠券 开始       结束
────────────────────────────────────────────────────────────────────────────────
birthday-double 生日月赠送积 每年 birthday_mon  100        2026-11-01 2026-11-30
                分                th = 11
thank-you-gold  金卡白金年终 每年 tier >= gold  500        2026-12-01 2026-12-31
                感谢积分
wake-up-coupon  唤醒券       每月 inactive_day       20.00
                满100减20         s >= 30
weekday-voucher 工作日10元券 每月 visits_12m         10.00
                                  >= 3 and
                                  status =
                                  active
"""
COUPONS_EN = """\
Code     Member  Campaign       Value From       To         Status Used at
──────────────────────────────────────────────────────────────────────────
CODE     M000001 wake-up-coupon 20.00 2026-11-20 2026-12-19 unused
"""
COUPONS_ZH = """\
代码     会员    活动            面值 生效日     到期日     状态   使用时间
───────────────────────────────────────────────────────────────────────────
CODE     M000001 wake-up-coupon 20.00 2026-11-20 2026-12-19 未使用
"""
LEFT_OUT = {
    ("campaign", "en"): "columns left out to fit 80 columns: Action, Version (see them all "
    "with a wider terminal or --format csv)",
    (
        "campaign",
        "zh",
    ): "为适应 80 列宽省略了：操作、版本（加宽终端或用 --format csv 可看到全部列）",
    ("coupon", "en"): "columns left out to fit 80 columns: Min spend, Mon-Fri, No holidays, "
    "Order (see them all with a wider terminal or --format csv)",
    (
        "coupon",
        "zh",
    ): "为适应 80 列宽省略了：最低消费、周一至周五、节假日不可用、订单（加宽终端或用 "
    "--format csv 可看到全部列）",
}


def _lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


@pytest.mark.parametrize(
    ("group", "lang", "expected"),
    [
        ("campaign", "en", CAMPAIGNS_EN),
        ("campaign", "zh", CAMPAIGNS_ZH),
        ("coupon", "en", COUPONS_EN),
        ("coupon", "zh", COUPONS_ZH),
    ],
)
def test_wide_tables_at_80_columns_keep_codes_and_dates_whole(shop, db_url, group, lang, expected):
    result = memberctl(db_url, "--lang", lang, group, "list", **NARROW)

    assert result.returncode == 0, result.stderr
    assert _lines(result.stdout) == expected.replace("CODE    ", shop)
    assert result.stderr.splitlines() == [LEFT_OUT[group, lang]]
    assert "…" not in result.stdout


@pytest.mark.parametrize(("lang", "no"), [("en", "no"), ("zh", "否")])
def test_booleans_read_as_words(shop, db_url, lang, no):  # noqa: ARG001  (shop: the coupon)
    wide = {**NARROW, "COLUMNS": "200", "TERMINAL_WIDTH": "200"}
    result = memberctl(db_url, "--lang", lang, "coupon", "list", **wide)

    assert result.returncode == 0 and result.stderr == "", result.stderr
    row = result.stdout.splitlines()[2].split()
    assert row[7:9] == [no, no], row
    assert "False" not in result.stdout
    assert (
        json.loads(memberctl(db_url, "coupon", "list", "-f", "json").stdout)[0]["weekdays_only"]
        is False
    )


MEMBERS_EN = r"""
Member no  Name                Phone          Tier   Status  Points  Balance  Store       Joined
────────────────────────────────────────────────────────────────────────────────────────────────────
M000002    Ann [vip]\u202e\nX  139 0013 9000  basic  active       0     0.00              2026-11-25
M000001    Bob [/] \x1b[2J     138 0013 8000  basic  active       0     0.00  [bold]东店  2026-11-25
"""[1:]
MEMBERS_ZH = r"""
会员编号  姓名                手机号         等级      状态  积分  余额  门店        入会时间
───────────────────────────────────────────────────────────────────────────────────────────────
M000002   Ann [vip]\u202e\nX  139 0013 9000  普通会员  正常     0  0.00              2026-11-25
M000001   Bob [/] \x1b[2J     138 0013 8000  普通会员  正常     0  0.00  [bold]东店  2026-11-25
"""[1:]


@pytest.mark.parametrize(("lang", "expected"), [("en", MEMBERS_EN), ("zh", MEMBERS_ZH)])
def test_member_list_shows_markup_and_escapes_literally(engine, db_url, lang, expected):
    bob = enroll(engine, name="Bob", phone="13800138000", store="[bold]东店").member_no
    ann = enroll(engine, name="Ann", phone="13900139000").member_no
    with transaction(engine) as session:  # old data: written before input was checked
        for no, name in [(bob, "Bob [/] \x1b[2J"), (ann, "Ann [vip]\u202e\nX")]:
            session.exec(update(Member).where(col(Member.member_no) == no).values(name=name))

    result = memberctl(db_url, "--lang", lang, "member", "list")

    assert result.returncode == 0, result.stderr
    assert _lines(result.stdout) == expected
    assert result.stderr == ""
