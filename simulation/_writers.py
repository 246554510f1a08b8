"""The simulator's file writers: Mautic campaign log, HubSpot email events, Salesforce history."""

from __future__ import annotations

import csv
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from simulation._engine import Simulation, _Meta

_HS_TYPES = ("SENT", "DELIVERED", "BOUNCE", "OPEN", "OPEN", "CLICK", "STATUSCHANGE", "OPEN")
_HS_TYPES += ("CLICK",)
_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
)
_MPP_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
)
_BOT_AGENT = "Mozilla/5.0 (compatible; link-scanner/2.1; +https://scanner.example.net)"


def _event_id(message: int, kind: int) -> str:
    """A UUID-shaped (version 4), deterministic HubSpot event id."""
    value = (message << 8) | kind
    return f"{value >> 48:08x}-0000-4000-8000-{value & 0xFFFF_FFFF_FFFF:012x}"


def _per_node(events: pd.DataFrame, meta: _Meta, get: Any) -> list[np.ndarray]:
    """Columns of ``get(workflow_id, node_id)`` (a tuple) for each event, computed per node."""
    flows = events["workflow_id"].cat.codes.to_numpy().astype(np.int64)
    nodes = events["node_id"].cat.codes.to_numpy().astype(np.int64)
    keys, inverse = np.unique(flows * 1_000_000 + nodes, return_inverse=True)
    flow_names = events["workflow_id"].cat.categories
    node_names = events["node_id"].cat.categories
    values = [get(flow_names[k // 1_000_000], node_names[k % 1_000_000]) for k in keys.tolist()]
    width = len(values[0]) if values else 6
    return [np.asarray([v[i] for v in values], dtype=object)[inverse] for i in range(width)]


def write_mautic_campaign_log(sim: Simulation, path: str | Path) -> int:
    """Body of :meth:`Simulation.write_mautic_campaign_log` (documented there)."""
    meta = sim._meta
    events = sim.events[sim.events["workflow_id"].isin(list(meta.campaign))]
    info = _per_node(
        events, meta, lambda flow, node: (*meta.nodes[(flow, node)], meta.campaign[flow])
    )
    stamps = _text_times(events["timestamp"], " ")
    lead = sim.contacts.set_index("contact_id")["lead_id"]
    frame = pd.DataFrame(
        {
            "id": np.arange(1, len(events) + 1),
            "event_id": info[0],
            "event_name": events["activity"].astype(str).to_numpy(),
            "event_type": info[1],
            "lead_id": lead.reindex(events["contact_id"]).to_numpy(),
            "campaign_id": info[5],
            "rotation": events["rotation"].to_numpy(),
            "date_triggered": stamps,
            "is_scheduled": 0,
            "trigger_date": stamps,
            "non_action_path_taken": 0,
            "system_triggered": info[2],
            "channel": info[3],
            "channel_id": info[4],
        }
    )
    frame.to_csv(path, index=False, lineterminator="\n")
    return len(frame)


def write_hubspot_email_events(sim: Simulation, path: str | Path) -> int:
    """Body of :meth:`Simulation.write_hubspot_email_events` (documented there)."""
    meta = sim._meta
    sends = meta.sends
    recipients = [json.dumps(str(r)) for r in sim.contacts["email"]]
    email_ids = list(meta.email_campaign)
    parts = []  # (second, message, kind)
    for kind, column in enumerate((3, 4, 5, 6, 7, 8, 9, 10)):
        times = sends[:, column]
        (where,) = np.nonzero(times >= 0)
        parts.append(np.stack([times[where], where + 1, np.full(len(where), kind)], axis=1))
    bot = sends[:, 10]
    (where,) = np.nonzero(bot >= 0)
    parts.append(np.stack([bot[where] + 1 + where % 3, where + 1, np.full(len(where), 8)], 1))
    table = np.concatenate(parts)
    ms = table[:, 0] * 1000 + (table[:, 1] * 389 + table[:, 2] * 131) % 1000
    order = np.lexsort((table[:, 2], table[:, 1], ms))
    table, ms = table[order], ms[order]
    sent_ms = (sends[:, 3] * 1000 + (np.arange(1, len(sends) + 1) * 389) % 1000).tolist()
    common = [  # what every event of a message repeats
        f'"recipient": {recipients[c]}, '
        f'"emailCampaignId": {meta.email_campaign[email_ids[e]]}, "appName": "Automation", '
        f'"portalId": 62515, "sentBy": {{"id": "{_event_id(m, 0)}", '
        f'"created": {sent_ms[m - 1]}}}'
        for m, (c, e) in enumerate(sends[:, 1:3].tolist(), 1)
    ]
    emails = [email_ids[e] for e in sends[:, 2].tolist()]
    filtered = ["false"] * 9
    filtered[7] = filtered[8] = "true"
    if meta.mpp_filtered:
        filtered[3] = "true"
    extras: dict[tuple[int, str, int], str] = {}
    lines: list[str] = []
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for (_, message, kind), created in zip(table.tolist(), ms.tolist(), strict=True):
            key = (kind, emails[message - 1], message % len(_AGENTS))
            extra = extras.get(key)
            if extra is None:
                extra = extras[key] = _hs_extra(*key)
            lines.append(
                f'{{"id": "{_event_id(message, kind)}", "created": {created}, '
                f'"type": "{_HS_TYPES[kind]}", {common[message - 1]}, '
                f'"filteredEvent": {filtered[kind]}{extra}}}\n'
            )
            if len(lines) >= 100_000:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)
    return len(table)


def write_salesforce_opportunity_history(sim: Simulation, path: str | Path) -> int:
    """Body of :meth:`Simulation.write_salesforce_opportunity_history` (documented there)."""
    meta = sim._meta
    events = sim.events[sim.events["workflow_id"].isin(meta.sales_flows)]
    case_order = pd.Index(sim.cases["case_id"]).get_indexer(events["case_id"])
    grouped = np.lexsort((np.arange(len(events)), case_order))  # by case, in time order
    case_order = case_order[grouped].tolist()
    stamps = _seconds(events["timestamp"])[grouped].tolist()
    stages = events["activity"].astype(str).to_numpy()[grouped].tolist()
    reps = events["resource"].astype(str).to_numpy()[grouped].tolist()
    case_ids = sim.cases["case_id"].tolist()
    amounts = sim.cases["amount"].tolist()
    expected = (sim.cases["start"] + pd.Timedelta(days=30)).dt.strftime("%Y-%m-%d").tolist()
    rng = random.Random((sim.seed << 8) | 0x5F)
    rows: list[tuple[int, int, int, list[str]]] = []
    bounds = [i for i in range(1, len(case_order)) if case_order[i] != case_order[i - 1]]
    for lo, hi in zip([0, *bounds], [*bounds, len(case_order)], strict=True):
        if lo >= hi:
            continue
        case = case_order[lo]
        case_id, amount, close = case_ids[case], float(amounts[case]), expected[case]
        times = stamps[lo:hi]
        extra = -1
        if len(times) > 1 and rng.random() < meta.amount_change_probability:
            gaps = [j for j in range(len(times) - 1) if times[j + 1] - times[j] >= 2]
            if gaps:
                extra = gaps[int(rng.random() * len(gaps))]
        previous = None
        for j in range(hi - lo):
            t, stage, rep = times[j], stages[lo + j], reps[lo + j]
            if stage == previous:  # the same stage again (rework): a revised amount
                amount = _revise(amount, rng)
            row = _sf_row(sim, case_id, stage, amount, t, rep, close)
            rows.append((t, case, 2 * j, row))
            previous = stage
            if j == extra:  # a change of the amount only
                between = t + 1 + int(rng.random() * (times[j + 1] - t - 1))
                amount = _revise(amount, rng)
                row = _sf_row(sim, case_id, stage, amount, between, rep, close)
                rows.append((between, case, 2 * j + 1, row))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    header = [
        "Id",
        "OpportunityId",
        "StageName",
        "Amount",
        "CloseDate",
        "Probability",
        "ExpectedRevenue",
        "ForecastCategory",
        "CreatedById",
        "CreatedDate",
        "IsDeleted",
        "SystemModstamp",
    ]
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for n, (_, _, _, row) in enumerate(rows, 1):
            writer.writerow([f"008{n:012d}AAA", *row])
    return len(rows)


def _sf_row(sim: Simulation, case_id, stage, amount, t, rep, expected) -> list[str]:
    meta = sim._meta
    if stage in meta.closed:
        probability = meta.stage_probability.get(stage, 100 if meta.closed[stage] else 0)
        close = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")
    else:
        probability = meta.stage_probability.get(stage, 20)
        close = expected
    if stage in meta.closed:
        forecast = "Closed" if probability >= 100 else "Omitted"
    else:
        forecast = (
            "Commit" if probability >= 70 else "BestCase" if probability >= 40 else "Pipeline"
        )
    stamp = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return [
        case_id,
        stage,
        f"{amount:.2f}",
        close,
        str(probability),
        f"{amount * probability / 100:.2f}",
        forecast,
        rep,
        stamp,
        "false",
        stamp,
    ]


def _revise(amount: float, rng: random.Random) -> float:
    return max(100.0, round(amount * (0.85 + 0.25 * rng.random()), -2))


def _seconds(stamps: pd.Series) -> np.ndarray:
    """Epoch seconds of a UTC timestamp column, whatever its resolution."""
    return np.asarray(stamps.dt.as_unit("s").array.asi8, dtype=np.int64)


def _text_times(stamps: pd.Series, sep: str) -> np.ndarray:
    text = np.datetime_as_string(_seconds(stamps).astype("datetime64[s]"), unit="s")
    return np.char.replace(text.astype(str), "T", sep)


def _hs_extra(kind: int, email: str, message: int) -> str:
    if kind == 0:
        return ""
    if kind == 1:
        return ', "response": "250 2.0.0 OK"'
    if kind == 2:
        return (
            ', "category": "UNKNOWN_USER", "status": "5.1.1", '
            '"response": "550 5.1.1 The email account does not exist"'
        )
    if kind == 3:
        return f', "userAgent": "{_MPP_AGENT}", "browser": {{"name": "Apple Mail"}}'
    if kind == 4:
        return f', "userAgent": "{_AGENTS[message % len(_AGENTS)]}"'
    if kind in (5, 8):
        agent = _BOT_AGENT if kind == 8 else _AGENTS[message % len(_AGENTS)]
        return f', "url": "https://www.example.com/{email}", "userAgent": "{agent}"'
    if kind == 6:
        return (
            ', "source": "SOURCE_RECIPIENT", "changeType": "SUBSCRIPTION", '
            '"portalSubscriptionStatus": "UNSUBSCRIBED", '
            '"subscriptions": [{"id": 1, "status": "UNSUBSCRIBED"}]'
        )
    return f', "userAgent": "{_BOT_AGENT}"'
