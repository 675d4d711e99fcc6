"""The bookkeeping of one import: its `import_run` row, its counts, its audit entry.

An import is one transaction (the caller's), recorded in `import_run` inside it: a failed,
refused or killed import leaves nothing behind. `settle` ends it: a dry run or a strict refusal
(rows rejected without --skip-invalid) raises `Discarded` so that the transaction is rolled back;
otherwise the run is marked done with its counts and marks (for `import undo`) and audited.
"""

from __future__ import annotations

import time

from sqlmodel import Session

from memberctl.domain import audit, import_runs
from memberctl.domain.imports import store
from memberctl.domain.imports.report import Discarded, Options, Report, Source


def start(session: Session, kind: str, source: Source, options: Options) -> int:
    settings = {
        "on_existing": options.on_existing,
        "skip_invalid": options.skip_invalid,
        "dry_run": options.dry_run,
        "add_stores": options.add_stores,
        **source.settings,
    }
    return store.start_run(
        session,
        kind=kind,
        file_name=source.name[:255],
        file_sha256=source.sha256,
        status="running",
        operator=options.operator,
        started_at=options.at,
        options=settings,
        marks=import_runs.starting_marks(session),
    )


def settle(
    *,
    session: Session,
    kind: str,
    run_id: int,
    report: Report,
    source: Source,
    options: Options,
    began: float,
) -> Report:
    """Counts into the report and the run; the errors file; Discarded if nothing may stay."""
    report.rejected = len(source.rejections)
    report.errors = source.rejections.sorted_errors()
    report.dry_run = options.dry_run
    report.header_row, report.total_rows = source.header_row, source.total_rows
    report.errors_file = source.write_errors()
    report.seconds = time.perf_counter() - began
    report.would_insert, report.would_update = report.inserted, report.updated
    if options.dry_run or (report.rejected and not options.skip_invalid):
        report.inserted = report.updated = 0  # the transaction is rolled back: nothing written
        report.discarded = True
        raise Discarded(report)
    store.finish_run(
        session,
        run_id,
        status="done",
        rows_total=report.rows,
        inserted=report.inserted,
        updated=report.updated,
        skipped=report.skipped,
        rejected=report.rejected,
        finished_at=options.at,
    )
    import_runs.finish_marks(session, run_id)  # what is newer than this import, for `import undo`
    audit.record(
        session=session,
        operator=options.operator,
        action=f"import.{kind}",
        at=options.at,
        details={
            "file": source.name,
            "import_run": run_id,
            "inserted": report.inserted,
            "updated": report.updated,
            "skipped": report.skipped,
            "rejected": report.rejected,
        },
    )
    return report
