"""What Mejora finds in the bundled samples, through its public verbs: the demo's summary.

Each finding is one planted problem found the way a user would find it (the command is given),
with the number that shows it; ``tests/test_demo.py`` checks the numbers against the ground
truth in ``README.md`` here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import improvement
import mining
from automation import branch_usage, designed_waits, read_workflow, workflow_to_petri_net
from sample_logs import workflow_path

WELCOME_CAMPAIGN = 1  # campaign_id of the welcome-nurture runs in the Mautic log
WELCOME_FILTER = json.dumps(
    [{"kind": "case_attribute", "column": "campaign_id", "values": [WELCOME_CAMPAIGN]}]
)


@dataclass(frozen=True)
class Finding:
    """One problem found: what, the number behind it, and the command that shows it."""

    topic: str
    text: str
    value: float
    command: str


def _welcome(campaigns: mining.EventLog) -> mining.EventLog:
    keep = mining.CaseAttribute("campaign_id", (WELCOME_CAMPAIGN,))
    return mining.FilterStack([keep]).apply(campaigns)


def find_planted_problems(store: mining.EventStore) -> list[Finding]:
    """The demo's findings on the sample logs loaded in ``store``."""
    sales = store.load("sales_activities")
    campaigns = store.load("campaigns")
    emails = store.load("email_events")
    findings: list[Finding] = []

    pipeline = read_workflow(workflow_path("sales_pipeline"))
    result = mining.check_conformance(sales, *workflow_to_petri_net(pipeline))
    deviations = result.deviations().set_index(["kind", "activity"])
    skipped = deviations.loc[("skipped", "Demo held")]
    findings.append(
        Finding(
            "conformance",
            f"{int(skipped['cases']):,} deals skipped 'Demo held' ({skipped['share']:.0%}); "
            f"their median cycle is {skipped['impact_seconds'] / 86400:+.1f} days against the rest",
            float(skipped["cases"]),
            "mejora conformance sales_activities --model sample_logs/workflows/sales_pipeline.yaml",
        )
    )
    nurture = read_workflow(workflow_path("welcome_nurture"))
    welcome = _welcome(campaigns)
    replay = mining.check_conformance(welcome, *workflow_to_petri_net(nurture))
    usage = branch_usage(nurture, replay)
    for row in usage[usage["never_taken"]].itertuples():
        findings.append(
            Finding(
                "conformance",
                f"branch never taken: '{row.node_name}' → {row.target}: 0 of "
                f"{row.cases_at_node:,} contacts",
                float(row.cases),
                "mejora conformance campaigns --model sample_logs/workflows/welcome_nurture.yaml "
                f"--filters '{WELCOME_FILTER}'",
            )
        )
    breaches = mining.consent_violations(emails)
    findings.append(
        Finding(
            "consent",
            f"{len(breaches):,} emails went to {breaches['contact'].nunique():,} contacts after "
            "they unsubscribed or bounced",
            float(breaches["contact"].nunique()),
            "mejora consent email_events",
        )
    )
    waits = mining.waits_against_design(welcome, designed_waits(nurture))
    row = waits.set_index(["source", "target"]).loc[("Welcome email sent", "Nurture email 1 sent")]
    findings.append(
        Finding(
            "bottlenecks",
            f"the designed {row['designed_seconds'] / 86400:.0f}-day wait after the welcome email "
            f"is not a bottleneck: {row['median_excess_seconds'] / 60:.0f} min beyond the design",
            float(row["median_excess_seconds"]),
            "mejora bottlenecks campaigns --workflow sample_logs/workflows/welcome_nurture.yaml",
        )
    )
    drivers = improvement.root_cause(sales, "gap 'Qualified' -> 'Demo scheduled' > p75").drivers
    top = drivers.iloc[0]
    findings.append(
        Finding(
            "root cause",
            f"slow demo scheduling: {top['factor']} = {top['level']} is "
            f"{top['risk_ratio']:.1f}× as likely (association, not proven cause)",
            float(top["risk_ratio"]),
            "mejora rootcause sales_activities --outcome \"gap 'Qualified' -> 'Demo scheduled' "
            '> p75"',
        )
    )
    chart = improvement.kpi_control_chart(
        improvement.throughput_series(sales, freq="W"), baseline_until="2025-12-15"
    )
    after = [s for s in chart.signals if s.detected_at > chart.n_baseline]
    if after:
        first = min(after, key=lambda s: s.detected_at)
        week = chart.labels[first.detected_at - 1]
        findings.append(
            Finding(
                "control chart",
                f"weekly cycle time shifted: first signal in the week of {week} ({first.rule})",
                float(first.detected_at),
                "mejora spc sales_activities --kpi throughput --baseline-until 2025-12-15",
            )
        )
    losses = improvement.pareto_of(sales, "loss_reason", where="ends_with 'Closed lost'")
    findings.append(
        Finding(
            "pareto",
            f"{len(losses.vital_few)} of {losses.n_categories} loss reasons make "
            f"{losses.vital_share():.0%} of lost deals: {', '.join(losses.vital_few)}",
            losses.vital_share(),
            "mejora pareto sales_activities --by loss_reason --where \"ends_with 'Closed lost'\"",
        )
    )
    return findings
