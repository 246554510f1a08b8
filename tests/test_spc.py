"""Control charts, run rules, constants and KPI series: published qcc numbers, known answers and
the planted cycle-time shift of the ``sales_activities`` sample."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import improvement
import mining
import sample_logs
from improvement import (
    ControlChart,
    KpiSeries,
    NotFittedError,
    c4,
    choose_chart,
    control_chart,
    control_chart_figure,
    control_constants,
    d2,
    d3,
    kpi_control_chart,
    run_rules,
)
from improvement._constants import QCC_D2, QCC_D3
from tests.conftest import SHARED

SPC = SHARED / "data" / "spc"
PLANTED = pd.Timestamp("2025-12-15", tz="UTC")


def close_to_printed(
    ours: float, published: float, min_digits: int = 3, units: float = 0.5
) -> bool:
    """``ours`` equals ``published`` to the precision it was printed with (at least
    ``min_digits`` significant digits: qcc prints 1.70 as 1.7 in JSON): within ``units`` of the
    last printed digit, half a unit meaning "rounds to the printed value"."""
    if published == 0:
        return abs(ours) < 1e-12
    digits = repr(float(published)).lstrip("-").replace(".", "").lstrip("0").rstrip("0")
    significant = max(len(digits), min_digits)
    step = 10 ** (math.floor(math.log10(abs(published))) - significant + 1)
    return abs(ours - published) <= units * step * (1 + 1e-9)


@pytest.fixture(scope="module")
def published() -> dict:
    path = SPC / "expected_published.json"
    if not path.is_file():
        pytest.skip(f"published qcc reference not found at {path}")
    return json.loads(path.read_text())


def shared_csv(name: str) -> pd.DataFrame:
    """A reference data set beside the repo, or a clean skip when absent."""
    path = SPC / name
    if not path.is_file():
        pytest.skip(f"reference data not found at {path}")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def rings() -> pd.DataFrame:
    return shared_csv("pistonrings.csv")


@pytest.fixture(scope="module")
def juice() -> pd.DataFrame:
    return shared_csv("orangejuice.csv")


def trial_mask(rings: pd.DataFrame) -> np.ndarray:
    return rings.groupby("sample", sort=False)["trial"].first().to_numpy()


# -- constants ----------------------------------------------------------------------------------
def test_constants_known_answers():
    assert d2(2) == pytest.approx(2 / math.sqrt(math.pi), abs=1e-10)
    assert d3(2) == pytest.approx(math.sqrt(2 - 4 / math.pi), abs=1e-9)
    assert c4(2) == pytest.approx(math.sqrt(2 / math.pi), abs=1e-12)
    # the textbook table (Montgomery, Appendix VI)
    assert round(d2(5), 3) == 2.326 and round(d3(5), 3) == 0.864 and round(c4(5), 4) == 0.9400
    assert round(d2(25), 3) == 3.931 and round(d3(25), 3) == 0.708 and round(c4(25), 4) == 0.9896
    k5, k6 = control_constants(5), control_constants(6)
    assert (round(k5.A2, 3), round(k5.D4, 3), k5.D3, round(k5.B4, 3)) == (0.577, 2.114, 0.0, 2.089)
    assert round(k6.B3, 3) == 0.030 and round(k6.A3, 3) == 1.287


def test_constants_beyond_the_table_match_simulation():
    rng = np.random.default_rng(7)
    samples = rng.standard_normal((40_000, 40))
    ranges = np.ptp(samples, axis=1)
    assert d2(40) == pytest.approx(ranges.mean(), abs=0.01)
    assert d3(40) == pytest.approx(ranges.std(), abs=0.01)
    assert c4(40) == pytest.approx(samples.std(axis=1, ddof=1).mean(), abs=0.002)
    assert c4(5000) < 1 and c4(5000) == pytest.approx(1 - 1 / (4 * 4999), abs=1e-7)
    with pytest.raises(ValueError, match="at least 2"):
        d2(1)


def test_qcc_tables_agree_with_the_exact_constants_within_their_rounding():
    """qcc 3.0's d2 table is the exact d2 rounded to 3 decimals (n ≤ 25); its d3 table, printed
    to 7 decimals, is off by up to 1.2e-5 (the exact d3(2) is √(2 − 4/π) = 0.8525025, qcc has
    0.8525033) and rounds like the textbook's 3 decimals. Beyond the tables "qcc" is exact."""
    assert len(QCC_D2) == 24 and len(QCC_D3) == 49  # n = 2..25 and n = 2..50
    for n in range(2, 26):
        assert d2(n, constants="qcc") == QCC_D2[n - 2] == round(d2(n), 3)
        assert abs(d2(n, constants="qcc") - d2(n)) <= 0.0005
        assert abs(d3(n, constants="qcc") - d3(n)) <= 1.5e-5
        assert round(d3(n, constants="qcc"), 3) == round(d3(n), 3)
        assert c4(n, constants="qcc") == c4(n)  # qcc computes c4 from the gamma function too
    assert all(abs(QCC_D3[n - 2] - d3(n)) <= 1.5e-5 for n in range(26, 51))
    assert d2(26, constants="qcc") == d2(26) and d3(51, constants="qcc") == d3(51)
    assert (d2(5, "qcc"), d3(5, "qcc"), d2(2, "qcc")) == (2.326, 0.8640855, 1.128)
    k = control_constants(5, constants="qcc")
    assert k.d2 == 2.326 and math.isclose(k.A2, 3 / (2.326 * math.sqrt(5)), rel_tol=1e-15)
    with pytest.raises(ValueError, match="constants must be one of exact, qcc"):
        d2(5, constants="table")


# -- run rules ----------------------------------------------------------------------------------
ALTERNATING = [(-1) ** i * 0.5 for i in range(14)]
WITHIN = [0.2, 0.4, -0.3, -0.1, 0.3, 0.5, -0.2, -0.4, 0.1, 0.3, -0.5, -0.3, 0.2, 0.4, -0.1]
RULE_CASES = [
    ("nelson-1", [0.1, -0.2, 3.4, 0.3], (3,)),
    ("nelson-2", [0.5] * 9, tuple(range(1, 10))),
    ("nelson-3", [-0.9, -0.5, -0.1, 0.2, 0.6, 0.9], tuple(range(1, 7))),
    ("nelson-4", ALTERNATING, tuple(range(1, 15))),
    ("nelson-5", [0.1, 2.5, -0.1, 2.6], (2, 4)),
    ("nelson-6", [1.5, 1.5, -0.2, 1.5, 1.5], (1, 2, 4, 5)),
    ("nelson-7", WITHIN, tuple(range(1, 16))),
    ("nelson-8", [1.5, -1.5, 1.6, 1.7, -1.5, -1.6, 1.5, -1.8], tuple(range(1, 9))),
]


@pytest.mark.parametrize(("rule", "values", "points"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_each_nelson_rule_fires_alone(rule, values, points):
    signals = run_rules(values, center=0, sigma=1, rules="nelson")
    assert [s.rule for s in signals] == [rule]
    assert signals[0].points == points
    assert signals[0].detected_at == points[-1]
    # one point fewer does not make the pattern (except the single-point rule)
    if rule not in ("nelson-1", "nelson-5", "nelson-6"):
        assert run_rules(values[:-1], center=0, sigma=1) == ()


def test_rule_sentences_and_western_electric():
    [signal] = run_rules([0.5] * 9, center=0, sigma=1)
    assert signal.sentence == (
        "nine points in a row above the centre line: the process mean has shifted"
    )
    assert signal.direction == "up"
    assert [s.rule for s in run_rules([-0.5] * 8, center=0, sigma=1, rules="we")] == ["we-4"]
    assert run_rules([-0.5] * 8, center=0, sigma=1, rules="nelson") == ()
    assert [s.rule for s in run_rules([0, 2.5, 2.5], center=0, sigma=1, rules="we")] == ["we-2"]
    # a run longer than the rule is one signal covering the whole run
    [long] = run_rules([0.5] * 12, center=0, sigma=1)
    assert long.points == tuple(range(1, 13)) and long.detected_at == 9
    assert long.sentence.startswith("twelve points in a row above")
    # zones scale with the sigma of each point; limits may be clipped
    assert run_rules([0.0, 0.0], center=0.1, sigma=0.1, lcl=0.0) == ()
    with pytest.raises(ValueError, match="rules must be"):
        run_rules([1, 2], center=0, sigma=1, rules="bogus")


# -- published qcc numbers ----------------------------------------------------------------------
def test_xbar_r_and_s_charts_reproduce_qcc(published, rings):
    ref = published["pistonrings"]
    xbar_r = control_chart(
        rings["diameter"], subgroups=rings["sample"], kind="xbar-r", baseline=trial_mask(rings)
    )
    assert xbar_r.n_baseline == 25 and len(xbar_r) == 40
    assert close_to_printed(xbar_r.center, ref["xbar"]["center"])
    assert close_to_printed(xbar_r.lcl, ref["xbar"]["LCL"])
    assert close_to_printed(xbar_r.ucl, ref["xbar"]["UCL"])
    r_chart = xbar_r.secondary
    assert close_to_printed(r_chart.center, ref["R"]["center"])
    assert r_chart.lcl == ref["R"]["LCL"] == 0

    xbar_s = control_chart(
        rings["diameter"], subgroups=rings["sample"], kind="xbar-s", baseline=trial_mask(rings)
    )
    s_chart = xbar_s.secondary
    assert close_to_printed(xbar_s.sigma, ref["S"]["std_dev_UWAVE_SD"])
    assert close_to_printed(s_chart.center, ref["S"]["center"])
    assert close_to_printed(s_chart.ucl, ref["S"]["UCL"])
    assert s_chart.lcl == 0


def test_xbar_sigma_differs_from_qcc_only_by_its_rounded_d2(published, rings):
    """qcc 3.0 divided R̄ by the table value d2(5) = 2.326; Mejora uses the exact 2.3259289.
    The difference is 3e-5 relative: below the printed precision of the limits, above that of
    the printed standard deviation and R-chart UCL."""
    ref = published["pistonrings"]
    result = control_chart(
        rings["diameter"], subgroups=rings["sample"], kind="xbar-r", baseline=trial_mask(rings)
    )
    rbar = result.secondary.center
    assert close_to_printed(rbar / 2.326, ref["xbar"]["std_dev_Rbar_over_d2"])  # qcc's table
    assert result.sigma == pytest.approx(rbar / d2(5), rel=1e-12)
    assert result.sigma == pytest.approx(ref["xbar"]["std_dev_Rbar_over_d2"], rel=5e-5)
    assert result.secondary.ucl == pytest.approx(ref["R"]["UCL"], rel=5e-5)


def test_qcc_constants_reproduce_every_published_chart_number(published, rings, juice):
    """With ``constants="qcc"`` (qcc 3.0's own d2 / d3 tables) every published number rounds to
    the printed value, including the four the exact constants miss in the last digit."""
    ref = published["pistonrings"]
    mask = trial_mask(rings)
    xbar_r = control_chart(
        rings["diameter"], subgroups=rings["sample"], kind="xbar-r", baseline=mask, constants="qcc"
    )
    assert xbar_r.constants == "qcc" and xbar_r.to_dict()["constants"] == "qcc"
    assert xbar_r.sigma == pytest.approx(xbar_r.secondary.center / 2.326, rel=1e-12)
    assert close_to_printed(xbar_r.sigma, ref["xbar"]["std_dev_Rbar_over_d2"])  # 0.009785039
    assert close_to_printed(xbar_r.center, ref["xbar"]["center"])
    assert close_to_printed(xbar_r.lcl, ref["xbar"]["LCL"])
    assert close_to_printed(xbar_r.ucl, ref["xbar"]["UCL"])
    r_chart = xbar_r.secondary
    assert r_chart.constants == "qcc"
    assert close_to_printed(r_chart.center, ref["R"]["center"])
    assert close_to_printed(r_chart.ucl, ref["R"]["UCL"])  # 0.04812533
    assert r_chart.lcl == ref["R"]["LCL"] == 0

    xbar_s = control_chart(
        rings["diameter"], subgroups=rings["sample"], kind="xbar-s", baseline=mask, constants="qcc"
    )
    s_chart = xbar_s.secondary
    assert close_to_printed(xbar_s.sigma, ref["S"]["std_dev_UWAVE_SD"])
    assert close_to_printed(s_chart.center, ref["S"]["center"])
    assert close_to_printed(s_chart.ucl, ref["S"]["UCL"])
    assert s_chart.lcl == ref["S"]["LCL"] == 0

    first = rings[rings["sample"] <= 25]
    ewma = control_chart(
        first["diameter"], subgroups=first["sample"], kind="ewma", lam=0.2, constants="qcc"
    )
    both = rings[rings["sample"] <= 40]
    ewma2 = control_chart(
        both["diameter"], subgroups=both["sample"], kind="ewma", nsigmas=2.7, baseline=25,
        constants="qcc",
    )  # fmt: skip
    for result, key in (
        (ewma, "ewma_lambda0.2_nsigmas3_limits"),
        (ewma2, "ewma_lambda0.2_nsigmas2.7_with_phaseII_limits"),
    ):
        for point, (low, high) in ref[key].items():
            assert close_to_printed(result.lower_limit[int(point) - 1], low)
            assert close_to_printed(result.upper_limit[int(point) - 1], high)

    cusum = control_chart(
        rings["diameter"], subgroups=rings["sample"], kind="cusum", baseline=25, constants="qcc"
    )
    assert close_to_printed(cusum.parameters["target"], ref["cusum"]["center"])
    assert close_to_printed(cusum.sigma, ref["cusum"]["std_dev"])  # 0.009785039
    assert cusum.parameters["h"] == ref["cusum"]["decision_interval_default"]
    assert cusum.parameters["shift"] == ref["cusum"]["se_shift_default"]

    # attribute charts use no d2 / d3: the same numbers in both modes
    trial = juice[juice["trial"]]
    for kind, key, exclude in (
        ("p", "p_phaseI_30_samples_n50", ()),
        ("np", "np_phaseI", ()),
        ("p", "p_revised_excluding_15_23", (15, 23)),
    ):
        expected = published["orangejuice"][key]
        chart = control_chart(
            trial["D"], sizes=trial["size"], kind=kind, exclude=exclude, constants="qcc"
        )
        assert close_to_printed(chart.center, expected["center"])
        assert close_to_printed(chart.point_sigma[0], expected["std_dev"])
        assert close_to_printed(chart.lcl, expected["LCL"])
        assert close_to_printed(chart.ucl, expected["UCL"])
    juice2 = shared_csv("orangejuice2.csv")
    expected = published["orangejuice2"]["p_phaseI_24_samples"]
    chart = control_chart(
        juice2["D"], sizes=juice2["size"], kind="p", baseline=juice2["trial"].to_numpy(),
        constants="qcc",
    )  # fmt: skip
    assert close_to_printed(chart.center, expected["center"])
    assert close_to_printed(chart.point_sigma[0], expected["std_dev"])
    assert chart.lcl == expected["LCL"] == 0 and close_to_printed(chart.ucl, expected["UCL"])


def test_qcc_constants_on_individuals_and_the_estimator():
    values = [1.0, 3.0, 2.0, 4.0]
    result = control_chart(values, kind="imr", constants="qcc")
    sigma = (2 + 1 + 2) / 3 / 1.128  # qcc's d2(2)
    assert result.sigma == pytest.approx(sigma, rel=1e-15)
    assert result.ucl == pytest.approx(2.5 + 3 * sigma)
    assert result.secondary.center == pytest.approx(5 / 3)
    assert result.secondary.ucl == pytest.approx(5 / 3 + 3 * 0.8525033 * sigma)
    assert control_chart(values, kind="imr").constants == "exact"
    chart = ControlChart(kind="imr", constants="qcc").fit(values)
    assert chart.sigma_ == result.sigma and chart.apply([2.0, 9.0]).constants == "qcc"
    with pytest.raises(ValueError, match="constants must be one of exact, qcc, not 'tables'"):
        control_chart(values, kind="imr", constants="tables")


def test_ewma_limits_reproduce_qcc(published, rings):
    ref = published["pistonrings"]
    first = rings[rings["sample"] <= 25]
    result = control_chart(first["diameter"], subgroups=first["sample"], kind="ewma", lam=0.2)
    for point, (low, high) in ref["ewma_lambda0.2_nsigmas3_limits"].items():
        i = int(point) - 1
        assert close_to_printed(result.lower_limit[i], low)
        assert close_to_printed(result.upper_limit[i], high)
    # phase II: limits from samples 1-25 applied to 1-40, 2.7 sigmas
    both = rings[rings["sample"] <= 40]
    result = control_chart(
        both["diameter"], subgroups=both["sample"], kind="ewma", nsigmas=2.7, baseline=25
    )
    for point, (low, high) in ref["ewma_lambda0.2_nsigmas2.7_with_phaseII_limits"].items():
        i = int(point) - 1
        assert close_to_printed(result.lower_limit[i], low)
        assert close_to_printed(result.upper_limit[i], high)
    assert result.signals and all(s.rule == "ewma" for s in result.signals)
    assert min(s.detected_at for s in result.signals) > 25


def test_cusum_uses_qcc_defaults(published, rings):
    ref = published["pistonrings"]["cusum"]
    result = control_chart(rings["diameter"], subgroups=rings["sample"], kind="cusum", baseline=25)
    assert close_to_printed(result.parameters["target"], ref["center"])
    assert result.parameters["h"] == ref["decision_interval_default"]
    assert result.parameters["shift"] == ref["se_shift_default"]
    assert result.ucl == 5 and result.lcl == -5
    assert result.signals and min(s.detected_at for s in result.signals) > 25


def test_p_np_and_revised_p_reproduce_qcc(published, juice):
    ref = published["orangejuice"]
    trial = juice[juice["trial"]]
    p = control_chart(trial["D"], sizes=trial["size"], kind="p")
    expected = ref["p_phaseI_30_samples_n50"]
    assert close_to_printed(p.center, expected["center"])
    assert close_to_printed(p.point_sigma[0], expected["std_dev"])
    assert close_to_printed(p.lcl, expected["LCL"]) and close_to_printed(p.ucl, expected["UCL"])
    beyond = [s.points[0] for s in p.signals if s.rule == "nelson-1"]
    assert beyond == expected["out_of_control_samples"]

    np_chart = control_chart(trial["D"], sizes=trial["size"], kind="np")
    expected = ref["np_phaseI"]
    assert close_to_printed(np_chart.center, expected["center"])
    assert close_to_printed(np_chart.point_sigma[0], expected["std_dev"])
    assert close_to_printed(np_chart.lcl, expected["LCL"])
    assert close_to_printed(np_chart.ucl, expected["UCL"])

    expected = ref["p_revised_excluding_15_23"]
    by_hand = control_chart(trial["D"], sizes=trial["size"], kind="p", exclude=[15, 23])
    automatic = control_chart(
        trial["D"], sizes=trial["size"], kind="p", exclude_out_of_control=True
    )
    for revised in (by_hand, automatic):
        assert revised.excluded == (15, 23)
        assert len(revised) - len(revised.excluded) == expected["groups"]
        assert close_to_printed(revised.center, expected["center"])
        assert close_to_printed(revised.point_sigma[0], expected["std_dev"])
        assert close_to_printed(revised.lcl, expected["LCL"])
        assert close_to_printed(revised.ucl, expected["UCL"])


def test_second_orange_juice_phase(published):
    ref = published["orangejuice2"]["p_phaseI_24_samples"]
    juice2 = shared_csv("orangejuice2.csv")
    result = control_chart(
        juice2["D"],
        sizes=juice2["size"],
        kind="p",
        baseline=juice2["trial"].to_numpy(),
        labels=juice2["sample"],
    )
    assert result.n_baseline == 24
    assert close_to_printed(result.center, ref["center"])
    assert close_to_printed(result.point_sigma[0], ref["std_dev"])
    assert result.lcl == ref["LCL"] == 0
    assert close_to_printed(result.ucl, ref["UCL"])
    assert result.labels[0] == "31"


def test_phase_two_apply_uses_the_learned_limits(rings):
    chart = ControlChart(kind="xbar-r")
    first = rings[rings["sample"] <= 25]
    later = rings[rings["sample"] > 25]
    chart.fit(first["diameter"], subgroups=first["sample"])
    result = chart.apply(later["diameter"], subgroups=later["sample"])
    assert result.center == chart.center_ and result.ucl == pytest.approx(chart.ucl_[0])
    assert result.n_baseline == 0
    beyond = [result.labels[s.points[0] - 1] for s in result.signals if s.rule == "nelson-1"]
    assert beyond == ["37", "38", "39"]
    assert "new data signal a change" in result.summary


# -- known answers --------------------------------------------------------------------------
def test_individuals_and_moving_range_by_hand():
    result = control_chart([1.0, 3.0, 2.0, 4.0], kind="imr")
    sigma = (2 + 1 + 2) / 3 / d2(2)
    assert result.center == 2.5 and result.sigma == pytest.approx(sigma)
    assert result.ucl == pytest.approx(2.5 + 3 * sigma)
    mr = result.secondary
    assert math.isnan(mr.values[0]) and mr.values[1:] == (2.0, 1.0, 2.0)
    assert mr.center == pytest.approx(5 / 3) and mr.ucl == pytest.approx(
        5 / 3 * (1 + 3 * d3(2) / d2(2))
    )


def test_variable_sample_sizes_give_stepped_limits():
    counts, sizes = [2, 5, 3], [50, 100, 200]
    result = control_chart(counts, sizes=sizes, kind="p")
    bar = 10 / 350
    expected = [bar + 3 * math.sqrt(bar * (1 - bar) / n) for n in sizes]
    assert result.center == pytest.approx(bar)
    assert result.limits_vary and result.ucl == pytest.approx(tuple(expected))
    assert isinstance(result.to_dict()["ucl"], list) and result.to_dict()["lcl"] == 0.0
    u = control_chart([4, 9, 30], sizes=[2.0, 3.0, 4.0], kind="u")
    rate = 43 / 9
    assert u.center == pytest.approx(rate)
    assert u.ucl == pytest.approx(tuple(rate + 3 * math.sqrt(rate / n) for n in (2, 3, 4)))
    c = control_chart([1, 0, 2, 1], kind="c")
    assert c.center == 1.0 and c.lcl == 0.0 and c.ucl == pytest.approx(4.0)


def test_laney_p_prime_by_hand_and_on_overdispersed_volumes():
    counts = np.array([120, 150, 90, 160, 110, 140])
    sizes = np.array([1000, 1100, 950, 1200, 1000, 1050])
    result = control_chart(counts, sizes=sizes, kind="laney-p")
    bar = counts.sum() / sizes.sum()
    z = (counts / sizes - bar) / np.sqrt(bar * (1 - bar) / sizes)
    sigma_z = np.mean(np.abs(np.diff(z))) / d2(2)
    assert result.parameters["sigma_z"] == pytest.approx(sigma_z)
    assert result.upper_limit[0] == pytest.approx(
        bar + 3 * math.sqrt(bar * (1 - bar) / 1000) * sigma_z
    )
    # emails: 40 weeks of ~20,000 sends whose true rate wanders: p flags most weeks, p' almost none
    rng = np.random.default_rng(11)
    sends = rng.integers(18_000, 22_000, 40)
    opens = rng.binomial(sends, rng.beta(200, 800, 40))
    plain = control_chart(opens, sizes=sends, kind="p")
    laney = control_chart(opens, sizes=sends, kind="laney-p")
    assert len([s for s in plain.signals if s.rule == "nelson-1"]) > 10
    assert len([s for s in laney.signals if s.rule == "nelson-1"]) <= 2
    assert laney.parameters["sigma_z"] > 2.5  # about 4.6 in truth
    # Laney u' with unit exposure is exactly the individuals chart of the counts
    counts = [12, 30, 7, 22, 41, 15, 9, 27]
    laney_u = control_chart(counts, sizes=1, kind="laney-u")
    individuals = control_chart(counts, kind="imr")
    assert laney_u.center == pytest.approx(individuals.center)
    assert laney_u.ucl == pytest.approx(individuals.ucl) and laney_u.lcl == 0.0


def test_cusum_by_hand():
    result = control_chart([10, 10, 12, 12, 12, 12], kind="cusum", center=10, sigma=1)
    assert result.values == (0.0, 0.0, 1.5, 3.0, 4.5, 6.0)
    assert result.lower_values == (0.0,) * 6
    [signal] = result.signals
    assert (signal.rule, signal.points, signal.direction) == ("cusum", (6,), "up")


def test_fit_contract_and_errors(rings):
    with pytest.raises(NotFittedError, match="not fitted"):
        ControlChart(kind="c").apply([1, 2])
    assert issubclass(NotFittedError, ValueError)
    frame = rings.copy()
    chart = ControlChart(kind="xbar-s").fit(frame["diameter"], subgroups=frame["sample"])
    pd.testing.assert_frame_equal(frame, rings)
    assert chart.result_ is not None and chart.lcl_.shape == (40,)
    with pytest.raises(ValueError, match="needs subgroups"):
        control_chart([1.0, 2.0, 3.0], kind="xbar-r")
    with pytest.raises(ValueError, match="needs sizes"):
        control_chart([1, 2, 3], kind="p")
    with pytest.raises(ValueError, match="equal sample sizes"):
        control_chart([1, 2, 3], kind="np", sizes=[10, 20, 10])
    with pytest.raises(ValueError, match="point 2 has 12 defectives in a sample of 10"):
        control_chart([1, 12], kind="p", sizes=10)
    with pytest.raises(ValueError, match="kind must be one of"):
        control_chart([1, 2], kind="pie")
    with pytest.raises(ValueError, match="at least 2 points"):
        control_chart([1.0], kind="imr")


def test_result_converts_to_frame_and_dict(juice):
    result = control_chart(juice["D"], sizes=juice["size"], kind="p", baseline=30)
    frame = result.to_frame()
    assert list(frame.columns[:4]) == ["point", "label", "value", "size"]
    assert frame["phase"].value_counts().to_dict() == {"baseline": 30, "new": 24}
    assert frame.loc[frame["point"] == 15, "rules"].item().startswith("nelson-1")
    data = result.to_dict()
    assert {"chart", "center", "lcl", "ucl", "sigma", "signals"} <= set(data)
    assert all(set(s) >= {"rule", "points"} for s in data["signals"])
    json.dumps(data)
    assert "the new data signal a change" in result.summary
    assert result.explain().count("\n- ") == len(result.all_signals())


# -- KPI series and the automatic choice --------------------------------------------------------
def test_automatic_chart_choice():
    assert choose_chart(KpiSeries.from_values([3.0, 4.5, 3.9], name="median days")).kind == "imr"
    rng = np.random.default_rng(5)
    cases = rng.integers(40, 60, 30)
    binomial = KpiSeries.from_values(rng.binomial(cases, 0.2), kind="proportion", sizes=cases)
    choice = choose_chart(binomial)
    assert choice.kind == "p" and "share" in choice.reason
    sends = rng.integers(18_000, 22_000, 30)
    volumes = KpiSeries.from_values(
        rng.binomial(sends, rng.beta(200, 800, 30)), kind="proportion", sizes=sends
    )
    choice = choose_chart(volumes)
    assert choice.kind == "laney-p" and "binomial" in choice.reason and choice.dispersion > 3
    counts = KpiSeries.from_values(rng.poisson(12, 30), kind="count")
    assert choose_chart(counts).kind == "c"
    hours = rng.uniform(1, 3, 30)
    exposure = KpiSeries.from_values(rng.poisson(12 * hours), kind="count", sizes=hours)
    assert choose_chart(exposure).kind == "u"


@pytest.fixture(scope="module")
def sales():
    return sample_logs.load_sales_activities()


@pytest.mark.parametrize("rules", ["nelson", "we"])
def test_planted_cycle_time_shift_is_signalled(sales, rules):
    series = improvement.throughput_series(sales, freq="W")
    result = kpi_control_chart(series, baseline_until="2025-12-15", rules=rules)
    assert result.kind == "imr" and "each week is an individual point" in result.notes[0]
    starts = pd.to_datetime(list(series.starts), utc=True)
    assert result.n_baseline == int((starts < PLANTED).sum()) == 15
    new = [s for s in result.all_signals() if not result.baseline[s.detected_at - 1]]
    first = new[0]
    when = starts[first.detected_at - 1]
    # beyond the limits (rule 1) or a level-shift rule, within three weeks of the planted date
    assert first.rule in {f"{rules}-1", "nelson-2", "nelson-5", "nelson-6", "we-2", "we-3", "we-4"}
    assert PLANTED <= when <= PLANTED + pd.Timedelta(days=21)
    assert (first.rule, str(when.date())) == (f"{rules}-1", "2025-12-22")
    assert first.direction == "up"
    # and the sustained shift shows as a run above the centre line through the new weeks
    run_rule = "nelson-2" if rules == "nelson" else "we-4"
    [run] = [s for s in result.signals if s.rule == run_rule]
    assert run.direction == "up" and set(range(16, 27)) <= set(run.points)
    assert "signal a change, first at point 17 (2025-12-22)" in result.summary


def test_no_false_alarm_before_the_planted_date(sales):
    series = improvement.throughput_series(sales, freq="W")
    result = kpi_control_chart(series, baseline_until="2025-11-03")
    starts = pd.to_datetime(list(series.starts), utc=True)
    new = [s for s in result.all_signals() if not result.baseline[s.detected_at - 1]]
    assert new and min(starts[s.detected_at - 1] for s in new) > PLANTED


def test_log_kpi_series(sales):
    arrivals = improvement.arrivals_series(sales)
    assert arrivals.kind == "count" and sum(arrivals.counts) == 278
    won = improvement.activity_share_series(sales, "Closed won")
    assert won.kind == "proportion" and sum(won.counts) == 80 and sum(won.sizes) == 278
    breaches = improvement.sla_breach_series(sales, hours=30 * 24)
    times = improvement.throughput_series(sales)
    over = sum(v > 30 for period in times.observations for v in period)
    assert sum(breaches.counts) == over
    assert improvement.kpi_series(sales, "sla:30d").counts == breaches.counts
    count = improvement.sla_breach_series(sales, hours=720, share=False)
    assert count.kind == "count" and count.values == breaches.counts
    with pytest.raises(ValueError, match="no activity 'Signed'"):
        improvement.activity_share_series(sales, "Signed")
    with pytest.raises(ValueError, match="unknown KPI"):
        improvement.kpi_series(sales, "speed")
    shift = kpi_control_chart(breaches, baseline_until="2025-12-15")
    assert shift.kind in ("p", "laney-p") and not shift.in_control


def test_kpi_series_on_an_empty_log(write_csv):
    log = mining.read_log(write_csv("case,activity,timestamp\n"))
    series = improvement.throughput_series(log)
    assert len(series) == 0
    with pytest.raises(ValueError, match="at least 2"):
        kpi_control_chart(series)


def test_a_short_process_is_charted_in_minutes_not_in_millionths_of_a_day(write_csv):
    """Tickets closed in about 20 minutes: the series is in minutes, with its values right."""
    rows = ["case,activity,timestamp"]
    for i in range(60):
        start = pd.Timestamp("2025-03-03 09:00") + pd.Timedelta(hours=7 * i)
        rows += [f"t{i},Opened,{start}", f"t{i},Closed,{start + pd.Timedelta(minutes=15 + i % 10)}"]
    series = improvement.throughput_series(mining.read_log(write_csv("\n".join(rows) + "\n")))
    assert series.unit == "minutes" and "(minutes)" in series.name
    assert min(series.values) >= 15 and max(series.values) <= 24
    days = improvement.throughput_series(sample_logs.load_sales_activities())
    assert days.unit == "days"  # a sales pipeline stays in days


# -- figure -------------------------------------------------------------------------------------
def test_control_chart_figure_marks_limits_zones_and_signals(juice):
    result = control_chart(
        juice["D"], sizes=juice["size"] - np.arange(54) % 3, kind="p", baseline=30
    )
    figure = control_chart_figure(result)
    assert isinstance(figure, go.Figure)
    names = [t.name for t in figure.data]
    assert {"control limits", "centre line", "1σ zone", "2σ zone", "signal"} <= set(names)
    limits = next(t for t in figure.data if t.name == "control limits")
    assert limits.line.shape == "hvh"  # stepped: sample sizes vary
    signal = next(t for t in figure.data if t.name == "signal")
    assert 15 in signal.x and any("nelson-1" in text for text in signal.text)
    assert any(s.type == "line" for s in figure.layout.shapes)  # end of the baseline
    imr = control_chart_figure(control_chart([1.0, 3.0, 2.0, 4.0, 9.0], kind="imr"))
    assert imr.layout.xaxis2 is not None  # the moving-range chart underneath
