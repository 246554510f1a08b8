"""Capability indices with confidence intervals (qcc's published piston-ring results), DPMO,
yield and the sigma-level convention, the normality check and the non-normal options."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from improvement import (
    ProcessCapability,
    capability,
    capability_figure,
    d2,
    normality_check,
    sigma_level,
)
from tests.conftest import SHARED
from tests.test_spc import close_to_printed, shared_csv

SPC = SHARED / "data" / "spc"
NAMES = {"Cp": "Cp", "Cp_l": "Cpl", "Cp_u": "Cpu", "Cp_k": "Cpk", "Cpm": "Cpm"}
SPECS = {
    "capability_spec_73.95_74.05_target_default_74": (73.95, 74.05, None),
    "capability_spec_73.95_74.05_target_74.02": (73.95, 74.05, 74.02),
    "capability_spec_73.99_74.01": (73.99, 74.01, None),
    "capability_spec_73.99_74.10": (73.99, 74.10, None),
}


@pytest.fixture(scope="module")
def reference() -> dict:
    path = SPC / "expected_published.json"
    if not path.is_file():
        pytest.skip(f"published qcc reference not found at {path}")
    return json.loads(path.read_text())["pistonrings"]


@pytest.fixture(scope="module")
def trial() -> pd.DataFrame:
    rings = shared_csv("pistonrings.csv")
    return rings[rings["trial"]]


def qcc_percent(fraction: float) -> str:
    """How qcc prints an expected share: two significant digits, below 0.01 % shown as 0."""
    percent = fraction * 100
    return "0%" if percent < 0.01 else f"{float(f'{percent:.2g}'):g}%"


def check_indices(result, published: dict) -> list[str]:
    wrong = []
    for key, name in NAMES.items():
        index = result.index(name)
        for ours, theirs in zip(
            (index.value, index.lower, index.upper), published[key], strict=True
        ):
            if not close_to_printed(ours, theirs):
                wrong.append(f"{name}: {ours:.5f} vs {theirs}")
    return wrong


@pytest.mark.parametrize("case", list(SPECS))
def test_indices_and_intervals_reproduce_qcc(reference, trial, case):
    """With ``constants="qcc"`` (qcc 3.0's table d2(5) = 2.326) every index and interval rounds
    to the printed value, Cpu 3.367 [3.011, 3.722] included."""
    lsl, usl, target = SPECS[case]
    rbar = trial.groupby("sample")["diameter"].agg(np.ptp).mean()
    qcc_sigma = rbar / 2.326  # qcc 3.0's table value of d2(5)
    assert close_to_printed(qcc_sigma, reference["xbar"]["std_dev_Rbar_over_d2"])
    result = capability(
        trial["diameter"], lsl=lsl, usl=usl, target=target, subgroups=trial["sample"],
        constants="qcc",
    )  # fmt: skip
    assert result.sigma_within == pytest.approx(qcc_sigma, rel=1e-12)
    assert result.constants == "qcc" and result.to_dict()["constants"] == "qcc"
    given = capability(trial["diameter"], lsl=lsl, usl=usl, target=target, sigma_within=qcc_sigma)
    assert [i.value for i in given.indices] == pytest.approx([i.value for i in result.indices])
    published = reference[case]
    assert check_indices(result, published) == []
    if "target_default" in published:
        assert result.target == pytest.approx(published["target_default"])
    if "Exp<LSL" in published:
        assert qcc_percent(result.expected_within[0]) == published["Exp<LSL"]
        assert qcc_percent(result.expected_within[1]) == published["Exp>USL"]
    if "Obs<LSL" in published:
        assert qcc_percent(result.observed[0]) == published["Obs<LSL"]
        assert qcc_percent(result.observed[1]) == published["Obs>USL"]
    assert result.n == 125


@pytest.mark.parametrize("case", list(SPECS))
def test_indices_with_exact_d2_stay_within_one_printed_digit(reference, trial, case):
    """Estimating sigma with the exact d2 (2.3259289, not 2.326) moves the indices by 3e-5
    relative: at most one unit in the last printed digit (Cpu 3.366 vs 3.367)."""
    lsl, usl, target = SPECS[case]
    result = capability(
        trial["diameter"], lsl=lsl, usl=usl, target=target, subgroups=trial["sample"]
    )
    rbar = trial.groupby("sample")["diameter"].agg(np.ptp).mean()
    assert result.sigma_within == pytest.approx(rbar / d2(5), rel=1e-12)
    for key, name in NAMES.items():
        index = result.index(name)
        for ours, theirs in zip(
            (index.value, index.lower, index.upper), reference[case][key], strict=True
        ):
            assert close_to_printed(ours, theirs, units=1.0), (name, ours, theirs)


def test_dpmo_yield_and_the_sigma_level_convention():
    assert sigma_level(3.4) == pytest.approx(6.0, abs=0.01)
    assert sigma_level(66_807) == pytest.approx(3.0, abs=0.001)
    assert sigma_level(308_538) == pytest.approx(2.0, abs=0.001)
    assert sigma_level(66_807, shift=0) == pytest.approx(1.5, abs=0.001)
    # values with mean 0 and standard deviation exactly 1: USL 3 leaves 1,350 per million above
    raw = np.random.default_rng(2).standard_normal(500)
    values = (raw - raw.mean()) / raw.std(ddof=1)
    result = capability(values, usl=3.0)
    assert result.dpmo == pytest.approx(stats.norm.sf(3) * 1e6, rel=1e-9)
    assert result.yield_ == pytest.approx(stats.norm.cdf(3))
    assert result.sigma_level == pytest.approx(4.5)
    assert result.ppk == pytest.approx(1.0) and result.cp is None and result.cpm is None
    assert result.cpk == result.index("Cpu").value
    assert "1.5σ shift" in result.summary and "defects per million" in result.summary
    assert result.to_frame()["index"].tolist() == ["Cpu", "Cpk", "Ppu", "Ppk"]


def test_normality_check_and_skewed_durations():
    rng = np.random.default_rng(3)
    assert normality_check(rng.normal(10, 2, 300)).normal
    hours = rng.lognormal(mean=2.5, sigma=0.4, size=3000)
    check = normality_check(hours)
    assert not check.normal and check.skewness > 1 and "right-skewed" in check.sentence
    truth = stats.lognorm(0.4, scale=math.exp(2.5)).sf(24)  # 4.5 % of cases over a 24 h SLA
    normal = capability(hours, usl=24, method="normal")
    boxcox = capability(hours, usl=24, method="auto")
    fitted = capability(hours, usl=24, method="fitted")
    assert boxcox.method == "boxcox" and abs(boxcox.parameters["lambda"]) < 0.15
    assert fitted.method == "lognormal"
    assert sum(boxcox.expected_overall) == pytest.approx(truth, abs=0.006)
    assert sum(fitted.expected_overall) == pytest.approx(truth, abs=0.006)
    assert abs(sum(normal.expected_overall) - truth) > 0.01  # the normal model misstates it
    assert fitted.cpk is None and fitted.ppk is not None and math.isnan(fitted.index("Ppk").lower)
    assert boxcox.sigma_overall == pytest.approx(np.std(hours, ddof=1))  # original scale
    assert "Box-Cox" in boxcox.summary


def test_twin_class_errors_and_conversions(trial):
    twin = ProcessCapability(lsl=73.95, usl=74.05).fit(trial["diameter"], subgroups=trial["sample"])
    direct = capability(trial["diameter"], lsl=73.95, usl=74.05, subgroups=trial["sample"])
    assert twin.cpk_ == direct.cpk and twin.result_.to_dict() == direct.to_dict()
    assert direct.constants == "exact"
    qcc = ProcessCapability(lsl=73.95, usl=74.05, constants="qcc")
    qcc.fit(trial["diameter"], subgroups=trial["sample"])
    assert qcc.result_.sigma_within == pytest.approx(direct.sigma_within * d2(5) / 2.326)
    individuals = capability([1.0, 3.0, 2.0, 4.0], usl=9, constants="qcc")
    assert individuals.sigma_within == pytest.approx(5 / 3 / 1.128)  # qcc's d2(2)
    with pytest.raises(ValueError, match="constants must be one of"):
        capability([1.0, 2.0, 3.0], usl=5, constants="minitab")
    data = direct.to_dict()
    assert {"indices", "dpmo", "yield", "sigma_level", "normality", "summary"} <= set(data)
    json.dumps(data)
    with pytest.raises(ValueError, match="at least one specification limit"):
        capability([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="must be below"):
        capability([1.0, 2.0, 3.0], lsl=5, usl=4)
    with pytest.raises(ValueError, match="positive values"):
        capability([-1.0, 2.0, 3.0, 4.0], usl=5, method="boxcox")
    with pytest.raises(ValueError, match="method must be"):
        capability([1.0, 2.0], usl=5, method="magic")


def test_capability_figure(trial):
    figure = capability_figure(
        capability(trial["diameter"], lsl=73.95, usl=74.05, subgroups=trial["sample"])
    )
    kinds = [t.type for t in figure.data]
    assert kinds[0] == "histogram" and "scatter" in kinds
    assert len([s for s in figure.layout.shapes if s.type == "line"]) == 3  # LSL, USL, target
    assert "Cpk" in figure.layout.title.text
    skewed = capability(np.random.default_rng(4).lognormal(1, 0.5, 400), usl=10, method="auto")
    curve = capability_figure(skewed).data[1]
    assert "Box-Cox" in curve.name and np.nanmax(curve.y) > 0


def test_a_process_with_no_defect_in_sight_says_so_instead_of_inf():
    """Results 40 σ inside the limits: the expected defects underflow to 0 and the sigma level
    is infinite; the words say "off the scale", never "inf"."""
    rng = np.random.default_rng(3)
    result = capability(rng.normal(10.0, 0.01, 200), lsl=9.0, usl=11.0)
    assert result.dpmo == 0 and math.isinf(result.sigma_level)
    assert "off the scale" in result.summary and "inf" not in result.summary
    assert result.sigma_text("es").startswith("fuera de escala")
    ordinary = capability(rng.normal(10.0, 0.4, 200), lsl=9.0, usl=11.0)
    assert ordinary.sigma_text() == f"{ordinary.sigma_level:.1f}"
