"""The KPI catalogue: every KPI on a small log checked by hand, the not-computable reasons, the
catalogue as data, and the planted facts on the sample logs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import improvement
import mining
from improvement import (
    KPI_DEFINITIONS,
    KpiResult,
    KpiSettings,
    NotComputable,
    Period,
    compute_kpi,
    compute_kpis,
    kpi_catalogue,
)
from improvement._kpi_base import KPI_FUNCTIONS, load_definitions
from tests._kpi_samples import email_events, sales_activities

# Five deals, hand-checked below. D2 sends its proposal twice; D5 is still open and has no fit.
SALES = """case_id,activity,timestamp,rep,amount,loss_reason,fit,moment
D1,Qualified,2025-01-06 09:00,rep1,1000,,A,1
D1,Proposal sent,2025-01-08 09:00,rep1,1000,,A,1
D1,Closed won,2025-01-16 09:00,rep1,1000,,A,1
D2,Qualified,2025-01-06 10:00,rep2,2000,,B,2
D2,Proposal sent,2025-01-07 10:00,rep2,2000,,B,2
D2,Proposal sent,2025-01-09 10:00,rep2,2000,,B,2
D2,Closed lost,2025-01-10 10:00,rep2,2000,not ready,B,2
D3,Qualified,2025-01-13 09:00,rep1,500,,C,3
D3,Closed lost,2025-01-15 09:00,rep1,500,lost to competitor,C,3
D4,Qualified,2025-01-13 10:00,rep2,3000,,A,2
D4,Proposal sent,2025-01-14 10:00,rep2,3000,,A,2
D4,Closed won,2025-01-20 10:00,rep2,3000,,A,2
D5,Qualified,2025-01-20 09:00,rep1,800,,,5
D5,Proposal sent,2025-01-21 09:00,rep1,800,,,5
"""

# Seven HubSpot-style messages (case = message). c unsubscribes, then gets m5; d bounces, then
# gets m7: two consent violations.
EMAILS = """case_id,activity,timestamp,recipient,emailCampaignId
m1,SENT,2025-01-01 10:00,a@x.org,e1
m1,DELIVERED,2025-01-01 10:01,a@x.org,e1
m1,OPEN,2025-01-01 11:00,a@x.org,e1
m1,CLICK,2025-01-01 11:05,a@x.org,e1
m2,SENT,2025-01-01 10:00,b@x.org,e1
m2,DELIVERED,2025-01-01 10:01,b@x.org,e1
m2,OPEN,2025-01-01 12:00,b@x.org,e1
m3,SENT,2025-01-01 10:00,c@x.org,e1
m3,DELIVERED,2025-01-01 10:01,c@x.org,e1
m3,UNSUBSCRIBE,2025-01-01 13:00,c@x.org,e1
m4,SENT,2025-01-05 10:00,a@x.org,e2
m4,DELIVERED,2025-01-05 10:01,a@x.org,e2
m4,CLICK,2025-01-05 10:30,a@x.org,e2
m5,SENT,2025-01-05 10:00,c@x.org,e2
m5,DELIVERED,2025-01-05 10:01,c@x.org,e2
m6,SENT,2025-01-05 10:00,d@x.org,e2
m6,BOUNCE,2025-01-05 10:00:05,d@x.org,e2
m7,SENT,2025-01-08 10:00,d@x.org,e2
m7,BOUNCE,2025-01-08 10:00:05,d@x.org,e2
"""


@pytest.fixture
def sales(write_csv) -> mining.EventLog:
    return mining.read_log(write_csv(SALES, "sales.csv"), mapping={"resource": "rep"}, name="sales")


@pytest.fixture
def emails(write_csv) -> mining.EventLog:
    return mining.read_log(write_csv(EMAILS, "emails.csv"), name="emails")


def _value(log: mining.EventLog, kpi: str, **settings) -> KpiResult:
    result = compute_kpi(log, kpi, settings=KpiSettings(**settings))
    assert isinstance(result, KpiResult), getattr(result, "reason", None)
    return result


def _reason(log: mining.EventLog, kpi: str, **settings) -> NotComputable:
    result = compute_kpi(log, kpi, settings=KpiSettings(**settings))
    assert isinstance(result, NotComputable), f"{kpi} was computed: {result}"
    assert result.value is None
    return result


# -- the catalogue as data ----------------------------------------------------------------
def test_every_entry_has_one_function_and_every_function_an_entry():
    assert set(KPI_DEFINITIONS) == set(KPI_FUNCTIONS)
    assert len(KPI_DEFINITIONS) == 27


def test_catalogue_entries_are_bilingual_and_complete():
    table = kpi_catalogue()
    assert list(table["id"]) == list(KPI_DEFINITIONS)
    for column in ("name_en", "name_es", "description_en", "description_es", "formula"):
        assert table[column].str.len().min() > 0, column
    assert (table["name_en"] != table["name_es"]).sum() >= 25  # really translated
    assert set(table["direction"]) == {"higher", "lower", "neutral"}
    assert kpi_catalogue("es").set_index("id").loc["click_rate", "name"] == "Tasa de clics"


def test_a_broken_catalogue_entry_is_refused():
    entry = """
- id: x
  family: speed
  level: case
  unit: share
  direction: higher
  target: null
  series: null
  requires: []
  name: {en: X, es: X}
  description: {en: X, es: X}
  formula: x
"""
    with pytest.raises(ValueError, match="family 'speed' unknown"):
        load_definitions(entry)
    with pytest.raises(ValueError, match="missing or unknown"):
        load_definitions(entry.replace("  formula: x\n", ""))


def test_settings_round_trip_and_refuse_unknown_names(tmp_path):
    settings = KpiSettings(sla_hours=48, targets={"win_rate": 0.3}, stages=("A", "B"))
    assert KpiSettings.from_dict(settings.to_dict()) == settings
    path = tmp_path / "settings.yaml"
    path.write_text("sla_hours: 48\ntargets: {win_rate: 0.3}\nstages: [A, B]\n")
    assert KpiSettings.read(path) == settings
    with pytest.raises(ValueError, match="unknown KPI settings: colour"):
        KpiSettings.from_dict({"colour": "red"})
    with pytest.raises(ValueError, match="unknown KPIs: speed"):
        KpiSettings(targets={"speed": 1})


# -- process KPIs on the hand-checked log --------------------------------------------------
def test_cycle_time_is_the_median_of_the_closed_deals(sales):
    result = _value(sales, "cycle_time")
    assert result.value == pytest.approx(5.5)  # closed deals take 10, 4, 2 and 7 days
    assert result.denominator == 4
    assert result.notes[0]("en") == "closed cases only: 4 of 5"
    stages = result.breakdown.set_index("activity")["median_days"]
    assert stages["Qualified"] == pytest.approx(1.0)  # every deal: 2, 1, 2, 1, 1 days to the next


def test_rework_rate_counts_cases_with_a_repeated_activity(sales):
    result = _value(sales, "rework_rate")
    assert (result.value, result.numerator, result.denominator) == (0.2, 1, 5)
    assert result.status == "missed"  # default target 5 %
    row = result.breakdown.set_index("activity").loc["Proposal sent"]
    assert (row["cases"], row["rework_cases"]) == (4, 1)


def test_productivity_is_cases_per_resource_week(sales):
    result = _value(sales, "productivity")
    weeks = 15 / 7  # first start 6 Jan 09:00, last event 21 Jan 09:00
    assert result.value == pytest.approx((3 / weeks + 2 / weeks) / 2)
    assert result.breakdown.set_index("resource")["cases"].to_dict() == {"rep1": 3, "rep2": 2}


def test_sla_adherence_against_the_given_sla(sales):
    result = _value(sales, "sla_adherence", sla_hours=120)
    assert result.value == pytest.approx(3 / 5)  # 4, 2 and 1 day within 5 days; 10 and 7 not
    assert result.details["breaches"] == 2


def test_flow_efficiency_with_start_times(write_csv):
    text = """case_id,activity,start,end
c1,A,2025-01-06 09:00,2025-01-06 10:00
c1,B,2025-01-06 12:00,2025-01-06 13:00
c2,A,2025-01-06 09:00,2025-01-06 11:00
c2,B,2025-01-06 11:00,2025-01-06 12:00
"""
    log = mining.read_log(
        write_csv(text, "interval.csv"), mapping={"start_timestamp": "start", "timestamp": "end"}
    )
    result = _value(log, "flow_efficiency")
    assert result.value == pytest.approx(5 / 7)  # 2 h + 3 h of work in 4 h + 3 h


def test_conformance_rate_against_a_model_file(write_csv, tmp_path):
    fitting = "case_id,activity,timestamp\nf1,A,2025-01-01 09:00\nf1,B,2025-01-01 10:00\n"
    model = mining.discover_model(mining.read_log(write_csv(fitting, "fit.csv")))
    path = model.write(tmp_path / "ab.pnml")
    text = """case_id,activity,timestamp
c1,A,2025-01-01 09:00
c1,B,2025-01-01 10:00
c2,A,2025-01-02 09:00
c3,B,2025-01-03 09:00
c3,A,2025-01-03 10:00
"""
    log = mining.read_log(write_csv(text, "three.csv"))
    result = _value(log, "conformance_rate", model=str(path))
    assert (result.numerator, result.denominator) == (1, 3)


def test_consent_violations_look_back_over_the_history(emails):
    result = _value(emails, "consent_violations")
    assert result.value == 2 and result.details["contacts"] == 2
    assert result.details["by_withdrawal"] == {"UNSUBSCRIBE": 1, "BOUNCE": 1}
    assert result.breakdown.set_index("email")["sends"].to_dict() == {"e2": 2}
    assert result.status == "missed"  # the target is 0
    # week 2 holds m7 but not d's bounce (5 Jan, week 1): the send still counts
    later = compute_kpi(emails, "consent_violations", period=Period.parse("2025-W02"))
    assert later.value == 1
    assert later.filters[0]["kind"] == "time_range"


def test_error_rate_needs_error_activities(sales, write_csv):
    reason = _reason(sales, "error_rate").reason
    assert "error" in reason("en") and '--event-kind error="LABEL"' in reason("en")
    assert "ninguna actividad" in reason("es")
    text = (
        "case_id,activity,timestamp\nc1,A,2025-01-01\nc1,Task failed,2025-01-02\nc2,A,2025-01-01\n"
    )
    log = mining.read_log(write_csv(text, "errors.csv"))
    assert _value(log, "error_rate").value == 0.5


def test_nps_and_csat_from_survey_columns(write_csv):
    text = """case_id,activity,timestamp,nps,csat
s1,Survey answered,2025-01-01,10,5
s2,Survey answered,2025-01-02,9,4
s3,Survey answered,2025-01-03,8,3
s4,Survey answered,2025-01-04,6,2
s5,Survey answered,2025-01-05,3,5
s6,Survey answered,2025-01-06,11,9
"""
    log = mining.read_log(write_csv(text, "survey.csv"))
    nps = _value(log, "nps")
    assert nps.value == pytest.approx(0.0)  # 2 promoters, 2 detractors of 5 valid answers
    assert nps.denominator == 5
    assert nps.notes[0]("en") == "1 answers outside 0–10 ignored"
    assert nps.low < 0 < nps.high
    assert _value(log, "csat").value == pytest.approx(3 / 5)


# -- email KPIs ----------------------------------------------------------------------------
def test_email_rates_over_delivered_and_bounces_over_sent(emails):
    assert _value(emails, "open_rate").value == pytest.approx(2 / 5)
    clicks = _value(emails, "click_rate")
    assert (clicks.numerator, clicks.denominator) == (2, 5)
    per_email = clicks.breakdown.set_index("email")
    assert per_email.loc["e1", ["sent", "base", "events"]].tolist() == [3, 3, 1]
    assert per_email.loc["e2", ["sent", "base", "events"]].tolist() == [4, 2, 1]
    assert clicks.notes[0]("en") == "denominator: delivered emails"
    assert _value(emails, "unsubscribe_rate").value == pytest.approx(1 / 5)
    assert _value(emails, "bounce_rate").value == pytest.approx(2 / 7)
    assert "clicks" in _value(emails, "open_rate").notes[-1]("en")


def test_email_names_come_from_the_settings(emails):
    result = _value(emails, "click_rate", email_names={"e1": "welcome"})
    assert set(result.breakdown["email"]) == {"welcome", "e2"}


def test_touch_point_completion_counts_contacts(emails):
    points = {"first email": ["SENT"], "clicked": ["CLICK"]}
    result = _value(emails, "touch_point_completion", touch_points=points)
    table = result.breakdown.set_index("node")
    assert table["completed"].to_dict() == {"first email": 4, "clicked": 1}
    assert result.value == pytest.approx(1 / 4)  # a@x.org alone clicked, of 4 contacts
    assert result.details["unit"] == "contacts"
    reason = _reason(emails, "touch_point_completion").reason
    assert "touch_points" in reason("en")


# -- sales KPIs ----------------------------------------------------------------------------
def test_win_rate_with_wilson_interval_and_stages(sales):
    result = _value(sales, "win_rate")
    assert (result.value, result.numerator, result.denominator) == (0.5, 2, 4)
    assert (round(result.low, 3), round(result.high, 3)) == (0.150, 0.850)
    stages = result.breakdown.set_index("stage")
    assert stages.loc["Proposal sent", ["reached", "won", "lost"]].tolist() == [4, 2, 1]
    assert stages.loc["Proposal sent", "win_rate"] == pytest.approx(2 / 3)


def test_funnel_from_the_happy_path_reaches_later_stages_cumulatively(sales):
    result = _value(sales, "funnel_conversion")
    assert result.details["stages"] == ["Qualified", "Proposal sent", "Closed won"]
    table = result.breakdown.set_index("stage")
    assert table["reached"].tolist() == [5, 4, 2]
    assert table["conversion"].tolist() == pytest.approx([1.0, 0.8, 0.5])
    assert result.value == pytest.approx(2 / 5)
    with_stages = _value(sales, "funnel_conversion", stages=("qualified", "Closed won"))
    assert with_stages.breakdown["reached"].tolist() == [5, 2]
    assert "Nope" in _reason(sales, "funnel_conversion", stages=("Nope",)).reason("en")


def test_goal_reach_defaults_to_the_won_activity(sales):
    result = _value(sales, "goal_reach_rate")
    assert result.value == pytest.approx(2 / 5)
    assert _value(sales, "goal_reach_rate", goal=("Proposal sent",)).value == pytest.approx(4 / 5)


def test_lead_scoring_matrix_cells_and_ready_conversion(sales):
    result = _value(sales, "lead_scoring_matrix")
    assert result.value == pytest.approx(2 / 3)  # A1 won, B2 lost, A2 won
    cells = result.breakdown.set_index(["fit", "moment"])
    assert len(cells) == 30
    assert cells.loc[("A", 1), ["cases", "won"]].tolist() == [1, 1]
    assert cells.loc[("C", 3), ["cases", "won"]].tolist() == [1, 0]
    assert cells["cases"].sum() == 4  # D5 has no fit
    assert result.details["left_out"] == 1


def test_lost_deals_by_reason_and_age_and_the_revivable_ones(sales):
    lost = _value(sales, "lost_deals")
    assert lost.value == 2
    table = lost.breakdown.set_index("reason")
    assert table.loc["not ready", ["deals", "amount"]].tolist() == [1, 2000]
    assert lost.details["by_age"]["0–30 d"] == 2
    revivable = _value(sales, "revivable_deals")
    assert revivable.value == 1  # "lost to competitor" is not a timing reason
    deal = revivable.breakdown.iloc[0]
    assert deal["case_id"] == "D2"
    assert deal["age_days"] == pytest.approx(
        10 + 23 / 24
    )  # lost 10 Jan 10:00, data ends 21 Jan 09:00
    assert revivable.details["expected_revived"] == pytest.approx((0.05, 0.35))


def test_speed_to_lead_from_lead_created_to_first_call(write_csv):
    text = """case_id,activity,timestamp
l1,Lead created,2025-01-06 09:00
l1,Sales call,2025-01-06 09:30
l2,Lead created,2025-01-06 10:00
l2,Sales call,2025-01-06 13:00
l3,Lead created,2025-01-06 11:00
l3,Sales call,2025-01-07 11:00
l4,Lead created,2025-01-06 12:00
"""
    log = mining.read_log(write_csv(text, "leads.csv"))
    result = _value(log, "speed_to_lead")
    assert result.value == pytest.approx(3.0)  # 0.5, 3 and 24 hours
    assert result.details["never_touched"] == 1
    buckets = result.breakdown.set_index("bucket")["cases"]
    assert (buckets["5–60 min"], buckets["1–24 h"], buckets["never"]) == (1, 1, 1)


def test_data_quality_scores_each_record(sales):
    result = _value(sales, "data_quality")
    assert result.value == pytest.approx((4 * 1.0 + 0.75) / 5)  # D5 lacks its fit
    assert result.details["complete_records"] == 4
    fields = result.breakdown.set_index("field")["complete"]
    assert fields["fit"] == pytest.approx(0.8)
    assert fields["loss_reason (lost)"] == 1.0


# -- customer metrics ----------------------------------------------------------------------
def _purchases(write_csv, rows: list[tuple[str, str, float]], name: str) -> mining.EventLog:
    text = "case_id,activity,timestamp,customer_id,amount\n" + "".join(
        f"o{i},Purchase,{day},{customer},{amount}\n"
        for i, (customer, day, amount) in enumerate(rows)
    )
    return mining.read_log(write_csv(text, name))


def test_rfm_quintiles_and_champions(write_csv):
    rows = []
    for k in range(1, 6):  # c5 bought last, most often and most; c4 buys often but little
        for j in range(k):
            rows.append((f"c{k}", f"2025-03-{10 + k - j:02d}", 10 if k == 4 else 100 * k / k))
    rows.append(("c5", "2025-03-15", 600))
    rows.append(("c3", "2025-03-13", 100))
    log = _purchases(write_csv, rows, "rfm.csv")
    result = _value(log, "rfm")
    customers = result.details["customers"].set_index("customer")
    assert customers.loc["c5", ["R", "F", "M"]].tolist() == [5, 5, 5]
    assert customers.loc["c4", ["R", "F", "M"]].tolist() == [4, 4, 1]
    assert result.value == pytest.approx(1 / 5)
    assert customers.loc["c4", "segment"] == "loyal"


def test_cohort_retention_at_month_three(write_csv):
    rows = [
        ("k1", "2025-01-10", 10), ("k2", "2025-01-11", 10), ("k3", "2025-01-12", 10),
        ("k4", "2025-01-13", 10), ("k1", "2025-04-02", 10), ("k2", "2025-04-03", 10),
        ("k5", "2025-02-10", 10), ("k6", "2025-02-11", 10), ("k5", "2025-05-04", 10),
        ("k3", "2025-07-10", 10),
    ]  # fmt: skip
    result = _value(_purchases(write_csv, rows, "cohorts.csv"), "cohort_retention")
    table = result.breakdown.set_index("cohort")
    assert table.loc["2025-01", "m3"] == pytest.approx(0.5)
    assert table.loc["2025-02", "m3"] == pytest.approx(0.5)
    assert math.isnan(table.loc["2025-02", "m5"])  # July is not complete yet: unknown, not 0
    assert result.value == pytest.approx(0.5)


def test_clv_from_yearly_churn(write_csv):
    rows = [
        ("c1", "2024-03-01", 100), ("c2", "2024-04-01", 100), ("c3", "2024-05-01", 100),
        ("c4", "2024-06-01", 100), ("c1", "2025-03-01", 100), ("c2", "2025-04-01", 100),
        ("c5", "2025-07-04", 365), ("c6", "2023-12-01", 50), ("c6", "2025-12-31", 50),
    ]  # fmt: skip
    result = _value(_purchases(write_csv, rows, "clv.csv"), "clv")
    assert result.details["churn_per_year"] == pytest.approx(2 / 4)  # c3, c4 of c1..c4 left
    assert result.details["lifetime_years"] == pytest.approx(2.0)
    top = result.breakdown.set_index("customer")
    assert top.loc["c5", "clv"] == pytest.approx(365 * (1 / (180 / 365)) * 2)
    recent = [(c, d, 10) for c, d in (("c1", "2025-03-01"), ("c2", "2025-04-01"),
              ("c5", "2025-07-04"), ("c6", "2025-12-31"), ("c7", "2025-05-01"))]  # fmt: skip
    short = _purchases(write_csv, recent, "short.csv")
    assert "two years" in _reason(short, "clv").reason("en")


@pytest.fixture(scope="module")
def shoppers(tmp_path_factory) -> mining.EventLog:
    generator = np.random.default_rng(7)
    rows = []
    start = pd.Timestamp("2024-01-01")
    for c in range(300):
        stop = start + pd.Timedelta(days=int(generator.integers(60, 760)))  # when they leave
        day = start + pd.Timedelta(days=int(generator.integers(0, 30)))
        gap = int(generator.integers(7, 40))
        while day < min(stop, pd.Timestamp("2025-12-31")):
            rows.append(
                f"o{len(rows)},Purchase,{day.date()},cust{c},{generator.integers(20, 200)}\n"
            )
            day += pd.Timedelta(days=gap + int(generator.integers(0, 10)))
    path = tmp_path_factory.mktemp("shop") / "shop.csv"
    path.write_text("case_id,activity,timestamp,customer_id,amount\n" + "".join(rows))
    return mining.read_log(path)


def test_churn_risk_model_is_validated_out_of_time(shoppers):
    result = _value(shoppers, "churn_risk")
    for days in (30, 60):
        check = result.details["validation"][days]
        assert check["auc"] > 0.7  # recency separates those who left from those who did not
        assert 0 <= check["brier"] < check["base_rate"] * (1 - check["base_rate"]) + 0.05
        assert len(check["calibration"]) == 5
    assert 0 < result.details["risk_30d"] < result.details["risk_60d"] < 1
    assert result.breakdown.columns.tolist() == ["customer", "risk_30d", "risk_60d"]


def test_customer_metrics_say_why_without_transactions(sales):
    for kpi in ("rfm", "clv", "churn_risk", "cohort_retention"):
        reason = _reason(sales, kpi).reason
        assert "customer column" in reason("en") and "columna de cliente" in reason("es")


# -- results ------------------------------------------------------------------------------
def test_results_record_their_filters_and_period(sales):
    view = mining.FilterStack([mining.CaseAttribute("resource", ("rep1",))]).apply(sales)
    table = compute_kpis(view, period="2025-01")
    win = table["win_rate"]
    assert [f["kind"] for f in win.filters] == ["case_attribute", "time_range"]
    assert win.value == pytest.approx(1 / 2)  # rep1: D1 won, D3 lost
    data = table.to_dict("es")
    assert data["period"]["label"] == "2025-01"
    entry = next(k for k in data["kpis"] if k["id"] == "win_rate")
    assert entry["name"] == "Tasa de éxito" and entry["filter_code"][0].startswith("CaseAttribute")


def test_not_computable_is_never_zero(sales):
    table = compute_kpis(sales)
    frame = table.to_frame("es")
    missing = frame[frame["status"] == "not computable"]
    assert missing["value"].isna().all()
    assert (missing["reason"].str.len() > 20).all()
    assert {"nps", "csat", "click_rate", "consent_violations"} <= set(missing["id"])
    assert len(table.computed()) + len(table.not_computable()) == len(KPI_DEFINITIONS)


def test_an_empty_period_has_no_cases(sales):
    result = compute_kpi(sales, "win_rate", period="2024-06")
    assert isinstance(result, NotComputable)
    assert result.reason("en") == "no deal is closed yet" or "no case" in result.reason("en")


def test_public_names_are_exported():
    for name in ("compute_kpis", "KpiSettings", "build_report", "kpi_trend", "Text", "Period"):
        assert name in improvement.__all__


# -- planted facts on the samples ----------------------------------------------------------
@pytest.fixture
def email_log() -> mining.EventLog:
    return email_events()


@pytest.fixture
def sales_log() -> mining.EventLog:
    return sales_activities()


def test_samples_consent_violations_are_the_planted_25(email_log):
    result = compute_kpi(email_log, "consent_violations")
    assert (result.value, result.details["contacts"]) == (25, 25)
    assert set(result.breakdown["email"]) == {"100005", "100006"}


def test_samples_weak_email_is_flagged_under_click_rate(email_log):
    result = compute_kpi(email_log, "click_rate")
    table = result.breakdown.set_index("email")
    assert table.loc["100002", "events"] == 23
    assert round(table.loc["100002", "rate"] * 100, 1) == 0.8
    assert list(table.index[table["flagged"]]) == ["100002"]


def test_samples_loss_reasons_and_win_rate(sales_log):
    lost = compute_kpi(sales_log, "lost_deals")
    reasons = lost.breakdown.set_index("reason")["deals"].to_dict()
    assert reasons == {
        "not ready": 97,
        "no follow-up": 71,
        "no budget": 20,
        "lost to competitor": 7,
        "no rapport": 2,
        "key contact left": 1,
    }
    win = compute_kpi(sales_log, "win_rate")
    assert (win.numerator, win.denominator) == (80, 278)
    revivable = compute_kpi(sales_log, "revivable_deals")
    assert revivable.value == 97 + 71 + 20 + 1


def test_samples_cycle_time_before_and_after_the_shift(sales_log):
    before = compute_kpi(sales_log, "cycle_time", period="2025-11")
    after = compute_kpi(sales_log, "cycle_time", period="2026-01")
    assert before.value < 20 < 25 < after.value
