"""Regenerate samples/members.xlsx and samples/purchases.csv (deterministic: same seed, same files).

The members sheet looks like an export from another shop system: Chinese headers, phones typed
as numbers or with spaces, dashes and +86, dates as date cells, text or Excel serials, genders as
男/女/M/F, tags split by Chinese commas, and a few rows that cannot be recovered (a phone in
scientific notation, a date of 1990-02-30, an unknown tier) so `--skip-invalid` has something to
skip. Run: python samples/make_samples.py
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).parent
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
STORES = ["总店", "朝阳店", "海淀店", "浦东店"]
TAGS = ["vip", "新客", "老客", "团购", "生日礼"]
TIERS = ["basic", "basic", "basic", "silver", "gold", "金卡会员", "platinum"]
BAD_ROWS = (6, 17, 42, 99)  # the rows made unrecoverable below
HEADER = ["会员卡号", "姓名", "手机号", "性别", "生日", "会员等级", "积分", "余额", "门店", "标签",
          "注册时间", "备注"]  # fmt: skip


def _phone(rng: random.Random, i: int) -> object:
    digits = f"1{rng.choice('3578')}{i:09d}"
    style = rng.randrange(6)
    if style == 0:
        return int(digits)  # stored as a number
    if style == 1:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 2:
        return f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return digits


def _birthday(rng: random.Random) -> object:
    day = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(16000))
    style = rng.randrange(5)
    if style == 0:
        return f"{day.year}/{day.month}/{day.day}"
    if style == 1:
        return f"{day.year}年{day.month}月{day.day}日"
    if style == 2:
        return (day - dt.date(1899, 12, 30)).days  # an Excel serial
    return day


def member_rows(count: int = 300, seed: int = 20261125) -> list[list[object]]:
    rng = random.Random(seed)
    rows: list[list[object]] = []
    for i in range(1, count + 1):
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        rows.append([
            f"VIP{i:05d}" if i % 10 else "", name, _phone(rng, i),
            rng.choice(["男", "女", "M", "F", ""]), _birthday(rng) if rng.random() < 0.8 else "",
            rng.choice(TIERS), rng.randrange(0, 5000, 10),
            round(rng.choice([0, 0, 50, 100.5, 288.8, 1000]), 2), rng.choice(STORES),
            "，".join(rng.sample(TAGS, rng.randrange(3))),
            dt.datetime(2023, 1, 1, 9) + dt.timedelta(minutes=rng.randrange(900_000)), "",
        ])  # fmt: skip
    rows[6][2], rows[6][11] = "1.38001E+10", "手机号被 Excel 显示成科学计数法"
    rows[17][4], rows[17][11] = "1990-02-30", "不存在的日期"
    rows[42][5], rows[42][11] = "diamond", "不存在的等级"
    rows[99][2], rows[99][11] = rows[98][2], "重复的手机号"
    return rows


def write_members(path: Path, rows: list[list[object]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "会员"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    for cell in sheet["E"][1:]:
        if isinstance(cell.value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    for cell in sheet["K"][1:]:
        cell.number_format = "yyyy-mm-dd hh:mm"
    book.save(path)


def write_purchases(path: Path, members: list[list[object]], seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["手机号", "订单号", "金额", "消费时间", "门店", "品类"])
        for n in range(1, 501):
            member = rng.choice([m for i, m in enumerate(members[:120]) if i not in BAD_ROWS])
            phone = str(member[2])
            when = dt.datetime(2026, 1, 1, 10) + dt.timedelta(minutes=rng.randrange(400_000))
            writer.writerow([phone, f"SO{n:06d}", f"{rng.randrange(500, 90000) / 100:.2f}",
                             when.strftime("%Y-%m-%d %H:%M"), rng.choice(STORES),
                             rng.choice(["饮料", "零食", "日用", ""])])  # fmt: skip


def main() -> None:
    rows = member_rows()
    write_members(HERE / "members.xlsx", rows)
    write_purchases(HERE / "purchases.csv", rows)


if __name__ == "__main__":
    main()
