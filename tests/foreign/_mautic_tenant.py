"""A fifth foreign tenant: a Mautic instance's ``campaign_lead_event_log`` export for campaign 3
("Bienvenida", whose definition is ``tests/fixtures/mautic/campaign_3_bienvenida.json``),
written by a small seeded generator of its own (numpy / pandas only; nothing shared with
Mejora's simulator).

Campaign 3: "Enviar email de bienvenida" (event 11) -> decision "¿Abre el email?" (12,
email.open) -> yes: "Añadir a segmento 'Interesados'" (14); no, after 3 days: "Enviar
recordatorio" (13). Mautic writes each event's row; the decision's row carries
``non_action_path_taken = 1`` when the 3 days ran out, ``system_triggered = 0`` when the
contact's own open fired it.

Planted: the contacts who open do so soon. Of the 300 leads (lead ids 5001-5300, entering
between 2024-03-04 and 2024-06-28), 62 % open: 95 % of those within 12 hours (a lognormal of
median 2 h), the rest between 30 and 60 hours. So 3 days is far longer than the reactions: the
leads who never open wait the full 3 days for their reminder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SEED = 20240304
LEADS = range(5001, 5301)
CAMPAIGN = 3
OPEN_SHARE = 0.62
WELCOME, OPENED, REMINDER, SEGMENT = (
    (11, "Enviar email de bienvenida", "action"),
    (12, "¿Abre el email?", "decision"),
    (13, "Enviar recordatorio", "action"),
    (14, "Añadir a segmento 'Interesados'", "action"),
)
COLUMNS = [
    "id", "event_id", "event_name", "event_type", "lead_id", "campaign_id", "rotation",
    "date_triggered", "is_scheduled", "trigger_date", "non_action_path_taken",
    "system_triggered", "channel", "channel_id",
]  # fmt: skip


def write_campaign_log(folder: Path, seed: int = SEED) -> tuple[Path, dict[str, Any]]:
    """Write the campaign log CSV into ``folder``; the path and the facts counted from it."""
    rng = np.random.default_rng(seed)
    first = pd.Timestamp("2024-03-04 08:00")
    span_minutes = int((pd.Timestamp("2024-06-28 20:00") - first).total_seconds() // 60)
    rows: list[list[Any]] = []
    opens_hours: list[float] = []

    def row(event: tuple[int, str, str], lead: int, when: pd.Timestamp, **extra: Any) -> None:
        event_id, name, kind = event
        email = {11: 21, 13: 22}.get(event_id)
        rows.append(
            [
                len(rows) + 1, event_id, name, kind, lead, CAMPAIGN, 1,
                when.strftime("%Y-%m-%d %H:%M:%S"), 0, extra.get("trigger", ""),
                extra.get("no_path", 0), extra.get("system", 1),
                "email" if email or event_id == 12 else "", email or (21 if event_id == 12 else ""),
            ]
        )  # fmt: skip

    for lead in LEADS:
        entry = first + pd.Timedelta(minutes=int(rng.integers(span_minutes)))
        sent = entry + pd.Timedelta(seconds=int(rng.integers(5, 120)))
        row(WELCOME, lead, sent)
        deadline = sent + pd.Timedelta(days=3)
        if rng.random() < OPEN_SHARE:
            if rng.random() < 0.95:
                hours = min(float(2.0 * np.exp(0.8 * rng.standard_normal())), 11.5)
            else:
                hours = float(rng.uniform(30, 60))
            opens_hours.append(hours)
            opened = sent + pd.Timedelta(hours=hours)
            row(OPENED, lead, opened, system=0)
            row(SEGMENT, lead, opened + pd.Timedelta(seconds=1), system=0)
        else:
            row(OPENED, lead, deadline, no_path=1, trigger=deadline.strftime("%Y-%m-%d %H:%M:%S"))
            row(REMINDER, lead, deadline + pd.Timedelta(seconds=6))
    path = folder / "mautic_campaign_lead_event_log.csv"
    frame = pd.DataFrame(rows, columns=COLUMNS).sort_values(["date_triggered", "id"])
    frame.to_csv(path, index=False, encoding="utf-8")
    hours = np.array(opens_hours)
    facts = {
        "events": len(frame),
        "leads": len(LEADS),
        "opened": len(hours),
        "waited_full_timeout": len(LEADS) - len(hours),
        "p90_open_hours": float(np.quantile(hours, 0.9)),
    }
    return path, facts
