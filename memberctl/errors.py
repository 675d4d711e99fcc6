"""The errors memberctl raises on purpose, each carrying the exit code of the contract.

Every error message says what went wrong and, where it helps, what to do instead.
The CLI's error boundary prints `error: <message>` as one line on stderr and exits with `exit_code`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from memberctl.i18n import _


class MemberctlError(Exception):
    """Base class: an error that is the user's to fix, never a bug."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if not self.hint:
            return self.message
        return _("{message}; {hint}").format(message=self.message, hint=self.hint)


class UsageProblem(MemberctlError):
    """A bad or missing option (exit 2)."""

    exit_code = 2


class NotFound(MemberctlError):
    """A member, tier, campaign, segment or file that does not exist (exit 3)."""

    exit_code = 3


class RuleViolation(MemberctlError):
    """Refused by a business rule (exit 4)."""

    exit_code = 4


@dataclass(frozen=True)
class RowError:
    """One problem in one input row; `row` is the spreadsheet row number (header = 1)."""

    row: int | None
    column: str | None
    value: str | None
    message: str


class InvalidInput(MemberctlError):
    """Input data that cannot be used as it is (exit 5); nothing was written.

    `details` are further lines the error boundary prints under the `error:` line, one per
    problem (a file with several problems)."""

    exit_code = 5

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        errors: list[RowError] | None = None,
        details: list[str] | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.errors: list[RowError] = errors or []
        self.details: list[str] = details or []


@dataclass
class Problems:
    """Collects row errors so one run reports all of them (beancount's validation style)."""

    errors: list[RowError] = field(default_factory=list)

    def add(self, row: int | None, column: str | None, value: object, message: str) -> None:
        shown = None if value is None else str(value)
        self.errors.append(RowError(row, column, shown, message))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def check(self, source: str, hint: str | None = None) -> None:
        """Raise InvalidInput (exit 5) if anything was found. One problem is one line,
        `source: message`; several are a line counting them, then one line each."""
        if not self.errors:
            return
        messages = [e.message for e in self.errors]
        if len(messages) == 1:
            raise InvalidInput(f"{source}: {messages[0]}", hint, errors=self.errors)
        raise InvalidInput(
            _("{source}: {count} problems, nothing was written").format(
                source=source, count=len(messages)
            ),
            hint,
            errors=self.errors,
            details=messages,
        )


class CannotWrite(MemberctlError):
    """A file could not be written for a reason outside memberctl: a full disk, a quota, an
    input/output error (exit 1). Nothing was written and an earlier file is unchanged."""

    exit_code = 1


class NotPermitted(MemberctlError):
    """Not logged in, or the staff member's role may not do this (exit 6); nothing was done."""

    exit_code = 6
