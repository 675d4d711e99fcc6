"""Spreadsheets: reading sheets into plain rows, and writing files (exports, errors files,
templates, report workbooks). No database and no import rules: those are memberctl.domain's
(domain/imports takes the rows read here; memberctl/spreadsheets/ruff.toml fences it).

The only package that imports pandas, openpyxl and xlsxwriter. The CLI enters it lazily, from
inside the commands that need it, so `memberctl --help` never pays for them.
"""
