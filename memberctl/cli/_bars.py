"""Unicode bars for terminal tables: a count drawn as a row of blocks beside it.

A leaf: the report tables (cli/_report_output.py) and the survey report's tables
(cli/_survey_report.py) both draw with it, and neither has to import the other for it.
"""

from __future__ import annotations

BLOCKS = " ▏▎▍▌▋▊▉█"
BAR_WIDTH = 30


def bar(value: float, top: float, width: int = BAR_WIDTH) -> str:
    """`value` as a unicode bar, `top` filling `width` characters."""
    if top <= 0 or value <= 0:
        return ""
    eighths = round(value / top * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (BLOCKS[part] if part else "")
