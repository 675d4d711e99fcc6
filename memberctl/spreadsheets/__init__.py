"""Spreadsheets: reading, normalising, importing and exporting members and purchases.

The only package that imports pandas, openpyxl and xlsxwriter. The CLI enters it lazily, from
inside the commands that need it, so `memberctl --help` never pays for them.
"""
