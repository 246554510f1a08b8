"""A small, safe language for case outcomes (no ``eval``): what makes a case "bad" for a Pareto
or a root-cause analysis, typed on the command line.

    duration > 20d                          slow   (= duration > p75)
    ends_with 'Deal lost'                 has 'Demo done'        not has 'Demo done'
    repeated 'Offer sent'                count 'Call back' >= 2
    gap 'Accepted' -> 'Demo booked' > 48h
    region = 'North' and amount >= 20000    (slow or events > 8) and not ends_with 'Deal won'

Grammar (keywords are lower case; activity names and text values are quoted)::

    outcome    := term ('or' term)*
    term       := factor ('and' factor)*
    factor     := 'not' factor | '(' outcome ')' | predicate | measure OP value
    predicate  := 'slow' | ('has' | 'repeated' | 'starts_with' | 'ends_with') TEXT
    measure    := 'duration' | 'events' | 'count' TEXT | 'gap' TEXT '->' TEXT
                | NAME | 'attribute' TEXT                       (a case attribute)
    OP         := '>' | '>=' | '<' | '<=' | '=' | '==' | '!='
    value      := NUMBER [UNIT] | TEXT | 'p'NN | 'median'       (UNIT: s, min, h, d, w)

Durations (``duration``, ``gap``) need a unit or a percentile; ``p75`` is the 75th percentile
of the measure over the cases where it is defined. ``gap 'A' -> 'B'`` runs from the first ``A``
of the case to its first ``B``; it is undefined (the case is left out) when either is missing
or the first ``B`` comes before the first ``A``. A case attribute that is missing makes a
comparison on it undefined too (SQL's NULL logic; ``not``, ``and`` and ``or`` follow Kleene's
three-valued logic).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mining import CASE_TABLE_COLUMNS, EventLog, case_activities, case_table

FIXED_COLUMNS = CASE_TABLE_COLUMNS  # the case table's own columns; the rest are attributes
UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_OPS = {
    ">": np.greater,
    ">=": np.greater_equal,
    "<": np.less,
    "<=": np.less_equal,
    "=": np.equal,
    "==": np.equal,
    "!=": np.not_equal,
}
_PREDICATES = ("has", "repeated", "starts_with", "ends_with")
KEYWORDS = frozenset(
    {"and", "or", "not", "slow", "duration", "events", "count", "gap", "attribute", "median"}
    | set(_PREDICATES)
)
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<text>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<percentile>p(?:100|[1-9]?[0-9])(?![\w.]))
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?(?:min|s|h|d|w)?(?![\w.]))
  | (?P<op>>=|<=|==|!=|=|>|<)
  | (?P<arrow>->|→)
  | (?P<paren>[()])
  | (?P<name>[A-Za-z_][\w.]*)
    """,
    re.VERBOSE,
)


class OutcomeError(ValueError):
    """An outcome expression that cannot be read or does not fit the log; ``position`` is the
    0-based character where the problem starts (``None`` when it is about the data).

    Example:
        >>> try:
        ...     parse_outcome("has Demo")
        ... except OutcomeError as error:
        ...     print(error.position, error)
        4 outcome 'has Demo', character 5 near 'Demo': expected an activity name in quotes, e.g. 'Demo done'
    """  # noqa: E501

    def __init__(self, message: str, expression: str = "", position: int | None = None) -> None:
        self.expression = expression
        self.position = position
        if position is not None:
            rest = expression[position:].strip()
            near = f" near {rest[:20]!r}" if rest else " at the end"
            message = f"outcome {expression!r}, character {position + 1}{near}: {message}"
        elif expression:
            message = f"outcome {expression!r}: {message}"
        super().__init__(message)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokens(expression: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if not match:
            raise OutcomeError(
                f"unexpected character {expression[position]!r}", expression, position
            )
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(expression)))
    return tokens


# -- the syntax tree: each node evaluates itself against the case facts ------------------------


@dataclass(frozen=True)
class _Facts:
    """What an outcome can refer to: the case table and, per case and activity, counts and
    first timestamps."""

    cases: pd.DataFrame  # indexed by case_id
    counts: pd.DataFrame  # case x activity -> occurrences (0 when absent)
    firsts: pd.DataFrame  # case x activity -> first timestamp (NaT when absent)
    columns: dict[str, str]  # attribute name -> column of ``cases``

    def activity(self, name: str, position: int, expression: str) -> str:
        if name not in self.counts.columns:
            known = ", ".join(repr(a) for a in sorted(self.counts.columns)[:12]) or "none"
            raise OutcomeError(
                f"no activity {name!r} in the log; activities: {known}", expression, position
            )
        return name


@dataclass(frozen=True)
class _Value:
    kind: str  # number, duration, text, percentile
    value: Any
    text: str
    position: int


@dataclass(frozen=True)
class _Measure:
    kind: str  # duration, events, count, gap, attribute
    args: tuple[str, ...]
    position: int

    @property
    def is_time(self) -> bool:
        return self.kind in ("duration", "gap")

    def label(self) -> str:
        if self.kind == "count":
            return f"count of {_quote(self.args[0])}"
        if self.kind == "gap":
            return f"gap {_quote(self.args[0])} → {_quote(self.args[1])}"
        if self.kind == "attribute":
            return self.args[0]
        return self.kind

    def values(self, facts: _Facts, expression: str) -> pd.Series:
        cases = facts.cases
        if self.kind == "duration":
            return cases["duration_seconds"].astype(float)
        if self.kind == "events":
            return cases["n_events"].astype(float)
        if self.kind == "count":
            name = facts.activity(self.args[0], self.position, expression)
            return facts.counts[name].reindex(cases.index, fill_value=0).astype(float)
        if self.kind == "gap":
            a = facts.activity(self.args[0], self.position, expression)
            b = facts.activity(self.args[1], self.position, expression)
            start = facts.firsts[a].reindex(cases.index)
            end = facts.firsts[b].reindex(cases.index)
            seconds = (end - start).dt.total_seconds()
            return seconds.where(seconds >= 0)
        name = self.args[0]
        if name not in facts.columns:
            known = ", ".join(sorted(facts.columns)) or "none"
            raise OutcomeError(
                f"no case attribute {name!r}; attributes: {known}", expression, self.position
            )
        return cases[facts.columns[name]]


@dataclass(frozen=True)
class _Node:
    """One node of the syntax tree."""

    kind: str  # and, or, not, compare, predicate
    children: tuple[_Node, ...] = ()
    measure: _Measure | None = None
    op: str = ""
    value: _Value | None = None
    activity: str = ""
    position: int = 0

    def activities(self) -> set[str]:
        found = {self.activity} if self.activity else set()
        if self.measure is not None and self.measure.kind in ("count", "gap"):
            found |= set(self.measure.args)
        for child in self.children:
            found |= child.activities()
        return found

    def attributes(self) -> set[str]:
        found = set()
        if self.measure is not None and self.measure.kind == "attribute":
            found.add(self.measure.args[0])
        for child in self.children:
            found |= child.attributes()
        return found


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokens(expression)
        self.i = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.i]

    def fail(self, message: str, token: _Token | None = None) -> OutcomeError:
        return OutcomeError(message, self.expression, (token or self.token).position)

    def take(self, kind: str, text: str | None = None) -> _Token | None:
        token = self.token
        if token.kind == kind and (text is None or token.text == text):
            self.i += 1
            return token
        return None

    def keyword(self, word: str) -> bool:
        return self.take("name", word) is not None

    def parse(self) -> _Node:
        if self.token.kind == "end":
            raise self.fail("the outcome is empty; e.g. slow, duration > 20d, has 'Demo done'")
        node = self.outcome()
        if self.token.kind != "end":
            raise self.fail("expected 'and', 'or' or the end of the outcome")
        return node

    def outcome(self) -> _Node:
        nodes = [self.term()]
        while self.keyword("or"):
            nodes.append(self.term())
        return nodes[0] if len(nodes) == 1 else _Node("or", tuple(nodes))

    def term(self) -> _Node:
        nodes = [self.factor()]
        while self.keyword("and"):
            nodes.append(self.factor())
        return nodes[0] if len(nodes) == 1 else _Node("and", tuple(nodes))

    def factor(self) -> _Node:
        if self.keyword("not"):
            return _Node("not", (self.factor(),))
        if self.take("paren", "("):
            node = self.outcome()
            if not self.take("paren", ")"):
                raise self.fail("expected ')'")
            return node
        if self.keyword("slow"):
            measure = _Measure("duration", (), self.tokens[self.i - 1].position)
            return _Node(
                "compare", measure=measure, op=">", value=_Value("percentile", 75, "p75", 0)
            )
        for word in _PREDICATES:
            if self.keyword(word):
                position = self.token.position
                name = self.text("an activity name")
                return _Node("predicate", op=word, activity=name, position=position)
        measure = self.measure()
        op = self.take("op")
        if op is None:
            raise self.fail("expected a comparison: >, >=, <, <=, = or !=")
        return _Node("compare", measure=measure, op=op.text, value=self.value(measure))

    def text(self, what: str) -> str:
        token = self.take("text")
        if token is None:
            raise self.fail(f"expected {what} in quotes, e.g. 'Demo done'")
        return re.sub(r"\\(.)", r"\1", token.text[1:-1])

    def measure(self) -> _Measure:
        token = self.token
        if self.keyword("duration"):
            return _Measure("duration", (), token.position)
        if self.keyword("events"):
            return _Measure("events", (), token.position)
        if self.keyword("count"):
            return _Measure("count", (self.text("an activity name"),), token.position)
        if self.keyword("gap"):
            first = self.text("the activity the gap starts at")
            if not self.take("arrow"):
                raise self.fail("expected '->' between the two activities of a gap")
            return _Measure(
                "gap", (first, self.text("the activity the gap ends at")), token.position
            )
        if self.keyword("attribute"):
            return _Measure("attribute", (self.text("an attribute name"),), token.position)
        if token.kind == "name" and token.text not in KEYWORDS:
            self.i += 1
            return _Measure("attribute", (token.text,), token.position)
        raise self.fail(
            "expected an outcome: slow, duration, events, count '…', gap '…' -> '…', "
            "has / repeated / starts_with / ends_with '…', or a case attribute"
        )

    def value(self, measure: _Measure) -> _Value:
        token = self.token
        if self.keyword("median"):
            return _Value("percentile", 50, "median", token.position)
        if self.take("percentile"):
            return _Value("percentile", int(token.text[1:]), token.text, token.position)
        if self.take("text"):
            if measure.kind != "attribute":
                raise self.fail(f"{measure.label()} is a number, not text", token)
            return _Value(
                "text", re.sub(r"\\(.)", r"\1", token.text[1:-1]), token.text, token.position
            )
        if self.take("number"):
            match = re.fullmatch(r"(.*?)(min|s|h|d|w)?", token.text)
            assert match is not None
            number, unit = float(match.group(1)), match.group(2)
            if measure.is_time:
                if unit is None:
                    raise self.fail(
                        f"{measure.label()} is a time: give a unit (s, min, h, d, w), "
                        f"e.g. {token.text}h",
                        token,
                    )
                return _Value("duration", number * UNITS[unit], token.text, token.position)
            if unit is not None:
                raise self.fail(f"{measure.label()} is not a time: drop the unit", token)
            return _Value("number", number, token.text, token.position)
        raise self.fail("expected a value such as 20d, 48h, 3, 'North', p75 or median")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "\\'") + "'"


def _duration_text(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if abs(seconds) >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def _kleene(values: pd.Series, defined: pd.Series) -> pd.Series:
    result = pd.Series(values.to_numpy(dtype=bool), index=values.index, dtype="boolean")
    result[~defined.to_numpy(dtype=bool)] = pd.NA
    return result


@dataclass(frozen=True)
class _Evaluated:
    values: pd.Series
    text: str
    measure: pd.Series | None = None
    measure_label: str | None = None
    measure_is_time: bool = False


def _evaluate(node: _Node, facts: _Facts, expression: str) -> _Evaluated:
    if node.kind in ("and", "or"):
        parts = [_evaluate(child, facts, expression) for child in node.children]
        combine: Callable[[pd.Series, pd.Series], pd.Series] = (
            (lambda a, b: a & b) if node.kind == "and" else (lambda a, b: a | b)
        )
        values = parts[0].values
        for part in parts[1:]:
            values = combine(values, part.values)
        text = f" {node.kind} ".join(
            f"({p.text})" if child.kind == "or" and node.kind == "and" else p.text
            for p, child in zip(parts, node.children, strict=True)
        )
        return _Evaluated(values, text)
    if node.kind == "not":
        inner = _evaluate(node.children[0], facts, expression)
        grouped = node.children[0].kind in ("and", "or")
        return _Evaluated(~inner.values, f"not ({inner.text})" if grouped else f"not {inner.text}")
    if node.kind == "predicate":
        name = facts.activity(node.activity, node.position, expression)
        cases = facts.cases
        count = facts.counts[name].reindex(cases.index, fill_value=0)
        if node.op == "has":
            hit = count >= 1
        elif node.op == "repeated":
            hit = count >= 2
        else:
            column = "start_activity" if node.op == "starts_with" else "end_activity"
            hit = cases[column] == name
        defined = pd.Series(True, index=cases.index)
        return _Evaluated(_kleene(hit, defined), f"{node.op} {_quote(name)}")
    assert node.measure is not None and node.value is not None
    measure = node.measure
    series = measure.values(facts, expression)
    value = node.value
    numeric = pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
    if value.kind == "text":
        if node.op not in ("=", "==", "!="):
            raise OutcomeError(
                f"text values compare only with = or !=, not {node.op}", expression, value.position
            )
        if numeric:
            raise OutcomeError(
                f"{measure.label()} holds numbers: compare it with a number",
                expression,
                value.position,
            )
        shown = repr(value.value)
        threshold: Any = value.value
        defined = series.notna()
        hit = series.astype(object).where(defined, None) == threshold
        if node.op == "!=":
            hit = ~hit
    else:
        if not numeric:
            raise OutcomeError(
                f"{measure.label()} holds text: compare it with a quoted value, e.g. = 'North'",
                expression,
                value.position,
            )
        series = series.astype(float)
        defined = series.notna()
        if value.kind == "percentile":
            if not defined.any():
                raise OutcomeError(
                    f"{measure.label()} is never defined: no {value.text}", expression
                )
            threshold = float(np.percentile(series[defined], value.value))
            resolved = _duration_text(threshold) if measure.is_time else f"{threshold:,.6g}"
            shown = f"{resolved} ({value.text})"
        else:
            threshold = float(value.value)
            shown = value.text if measure.is_time else f"{threshold:,.6g}"
        hit = pd.Series(_OPS[node.op](series.fillna(0).to_numpy(), threshold), index=series.index)
    text = f"{measure.label()} {'=' if node.op == '==' else node.op} {shown}"
    measure_values = series.astype(float) if value.kind != "text" else None
    return _Evaluated(_kleene(hit, defined), text, measure_values, measure.label(), measure.is_time)


@dataclass(frozen=True)
class Outcome:
    """A case outcome evaluated on a log: for every case, whether it has the outcome (``True``,
    ``False``, or ``<NA>`` when the outcome is undefined for it, e.g. a gap between activities
    it does not have).

    ``measure`` holds the number behind a single comparison (seconds for ``duration`` and
    ``gap``), so effect sizes can also be given as differences in medians; ``activities`` and
    ``attributes`` are those the expression names (a case's path trivially explains an outcome
    about activities, and an attribute explains an outcome defined by it).

    Example:
        >>> slow = outcome(log, "gap 'Accepted' -> 'Demo booked' > p75")   # doctest: +SKIP
        >>> slow.description, slow.n_positive, slow.rate                      # doctest: +SKIP
    """

    expression: str
    description: str
    values: pd.Series
    measure: pd.Series | None = None
    measure_label: str | None = None
    measure_is_time: bool = False
    activities: tuple[str, ...] = field(default_factory=tuple)
    attributes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_cases(self) -> int:
        """Cases for which the outcome is defined."""
        return int(self.values.notna().sum())

    @property
    def n_undefined(self) -> int:
        """Cases left out because the outcome is undefined for them."""
        return int(self.values.isna().sum())

    @property
    def n_positive(self) -> int:
        """Cases with the outcome."""
        return int(self.values.fillna(False).sum())

    @property
    def rate(self) -> float:
        """Share of the defined cases that have the outcome."""
        return self.n_positive / self.n_cases if self.n_cases else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """One row per case: ``case_id``, ``outcome`` (boolean, NA when undefined) and
        ``measure`` (when the outcome compares one number)."""
        frame = pd.DataFrame({"outcome": self.values})
        if self.measure is not None:
            frame["measure"] = self.measure
        return frame.rename_axis("case_id").reset_index()

    def sentence(self) -> str:
        """The outcome in one line, with how many cases have it."""
        left = f"; {self.n_undefined:,} cases left out (undefined)" if self.n_undefined else ""
        return (
            f"{self.n_positive:,} of {self.n_cases:,} cases ({self.rate:.1%}) match "
            f"«{self.description}»{left}"
        )


def parse_outcome(expression: str) -> None:
    """Check the syntax of an outcome expression; raises :class:`OutcomeError` naming the
    position of the first problem.

    Example:
        >>> parse_outcome("gap 'Accepted' -> 'Demo booked' > 48h")
        >>> try:
        ...     parse_outcome("duration > 20")
        ... except OutcomeError as error:
        ...     print(error.position)
        11
    """
    _Parser(str(expression)).parse()


def evaluate_outcome(
    expression: str,
    cases: pd.DataFrame,
    activities: pd.DataFrame,
    aliases: Mapping[str, str] | None = None,
) -> Outcome:
    """Evaluate an outcome on ``mining.case_table`` and ``mining.case_activities`` frames (see
    :func:`outcome`, which fetches them from a log). The case attributes are the columns in
    ``cases.attrs["attributes"]`` (all columns but the fixed ones when absent); ``aliases``
    adds other names for them (e.g. ``{"rep": "resource"}``).

    Example:
        >>> evaluate_outcome("slow", case_table(log), case_activities(log))   # doctest: +SKIP
    """
    expression = str(expression)
    tree = _Parser(expression).parse()
    if cases.empty:
        raise OutcomeError("the log has no cases", expression)
    indexed = cases.set_index("case_id", drop=False)
    counts = activities.pivot_table(
        index="case_id", columns="activity", values="occurrences", aggfunc="sum", fill_value=0
    )
    firsts = activities.pivot_table(
        index="case_id", columns="activity", values="first", aggfunc="min"
    )
    if firsts.empty:
        firsts = pd.DataFrame(
            index=counts.index, columns=counts.columns, dtype="datetime64[ns, UTC]"
        )
    attributes = cases.attrs.get("attributes")
    if attributes is None:
        attributes = {c: c for c in cases.columns if c not in FIXED_COLUMNS}
    columns = {name: column for column, name in attributes.items()}
    columns.update({alias: column for alias, column in (aliases or {}).items()})
    facts = _Facts(indexed, counts, firsts, columns)
    result = _evaluate(tree, facts, expression)
    values = result.values.copy()
    values.index.name = "case_id"
    return Outcome(
        expression=expression,
        description=result.text,
        values=values,
        measure=result.measure,
        measure_label=result.measure_label,
        measure_is_time=result.measure_is_time,
        activities=tuple(sorted(tree.activities())),
        attributes=tuple(sorted(tree.attributes())),
    )


def outcome(log: EventLog, expression: str) -> Outcome:
    """Evaluate an outcome expression (see the module docstring for the language) on every case
    of a log.

    Example:
        >>> lost = outcome(log, "ends_with 'Deal lost'")            # doctest: +SKIP
        >>> outcome(log, "slow").sentence()                           # doctest: +SKIP
        '70 of 278 cases (25.2%) match «duration > 32.0 d (p75)»'
    """
    return outcome_on(log, expression, case_table(log))


def outcome_on(log: EventLog, expression: str, cases: pd.DataFrame) -> Outcome:
    """:func:`outcome` with the log's case table already at hand (no second scan).

    Example:
        >>> cases = case_table(log)                                  # doctest: +SKIP
        >>> outcome_on(log, "slow", cases).n_positive                # doctest: +SKIP
    """
    aliases = {}
    if log.mapping.resource and log.mapping.resource not in log.columns:
        aliases[log.mapping.resource] = "resource"
    return evaluate_outcome(expression, cases, case_activities(log), aliases)
