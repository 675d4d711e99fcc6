"""Tokens of the `--where` language, each with the offset where it starts.

Words are anything up to a space, a quote or one of `( ) , = ! < >`, so bare values such as
`vip`, `1000.50`, `-3` or `旗舰店` need no quotes; quotes (single or double) hold anything else,
spaces included, and a quote inside is written twice (`'O''Brien'`). Full-width punctuation a
Chinese keyboard types (`（ ） ， ＝ ＜ ＞ ！ “ ” ‘ ’`) reads as its ASCII form.

`ExpressionError` is the one error of this package: a usage error (exit 2) that says at which
column (1-based) what was expected.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from memberctl.errors import UsageProblem
from memberctl.i18n import _

# One character for one, so offsets stay those of the text the user typed.
_FULL_WIDTH = str.maketrans("（），＝＜＞！“”‘’\u3000", "(),=<>!\"\"'' ")
_QUOTES = "\"'"
_SINGLE = {"(": "lparen", ")": "rparen", ",": "comma"}
_OPERATORS = ("!=", "<=", ">=", "=", "<", ">")
_STOP = set(" \t\r\n\f\v()=!<>,") | set(_QUOTES)
KEYWORDS = ("and", "or", "not", "in")


class Kind(enum.StrEnum):
    word = "word"  # a field, a keyword or a bare value
    string = "string"  # a quoted value
    op = "op"  # = != < <= > >=
    lparen = "lparen"
    rparen = "rparen"
    comma = "comma"
    end = "end"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str  # the value for a string, without its quotes
    pos: int  # 0-based offset of the first character
    raw: str  # as typed, for messages

    def shown(self) -> str:
        """How a message names this token: `'gold'`, `"a b"` or `the end`."""
        if self.kind == Kind.end:
            return _("the end")
        raw = self.raw if len(self.raw) <= 40 else self.raw[:39] + "…"
        raw = "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw)  # one line
        return raw if self.kind == Kind.string else f"'{raw}'"

    def keyword(self) -> str | None:
        """`and`, `or`, `not` or `in` (any case) when this is that bare word."""
        lowered = self.text.lower()
        return lowered if self.kind == Kind.word and lowered in KEYWORDS else None


class ExpressionError(UsageProblem):
    """A `--where` expression that cannot be used; `column` is 1-based."""

    def __init__(self, message: str, column: int, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.column = column


def normalize(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def tokenize(source: str) -> list[Token]:
    """The tokens of `source`, ending with an `end` token at its length."""
    text = normalize(source)
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
            continue
        token = _next(text, pos)
        tokens.append(token)
        pos += len(token.raw)
    tokens.append(Token(Kind.end, "", len(text), ""))
    return tokens


def _next(text: str, pos: int) -> Token:
    char = text[pos]
    if char in _SINGLE:
        return Token(Kind(_SINGLE[char]), char, pos, char)
    if char in _QUOTES:
        return _string(text, pos)
    for op in _OPERATORS:
        if text.startswith(op, pos):
            return Token(Kind.op, op, pos, op)
    if char == "!":
        raise ExpressionError(
            _("expected '!=' at column {value}, found '!'").format(value=pos + 1), pos + 1
        )
    end = pos
    while end < len(text) and text[end] not in _STOP:
        end += 1
    return Token(Kind.word, text[pos:end], pos, text[pos:end])


def _string(text: str, start: int) -> Token:
    quote = text[start]
    pos = start + 1
    parts: list[str] = []
    while True:
        close = text.find(quote, pos)
        if close < 0:
            raise ExpressionError(
                _(
                    "expected a closing {quote} at column {value} for the string that starts "
                    "at column {value2}"
                ).format(quote=quote, value=len(text) + 1, value2=start + 1),
                len(text) + 1,
            )
        parts.append(text[pos:close])
        if text.startswith(quote * 2, close):  # a doubled quote stands for itself
            parts.append(quote)
            pos = close + 2
            continue
        return Token(Kind.string, "".join(parts), start, text[start : close + 1])
