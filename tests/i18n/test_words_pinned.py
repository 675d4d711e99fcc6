"""Issue 14, pinned: the exact lines a clerk reads in Chinese, and in English where a table
printed keys (`points_balance`, a JSON blob for `db info`) instead of words.

Each Chinese case runs the real program in a fresh interpreter (see test_language); English
cases use the in-process `run` fixture.
"""

from __future__ import annotations

import json

from tests.conftest import error_line
from tests.factories import act, enroll, member_in, move_tier
from tests.i18n.test_language import memberctl

COUPON = """code = "c1"
name = "工作日券"
action = "issue_coupon"
coupon_value = "10.00"
coupon_valid_days = 30
weekdays_only = {weekdays}
no_holidays = {holidays}
where = "status = active"
period = "once"
"""


def _zh(db_url, *args):
    return memberctl(db_url, "--lang", "zh", *args)


def _lines(stdout: str) -> list[str]:
    return [line.rstrip() for line in stdout.splitlines()]


def test_a_lifecycle_refusal_says_action_and_statuses_in_words(engine, db_url, run):
    member_in(engine, "cancelled")

    zh = _zh(db_url, "member", "unfreeze", "M000001")
    cancel = _zh(db_url, "member", "cancel", "M000001")
    en = run("member", "cancel", "M000001")

    assert zh.returncode == cancel.returncode == en.exit_code == 4
    assert zh.stderr == "错误：无法解冻 M000001：该会员状态为已注销；解冻只适用于冻结状态的会员\n"
    assert cancel.stderr == (
        "错误：无法注销 M000001：该会员状态为已注销；注销只适用于正常或冻结状态的会员\n"
    )
    assert error_line(en) == (
        "error: cannot cancel M000001: the member is cancelled; "
        "cancel is allowed only for active or frozen members"
    )


def test_wallet_results_say_what_was_done(engine, db_url):
    enroll(engine)

    topup = _zh(db_url, "wallet", "topup", "M000001", "100", "--bonus", "10")
    pay = _zh(db_url, "wallet", "pay", "M000001", "20")
    refund = _zh(db_url, "wallet", "refund", "M000001", "5")

    assert topup.stderr == "M000001：充值完成，余额 110.00\n"
    assert pay.stderr == "M000001：支付完成，余额 90.00\n"
    assert refund.stderr == "M000001：退款完成，余额 95.00\n"


def test_tier_moves_name_the_tiers(engine, db_url, run):
    enroll(engine, tier="platinum")
    enroll(engine)

    refused = _zh(db_url, "member", "upgrade", "M000001")
    moved = _zh(db_url, "member", "upgrade", "M000002")
    en = run("member", "downgrade", "M000002")

    assert refused.returncode == 4
    assert refused.stderr == "错误：无法升级 M000001：白金会员 已经是最高等级\n"
    assert moved.stderr.splitlines()[0] == "M000002：当前等级 银卡会员"
    assert en.stderr.splitlines()[0] == "M000002: now 普通会员"


def test_the_history_names_the_tiers_and_its_json_keeps_codes(engine, db_url, run):
    enroll(engine)
    move_tier(engine, "M000001", "up")

    zh = _zh(db_url, "member", "history", "M000001")
    en = run("member", "history", "M000001")
    data = run.json("member", "history", "M000001")

    assert "普通会员 → 银卡会员" in zh.stdout and "basic" not in zh.stdout
    assert "普通会员 -> 银卡会员" in en.stdout and "basic" not in en.stdout
    assert [e["detail"] for e in data if e["kind"] == "tier"][-1] == "basic -> silver"


def test_ledger_reasons_the_program_wrote_read_in_chinese(engine, db_url, run):
    enroll(engine)
    run("purchase", "record", "M000001", "300", "--order-no", "A1", "--at", "2026-10-01T10:00")
    run("purchase", "refund", "A1")

    zh = _zh(db_url, "points", "history", "M000001")
    data = run.json("points", "history", "M000001")

    rows = _lines(zh.stdout)[3:]
    assert len(rows) == 2 and "order" not in zh.stdout
    assert "  订单 A1  " in rows[0] and "  订单 A1 退款  " in rows[1]
    assert [e["reason"] for e in data] == ["order A1", "refund of order A1"]


def _coupon(engine, run, tmp_path, *, weekdays: bool, holidays: bool) -> str:
    enroll(engine)
    path = tmp_path / "c1.toml"
    path.write_text(
        COUPON.format(weekdays=str(weekdays).lower(), holidays=str(holidays).lower()),
        encoding="utf-8",
    )
    assert run("campaign", "add", str(path)).exit_code == 0
    assert run("campaign", "run", "c1", "--as-of", "2026-09-25").exit_code == 0
    return run.json("coupon", "list")[0]["code"]


def test_a_weekend_refusal_names_the_day_in_chinese(engine, db_url, run, tmp_path):
    code = _coupon(engine, run, tmp_path, weekdays=True, holidays=False)

    zh = _zh(db_url, "coupon", "redeem", code, "--at", "2026-09-27T10:00")
    en = run("coupon", "redeem", code, "--at", "2026-09-27T10:00")

    assert zh.returncode == en.exit_code == 4
    assert zh.stderr == (
        f"错误：优惠券 {code} 仅限周一至周五使用，而 2026-09-27 是星期日；请在工作日使用\n"
    )
    assert error_line(en).endswith("2026-09-27 is a Sunday; use it on a weekday")


def test_a_holiday_refusal_names_the_holiday_in_chinese(engine, db_url, run, tmp_path):
    code = _coupon(engine, run, tmp_path, weekdays=False, holidays=True)

    zh = _zh(db_url, "coupon", "redeem", code, "--at", "2026-10-01T10:00")
    en = run("coupon", "redeem", code, "--at", "2026-10-01T10:00")

    assert zh.returncode == en.exit_code == 4
    assert zh.stderr == (
        f"错误：优惠券 {code} 节假日不可用，而 2026-10-01 是国庆节；请换一天使用\n"
    )
    assert error_line(en).endswith("2026-10-01 is National Day; use it on another day")


def test_coupon_validity_columns_are_valid_from_and_to(engine, db_url, run, tmp_path):
    _coupon(engine, run, tmp_path, weekdays=False, holidays=False)

    zh = _zh(db_url, "coupon", "list")

    header = _lines(zh.stdout)[0].split()
    assert header[5:7] == ["生效日", "到期日"], header


def test_campaign_add_and_list_in_words(db_url, tmp_path, engine):  # noqa: ARG001
    path = tmp_path / "c1.toml"
    path.write_text(COUPON.format(weekdays="false", holidays="false"), encoding="utf-8")

    added = _zh(db_url, "campaign", "add", str(path))
    listed = _zh(db_url, "campaign", "list")

    assert added.stderr == "活动 'c1' 已添加\n"
    assert _lines(listed.stdout)[2].split()[:4] == ["c1", "工作日券", "发放优惠券", "一次"]


def test_kpi_rows_are_words_in_both_languages(engine, db_url, run):  # noqa: ARG001
    args = ("report", "kpi", "--from", "2026-11-01", "--to", "2026-11-25")

    zh = _zh(db_url, *args)
    en = run(*args)

    def labels(stdout):
        rows = _lines(stdout)
        start = next(i for i, line in enumerate(rows) if line.startswith("─")) + 1
        return [line.split("  ")[0] for line in rows[start:]]

    assert labels(zh.stdout) == [
        "活跃会员",
        "复购率",
        "客单价",
        "消费频次",
        "新会员",
        "消费笔数",
        "营业额",
    ]
    assert labels(en.stdout) == [
        "Active members",
        "Repurchase rate",
        "Average order value",
        "Purchase frequency",
        "New members",
        "Purchases",
        "Revenue",
    ]


def test_unnamed_records_read_as_labelled_rows_in_english(engine, run):
    enroll(engine)
    run("points", "add", "M000001", "10", "--reason", "x")

    def labels(*args):
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        return [line.split("  ")[0] for line in _lines(result.stdout)]

    assert labels("points", "balance", "M000001") == [
        "Member no",
        "Points",
        "Available",
        "Lapsed",
        "Next expiry",
        "Points expiring then",
    ]
    assert labels("wallet", "balance", "M000001") == ["Member no", "Balance", "Refundable"]
    assert labels("report", "liability") == ["As of", "Points", "Balance"]


def test_db_info_is_a_table_of_labelled_rows_and_row_counts(engine, run):
    enroll(engine)

    result = run("db", "info")
    data = run.json("db", "info")

    rows = _lines(result.stdout)
    labels = [line.split("  ")[0] for line in rows]  # a long value wraps onto lines of its own
    assert [label for label in labels if label][:4] == [
        "Database",
        "Backend",
        "Schema version",
        "Newest schema version",
    ]
    assert "{" not in result.stdout
    counts = {line.split()[0]: int(line.split()[1]) for line in rows if line[:1].islower()}
    assert counts["member"] == 1 and counts == data["rows"]
    assert json.dumps(data["rows"])  # JSON keeps the object


def test_notify_render_counts_rows_written(engine, db_url, tmp_path):
    enroll(engine)
    template = tmp_path / "t.txt"
    template.write_text("{name}您好\n", encoding="utf-8")

    zh = _zh(
        db_url, "notify", "render", "--template", str(template), "--out", str(tmp_path / "n.csv")
    )

    labels = [line.split()[0] for line in _lines(zh.stdout)]
    assert labels == ["写入", "截至", "行数", "不接收营销（已跳过）"]


def test_history_of_a_frozen_member_in_words(engine, db_url):
    enroll(engine)
    act(engine, "M000001", "freeze")

    zh = _zh(db_url, "member", "history", "M000001")

    assert "正常 → 冻结（step 1）" in zh.stdout


def test_audit_actions_read_in_words_in_chinese_and_as_codes_in_english(engine, db_url, run):
    enroll(engine)
    run("member", "freeze", "M000001")

    zh = _zh(db_url, "audit", "--action", "member.freeze")
    en = run("audit", "--action", "member.freeze")

    assert _lines(zh.stdout)[2].split()[3:5] == ["冻结会员", "M000001"]
    assert _lines(en.stdout)[2].split()[3:5] == ["member.freeze", "M000001"]
    assert run.json("audit", "--action", "member.freeze")[0]["action"] == "member.freeze"
