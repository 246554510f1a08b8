"""Change points without a baseline date: PELT with the MBIC penalty, checked against R's
``changepoint`` on the Nile series, against brute-force optimal partitioning, and on KPI
series where a shift was planted."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sample_logs
from improvement import kpi_overview, kpi_trend, mean_shifts
from improvement._change_points import mbic_penalty, pelt, robust_sigma

# Annual flow of the Nile at Aswan, 1871-1970 (10^8 m^3; R's datasets::Nile, Cobb 1978).
NILE = [
    1120, 1160, 963, 1210, 1160, 1160, 813, 1230, 1370, 1140, 995, 935, 1110, 994, 1020, 960,
    1180, 799, 958, 1140, 1100, 1210, 1150, 1250, 1260, 1220, 1030, 1100, 774, 840, 874, 694,
    940, 833, 701, 916, 692, 1020, 1050, 969, 831, 726, 456, 824, 702, 1120, 1100, 832, 764,
    821, 768, 845, 864, 862, 698, 845, 744, 796, 1040, 759, 781, 865, 845, 944, 984, 897, 822,
    1010, 771, 676, 649, 846, 812, 742, 801, 1040, 860, 874, 848, 890, 744, 749, 838, 1050, 918,
    986, 797, 923, 975, 815, 1020, 906, 901, 1170, 912, 746, 919, 718, 714, 740,
]  # fmt: skip


def test_nile_has_one_change_after_1898_as_r_changepoint_finds():
    """The published change of the Nile series (Cobb 1978: the Aswan dam works of 1898), as R's
    ``changepoint`` reports it for a mean change: cpts 28, segment means 1097.75 and 849.97."""
    assert len(NILE) == 100 and np.mean(NILE) == pytest.approx(919.35)
    years = [str(1871 + i) for i in range(100)]
    found = mean_shifts(NILE, labels=years)
    [change] = found.change_points
    assert (change.index, change.label) == (28, "1899")  # R's cpts = the last year before: 1898
    assert change.before == pytest.approx(1097.75)
    assert change.after == pytest.approx(849.972, abs=1e-3)
    assert change.direction == "down" and change.gain > 0
    assert found.penalty == pytest.approx(3 * math.log(100))


def _optimal_partitioning(z: np.ndarray, penalty: float, min_size: int) -> list[int]:
    """Jackson et al. (2005) optimal partitioning, O(n^2), written out plainly: PELT must give
    the same segmentation (pruning only skips candidates that cannot win)."""
    n = len(z)

    def cost(a: int, b: int) -> float:
        seg = z[a:b]
        return float(((seg - seg.mean()) ** 2).sum()) + math.log(b - a)

    best = [0.0] + [math.inf] * n
    best[0] = -penalty
    last = [0] * (n + 1)
    for t in range(min_size, n + 1):
        for s in range(0, t - min_size + 1):
            if s != 0 and s < min_size:
                continue
            if math.isinf(best[s]):
                continue
            value = best[s] + cost(s, t) + penalty
            if value < best[t]:
                best[t], last[t] = value, s
    cuts, t = [], n
    while t > 0:
        t = last[t]
        if t > 0:
            cuts.append(t)
    return sorted(cuts)


@pytest.mark.parametrize("seed", range(12))
def test_pelt_equals_optimal_partitioning(seed):
    rng = np.random.default_rng(seed)
    levels = rng.choice([0.0, 1.5, -2.0, 3.0], size=int(rng.integers(1, 5)))
    z = np.concatenate([rng.normal(level, 1.0, int(rng.integers(4, 20))) for level in levels])
    penalty = mbic_penalty(len(z))
    assert pelt(z, penalty=penalty, min_size=3) == _optimal_partitioning(z, penalty, 3)


def test_noise_has_no_change_and_short_series_are_not_judged():
    rng = np.random.default_rng(5)
    assert mean_shifts(rng.normal(10, 2, 80)).change_points == ()
    few = mean_shifts([1.0, 9.0, 1.0, 9.0])
    assert few.change_points == () and "too few" in few.reason
    assert "no variation" in mean_shifts([3.0] * 20).reason
    # a level shift moves one difference only: sigma stays that of the noise
    shifted = np.concatenate([rng.normal(0, 1, 50), rng.normal(8, 1, 50)])
    assert robust_sigma(shifted) == pytest.approx(1.0, abs=0.25)


def test_the_samples_cycle_time_shift_is_found_without_a_baseline_date():
    """The shift planted in December is an alert on the Overview's trends, with no date given."""
    log = sample_logs.load_sales_activities()
    trend = kpi_trend(log, "cycle_time")
    assert trend.shift is not None and trend.shift.label.startswith("2025-12")
    alert = next(a for a in trend.alerts if a.kind == "change_point")
    assert alert.worse is True and alert.direction == "up"
    assert "PELT" in alert.message.en and "desde 2025-12" in alert.message.es
    _, trends = kpi_overview(log)
    overview = next(t for t in trends if t.id == "cycle_time")
    assert any(a.kind == "change_point" for a in overview.alerts)
    # told the baseline date, the trend uses it and looks for no change point
    dated = kpi_trend(log, "cycle_time", baseline_until="2025-12-15")
    assert dated.shift is None and all(a.kind != "change_point" for a in dated.alerts)
