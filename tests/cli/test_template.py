"""`memberctl template members`: headers, example row, drop-downs, text and date columns."""

from __future__ import annotations

import json

from openpyxl import load_workbook


def test_template_has_headers_validation_and_formats(run, tmp_path):
    path = tmp_path / "t.xlsx"
    result = run("template", "members", str(path))
    assert result.exit_code == 0, result.stderr
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["姓名", "手机号", "性别", "生日"]
    assert sheet["B2"].value == "13800138000" and sheet["B2"].number_format == "@"
    assert sheet["D5"].number_format == "yyyy-mm-dd"
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["C2"] == '"男,女"'
    assert "gold" in lists["F2"]


def test_template_example_row_imports(run, tmp_path):
    path = tmp_path / "t.xlsx"
    run("template", "members", str(path), "--lang", "en")
    refused = run("import", "members", str(path), "--format", "json")
    assert refused.exit_code == 5  # its example store is not registered in a new shop
    assert "no store '总店' is registered" in refused.stderr
    result = run("import", "members", str(path), "--add-stores", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == 1
    member = run.json("member", "show", "13800138000")
    assert (member["points"], member["balance"], member["tags"]) == (100, "50.00", ["vip", "新客"])
    assert member["store"] == "总店"
