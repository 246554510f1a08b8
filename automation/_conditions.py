"""Safe evaluation of the conditions written on workflow edges, goals and triggers.

A condition is a small Python-like expression over a contact's attributes::

    fit in ('A', 'B') and moment <= 2
    fit in ('A', 'B', 'C') and budget
    days_since_last_click >= 90
    lifecycle_stage = 'sql'          # a single '=' (as CRMs write it) means '=='

It is parsed with :mod:`ast` and checked against a whitelist before it is ever run: boolean
operators, ``not``, comparisons (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in``, ``not in``),
names, constants (text, numbers, booleans, None), tuples / lists / sets of those, and ``+ - * /
// %``. Anything else (calls, attribute access, subscripts, lambdas, comprehensions, ``**``...)
raises a ValueError that names the condition. Names are looked up only in the attributes given;
a name that is not there raises a ValueError naming it.
"""

from __future__ import annotations

import ast
import functools
import io
import operator
import tokenize
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
)
_MAX_LENGTH = 1000


def _normalise(text: str) -> str:
    """The condition with a lone ``=`` (SQL / CRM style) read as ``==``."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return text  # ast.parse reports the problem
    if not any(tok.type == tokenize.OP and tok.string == "=" for tok in tokens):
        return text
    out = [
        (tok.type, "==" if tok.type == tokenize.OP and tok.string == "=" else tok.string)
        for tok in tokens
    ]
    return tokenize.untokenize(out).strip()


class Condition:
    """A parsed, checked condition: ``names`` it reads, ``evaluate(attributes) -> bool``.

    The checked tree is turned into nested Python closures (never ``eval``): arithmetic accepts
    numbers only, so ``'x' * 10**9``-style memory bombs cannot happen either.

    Example:
        >>> c = Condition("fit in ('A', 'B') and moment <= 2")
        >>> sorted(c.names), c.evaluate({"fit": "A", "moment": 1})
        (['fit', 'moment'], True)
    """

    __slots__ = ("_run", "names", "text")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"condition {text!r}: a condition must be non-empty text")
        if len(text) > _MAX_LENGTH:
            raise ValueError(f"condition {text[:40]!r}...: longer than {_MAX_LENGTH} characters")
        self.text = text
        try:
            tree = ast.parse(_normalise(text.strip()), mode="eval")
        except SyntaxError as exc:
            raise ValueError(f"condition {text!r} is not a valid expression: {exc.msg}") from exc
        for node in ast.walk(tree):
            if not isinstance(node, _ALLOWED):
                raise ValueError(
                    f"condition {text!r}: {type(node).__name__} is not allowed "
                    "(only and / or / not, comparisons, in / not in, names, constants, "
                    "tuples or lists and + - * / // % are)"
                )
            if isinstance(node, ast.Constant) and not isinstance(
                node.value, str | int | float | bool | type(None)
            ):
                raise ValueError(f"condition {text!r}: constant {node.value!r} is not allowed")
        self.names: frozenset[str] = frozenset(
            n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
        )
        self._run = _build(tree.body, text)

    def check_names(self, known: Iterable[str]) -> None:
        """Raise a ValueError naming every name of the condition that is not in ``known``."""
        missing = sorted(self.names - set(known))
        if missing:
            raise ValueError(
                f"condition {self.text!r} uses unknown name(s) {', '.join(missing)}; "
                f"known: {', '.join(sorted(set(known)))}"
            )

    def evaluate(self, attributes: Mapping[str, Any]) -> bool:
        """Whether the condition holds for these attributes."""
        if not self.names <= attributes.keys():
            self.check_names(attributes.keys())
        try:
            return bool(self._run(attributes))
        except ZeroDivisionError as exc:
            raise ValueError(f"condition {self.text!r}: division by zero") from exc
        except TypeError as exc:
            raise ValueError(f"condition {self.text!r} cannot be evaluated: {exc}") from exc

    def __repr__(self) -> str:
        return f"Condition({self.text!r})"


_Run = Callable[[Mapping[str, Any]], Any]
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}


def _number(value: Any, text: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"condition {text!r}: arithmetic needs numbers, not {value!r}")
    return value


def _build(node: ast.expr, text: str) -> _Run:
    """A closure computing ``node`` from the attributes (only whitelisted nodes reach here)."""
    if isinstance(node, ast.Constant):
        value = node.value
        return lambda env: value
    if isinstance(node, ast.Name):
        name = node.id
        return lambda env: env[name]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = [_build(e, text) for e in node.elts]
        return lambda env: tuple(item(env) for item in items)
    if isinstance(node, ast.BoolOp):
        parts = [_build(v, text) for v in node.values]
        is_and = isinstance(node.op, ast.And)

        def boolean(env: Mapping[str, Any]) -> Any:
            value = None
            for part in parts:  # Python's semantics: the first deciding value is the result
                value = part(env)
                if bool(value) != is_and:
                    return value
            return value

        return boolean
    if isinstance(node, ast.UnaryOp):
        operand = _build(node.operand, text)
        if isinstance(node.op, ast.Not):
            return lambda env: not operand(env)
        sign = -1 if isinstance(node.op, ast.USub) else 1
        return lambda env: sign * _number(operand(env), text)
    if isinstance(node, ast.BinOp):
        left, right = _build(node.left, text), _build(node.right, text)
        op = _ARITHMETIC[type(node.op)]
        return lambda env: op(_number(left(env), text), _number(right(env), text))
    if isinstance(node, ast.Compare):
        first = _build(node.left, text)
        rest = [
            (_COMPARE[type(o)], _build(c, text))
            for o, c in zip(node.ops, node.comparators, strict=True)
        ]

        def compare(env: Mapping[str, Any]) -> bool:
            left = first(env)
            for op, get in rest:
                right = get(env)
                if not op(left, right):
                    return False
                left = right
            return True

        return compare
    raise ValueError(f"condition {text!r}: {type(node).__name__} is not allowed")


@functools.lru_cache(maxsize=1024)
def compile_condition(text: str) -> Condition:
    """A (cached) checked :class:`Condition` for ``text``; raises ValueError when unsafe."""
    return Condition(text)


def evaluate_condition(text: str, attributes: Mapping[str, Any]) -> bool:
    """Evaluate a condition against attributes (name -> value).

    Example:
        >>> evaluate_condition("days_since_last_click >= 90", {"days_since_last_click": 120})
        True
    """
    return compile_condition(text).evaluate(attributes)
