"""The `--where` grammar, parsed by recursive descent into a small AST that keeps positions.

    expression := disjunct EOF
    disjunct   := conjunct ("or" conjunct)*
    conjunct   := negation ("and" negation)*
    negation   := "not" negation | primary
    primary    := "(" disjunct ")" | comparison
    comparison := FIELD OP value
                | FIELD ["not"] "in" "(" value ("," value)* ")"
    OP         := "=" | "!=" | "<" | "<=" | ">" | ">="
    value      := STRING | WORD        (a bare word that is not a keyword)

So `not` binds tighter than `and`, and `and` tighter than `or`. Keywords and field names are
read in any case. Every error names the column (1-based) and what was expected there.

Limits, so that every expression that parses also compiles on SQLite and PostgreSQL (measured
with SQLite 3.x: its parser stack overflows from 33 levels of `not`/parentheses, and an
expression tree deeper than 1,000 nodes, e.g. 999 `or` terms, is refused):
- MAX_LENGTH characters, the same for `--where` and a saved segment or campaign;
- MAX_TERMS comparisons (SQLite compiled 499 `and`-ed `age` terms, 998 `or`-ed `tier` terms);
- MAX_DEPTH levels of `not` and parentheses (SQLite failed from 33).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from memberctl.domain.where import catalog
from memberctl.domain.where.lexer import ExpressionError, Kind, Token, tokenize
from memberctl.i18n import _

MAX_LENGTH = 2000
MAX_TERMS = 200
MAX_DEPTH = 24


@dataclass(frozen=True)
class Value:
    value: str | int | Decimal
    token: Token


@dataclass(frozen=True)
class Compare:
    field: catalog.Field
    op: str  # = != < <= > >= in "not in"
    values: tuple[Value, ...]
    pos: int


@dataclass(frozen=True)
class Not:
    operand: Node
    pos: int


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


Node = Compare | Not | And | Or


def parse(text: str) -> Node:
    """The AST of `text`, or ExpressionError saying where and what was expected."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            _("the expression is longer than {limit} characters at column {column}").format(
                limit=MAX_LENGTH, column=MAX_LENGTH + 1
            ),
            MAX_LENGTH + 1,
            _("shorten it, or save parts of it as segments"),
        )
    return _Parser(tokenize(text)).expression()


def render(node: Node) -> str:
    """A fully parenthesised form, e.g. `(or (and (tier = gold) (not (tag = vip))) ...)`."""
    if isinstance(node, Compare):
        shown = [str(v.value) for v in node.values]
        right = f"({', '.join(shown)})" if node.op in ("in", "not in") else shown[0]
        return f"({node.field.name} {node.op} {right})"
    if isinstance(node, Not):
        return f"(not {render(node.operand)})"
    name = "and" if isinstance(node, And) else "or"
    return f"({name} {' '.join(render(n) for n in node.operands)})"


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.terms = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def kind(self) -> Kind:
        """The current token's kind, read afresh: a check on `self.token.kind` stays narrowed
        for mypy across `advance()`, which moves to another token."""
        return self.token.kind

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, expected: str, hint: str | None = None) -> ExpressionError:
        """`expected X after 'Y' at column N, found Z` for the current token."""
        token = self.token
        after = (
            _(" after {shown}").format(shown=self.tokens[self.index - 1].shown())
            if self.index
            else ""
        )
        found = "" if token.kind == Kind.end else _(", found {shown}").format(shown=token.shown())
        column = token.pos + 1
        return ExpressionError(
            _("expected {expected}{after} at column {column}{found}").format(
                expected=expected, after=after, column=column, found=found
            ),
            column,
            hint,
        )

    def expression(self) -> Node:
        node = self.disjunct()
        if self.token.kind == Kind.rparen:
            column = self.token.pos + 1
            raise ExpressionError(
                _("unmatched ')' at column {column}").format(column=column), column
            )
        if self.token.kind != Kind.end:
            raise self.error(_("'and', 'or' or the end"))
        return node

    def disjunct(self) -> Node:
        operands = [self.conjunct()]
        while self.token.keyword() == "or":
            self.advance()
            operands.append(self.conjunct())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def conjunct(self) -> Node:
        operands = [self.negation()]
        while self.token.keyword() == "and":
            self.advance()
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def negation(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            column = self.token.pos + 1
            raise ExpressionError(
                _("the expression nests deeper than {MAX_DEPTH} levels at column {column}").format(
                    MAX_DEPTH=MAX_DEPTH, column=column
                ),
                column,
            )
        try:
            if self.token.keyword() == "not":
                pos = self.advance().pos
                return Not(self.negation(), pos)
            return self.primary()
        finally:
            self.depth -= 1

    def primary(self) -> Node:
        if self.token.kind == Kind.lparen:
            opening = self.advance()
            node = self.disjunct()
            if self.kind() != Kind.rparen:
                raise self.error(
                    _("')' to close the '(' at column {value}").format(value=opening.pos + 1)
                )
            self.advance()
            return node
        if self.token.kind != Kind.word or self.token.keyword():
            raise self.error(_("a field"), None if self.index else _("e.g. tier = gold"))
        return self.comparison()

    def comparison(self) -> Node:
        self.terms += 1
        if self.terms > MAX_TERMS:
            column = self.token.pos + 1
            raise ExpressionError(
                _("the expression has more than {limit} comparisons (at column {column})").format(
                    limit=MAX_TERMS, column=column
                ),
                column,
                _("use 'in (...)' for a list of values, or save parts of it as segments"),
            )
        name = self.advance()
        spec = catalog.field(name)
        op_token = self.token
        op = self.operator()
        if op not in spec.operators:
            column = op_token.pos + 1
            allowed = ", ".join(spec.operators[:-1]) + " or " + spec.operators[-1]
            raise ExpressionError(
                _("{name} cannot be compared with '{op}' at column {column}").format(
                    name=spec.name, op=op, column=column
                ),
                column,
                _("{name} takes {allowed}").format(name=spec.name, allowed=allowed),
            )
        if op in ("in", "not in"):
            values = self.value_list(spec)
        else:
            values = (self.value(spec),)
        return Compare(spec, op, values, name.pos)

    def operator(self) -> str:
        if self.token.kind == Kind.op:
            return self.advance().text
        keyword = self.token.keyword()
        if keyword == "in":
            self.advance()
            return "in"
        if keyword == "not":
            self.advance()
            if self.token.keyword() != "in":
                raise self.error("'in'")
            self.advance()
            return "not in"
        raise self.error(_("an operator (=, !=, <, <=, >, >=, in, not in)"))

    def value(self, spec: catalog.Field) -> Value:
        token = self.token
        if token.kind == Kind.string or (token.kind == Kind.word and not token.keyword()):
            self.advance()
            return Value(catalog.value(spec, token), token)
        hint = (
            _("quote a value that is a keyword: '{raw}'").format(raw=token.raw)
            if token.keyword()
            else None
        )
        raise self.error(_("a value"), hint)

    def value_list(self, spec: catalog.Field) -> tuple[Value, ...]:
        if self.token.kind != Kind.lparen:
            raise self.error("'('", _("write a list as (a, b, c)"))
        self.advance()
        values = [self.value(spec)]
        while self.kind() == Kind.comma:
            self.advance()
            values.append(self.value(spec))
        if self.kind() != Kind.rparen:
            raise self.error("',' or ')'")
        self.advance()
        return tuple(values)
