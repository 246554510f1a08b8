"""Control-chart constants d2, d3 and c4 for any subgroup size, computed rather than looked up.

Tables in textbooks stop at n = 25; these are exact to about 1e-9 for every n >= 2:

- ``d2(n)``: the expected range of n standard normal values,
  ``∫ 1 − Φ(x)ⁿ − (1 − Φ(x))ⁿ dx`` (numerical integration);
- ``d3(n)``: the standard deviation of that range, from ``E[W²]`` (a double integral of the joint
  distribution of the minimum and maximum) minus ``d2²``;
- ``c4(n)``: the expected sample standard deviation of n standard normal values,
  ``√(2 / (n − 1)) · Γ(n / 2) / Γ((n − 1) / 2)`` (log-gamma, so large n does not overflow).

The usual chart factors follow from them: ``A2 = 3 / (d2 √n)``, ``D3, D4 = 1 ∓ 3 d3 / d2``,
``A3 = 3 / (c4 √n)``, ``B3, B4 = 1 ∓ 3 √(1 − c4²) / c4``.

``constants="qcc"`` swaps in the tables qcc 3.0 itself uses (``.qcc.options`` in qcc's
``R/utilities.R``: ``exp.R.unscaled`` for d2, n ≤ 25, rounded to 3 decimals; ``se.R.unscaled`` for
d3, n ≤ 50), so qcc's published numbers reproduce to the last printed digit; beyond the tables the
exact values are used. c4 is the same in both: qcc computes it from the gamma function too.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd
from scipy import integrate, special

Constants = Literal["exact", "qcc"]
CONSTANTS: tuple[str, ...] = ("exact", "qcc")

# qcc 3.0's tables, verbatim from `.qcc.options` (luca-scr/qcc, R/utilities.R), first entry n = 2.
# exp.R.unscaled (d2) is the textbook table rounded to 3 decimals; se.R.unscaled (d3) is printed
# to 7 decimals but differs from the exact values by up to 1.2e-5.
QCC_D2: tuple[float, ...] = (
    1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.258, 3.336,
    3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931,
)  # fmt: skip
QCC_D3: tuple[float, ...] = (
    0.8525033, 0.8883697, 0.8798108, 0.8640855, 0.8480442, 0.8332108, 0.8198378, 0.8078413,
    0.7970584, 0.7873230, 0.7784873, 0.7704257, 0.7630330, 0.7562217, 0.7499188, 0.7440627,
    0.7386021, 0.7334929, 0.7286980, 0.7241851, 0.7199267, 0.7158987, 0.7120802, 0.7084528,
    0.7050004, 0.7017086, 0.6985648, 0.6955576, 0.6926770, 0.6899137, 0.6872596, 0.6847074,
    0.6822502, 0.6798821, 0.6775973, 0.6753910, 0.6732584, 0.6711952, 0.6691976, 0.6672619,
    0.6653848, 0.6635632, 0.6617943, 0.6600754, 0.6584041, 0.6567780, 0.6551950, 0.6536532,
    0.6521506,
)  # fmt: skip

# beyond ±12 standard deviations the normal tail (< 1e-32) cannot move any constant
_BOUND = 12.0


def _size(n: int) -> int:
    if isinstance(n, bool) or int(n) != n or n < 2:
        raise ValueError(f"a subgroup needs at least 2 values; got n = {n!r}")
    return int(n)


def check_constants(constants: str) -> str:
    """``constants`` itself when it is ``"exact"`` or ``"qcc"``, else a ValueError."""
    if constants not in CONSTANTS:
        raise ValueError(f"constants must be one of {', '.join(CONSTANTS)}, not {constants!r}")
    return constants


def _table(table: tuple[float, ...], n: int, constants: str) -> float | None:
    """qcc's table value for ``n`` in ``"qcc"`` mode, None when exact (or beyond the table)."""
    if check_constants(constants) == "qcc" and n - 2 < len(table):
        return table[n - 2]
    return None


@lru_cache(maxsize=512)
def _d2(n: int) -> float:
    def integrand(x: float) -> float:
        return 1.0 - special.ndtr(x) ** n - special.ndtr(-x) ** n

    value, _ = integrate.quad(integrand, -_BOUND, _BOUND, epsabs=1e-13, epsrel=1e-13, limit=200)
    return float(value)


@lru_cache(maxsize=512)
def _d3(n: int) -> float:
    # E[W²] = 2 ∫∫_{x<y} 1 − Φ(y)ⁿ − (1 − Φ(x))ⁿ + (Φ(y) − Φ(x))ⁿ dx dy
    def integrand(x: float, y: float) -> float:
        upper = special.ndtr(y)
        return 1.0 - upper**n - special.ndtr(-x) ** n + (upper - special.ndtr(x)) ** n

    second, _ = integrate.dblquad(
        integrand, -_BOUND, _BOUND, lambda y: -_BOUND, lambda y: y, epsabs=1e-12, epsrel=1e-12
    )
    return math.sqrt(2.0 * second - _d2(n) ** 2)


def d2(n: int, constants: Constants = "exact") -> float:
    """Expected range of ``n`` independent standard normal values (``R̄ / d2`` estimates σ).

    ``constants="qcc"``: qcc's 3-decimal table value for n ≤ 25, the exact value beyond.

    Example:
        >>> round(d2(5), 6)
        2.325929
        >>> round(d2(2), 6)          # 2 / √π, used by the moving-range chart
        1.128379
        >>> d2(5, constants="qcc")
        2.326
    """
    n = _size(n)
    tabled = _table(QCC_D2, n, constants)
    return _d2(n) if tabled is None else tabled


def d3(n: int, constants: Constants = "exact") -> float:
    """Standard deviation of the range of ``n`` standard normal values (R-chart limits).

    ``constants="qcc"``: qcc's table value for n ≤ 50, the exact value beyond.

    Example:
        >>> round(d3(5), 4)
        0.8641
        >>> round(d3(2), 6)          # √(2 − 4/π)
        0.852502
        >>> d3(5, constants="qcc")
        0.8640855
    """
    n = _size(n)
    tabled = _table(QCC_D3, n, constants)
    return _d3(n) if tabled is None else tabled


def c4(n: int, constants: Constants = "exact") -> float:
    """Expected standard deviation of ``n`` standard normal values (``S̄ / c4`` estimates σ).

    ``constants`` is accepted for symmetry with :func:`d2`: qcc computes c4 exactly too.

    Example:
        >>> round(c4(5), 4)
        0.94
        >>> round(c4(100), 6)
        0.997478
    """
    n = _size(n)
    check_constants(constants)
    log_ratio = special.gammaln(n / 2) - special.gammaln((n - 1) / 2)
    return float(math.sqrt(2.0 / (n - 1)) * math.exp(log_ratio))


@dataclass(frozen=True)
class ControlConstants:
    """The constants and 3-sigma chart factors for one subgroup size ``n``."""

    n: int
    d2: float
    d3: float
    c4: float
    A2: float
    A3: float
    D3: float
    D4: float
    B3: float
    B4: float

    def to_dict(self) -> dict[str, float]:
        """Plain dict."""
        return asdict(self)


def control_constants(n: int, constants: Constants = "exact") -> ControlConstants:
    """d2, d3, c4 and the 3-sigma factors A2, A3, D3, D4, B3, B4 for subgroups of size ``n``
    (``constants="qcc"``: from qcc's d2 / d3 tables where they reach).

    Example:
        >>> k = control_constants(5)
        >>> round(k.A2, 3), round(k.D4, 3), round(k.B4, 3)
        (0.577, 2.114, 2.089)
    """
    n = _size(n)
    a, b, c = d2(n, constants), d3(n, constants), c4(n, constants)
    spread = 3 * math.sqrt(1 - c * c) / c
    return ControlConstants(
        n=n,
        d2=a,
        d3=b,
        c4=c,
        A2=3 / (a * math.sqrt(n)),
        A3=3 / (c * math.sqrt(n)),
        D3=max(0.0, 1 - 3 * b / a),
        D4=1 + 3 * b / a,
        B3=max(0.0, 1 - spread),
        B4=1 + spread,
    )


def constants_table(
    sizes: range | list[int] = range(2, 26), constants: Constants = "exact"
) -> pd.DataFrame:
    """One row of :func:`control_constants` per subgroup size (the textbook table, any size).

    Example:
        >>> constants_table([2, 5, 50])[["n", "d2", "d3", "c4"]].round(4)   # doctest: +SKIP
    """
    frame = pd.DataFrame([control_constants(n, constants).to_dict() for n in sizes])
    return frame.astype({"n": np.int64})
