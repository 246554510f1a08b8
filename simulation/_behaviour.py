"""Who the contacts are and how they, the sales team and the automation behave in a simulation.

Everything here is a plain dataclass with documented defaults, each one overridable, plus the
*hooks*: small dataclasses that plant a known problem (a bottleneck, a skipped step, emails after
an unsubscribe...) in the simulated log. The simulator records in a ground-truth table which
hook touched which case, so analyses can be checked against the truth.

    population = Population(arrivals_per_day=20, existing_contacts=500)
    behaviour = Behaviour(hooks=[DelayOverride("pipeline", "demo_step", 3.0, region="North")])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

FITS = ("A", "B", "C", "D", "E", "F")
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _by_fit(*values: float) -> dict[str, float]:
    return dict(zip(FITS, values, strict=True))


# ------------------------------------------------------------------------------- population


@dataclass
class Population:
    """The contacts: new sign-ups arriving during the period plus an existing database.

    Each contact has an id (``C000001``...), an email, a lead-scoring grade ``fit`` (A best .. F)
    and buying ``moment`` (1 = ready to buy .. 5 = just looking), drawn independently so A1
    contacts are rare (0.25 %), a ``region``, a ``lead_source``, a ``segment`` derived from the
    fit, whether they have ``budget`` (likelier for good fits), whether their mail client
    pre-fetches images (Apple Mail Privacy Protection: every email shows an instant open) and
    whether they are a competitor (suppressed by workflows that list ``competitors``).

    New contacts arrive on each day of the period: a Poisson number with mean
    ``arrivals_per_day`` on weekdays and ``arrivals_per_day * weekend_factor`` on weekends, at
    times of day following office hours in ``timezone``. ``existing_contacts`` were created
    before the period; their last click is spread over the ``existing_last_click_days`` days
    before the start (so some of them go inactive during the period). All values are
    overridable; ids are given in order of creation.
    """

    arrivals_per_day: float = 30.0
    weekend_factor: float = 0.35
    existing_contacts: int = 2000
    existing_last_click_days: int = 180
    timezone: str = "Europe/Madrid"
    fit_weights: dict[str, float] = field(
        default_factory=lambda: _by_fit(0.05, 0.12, 0.20, 0.25, 0.20, 0.18)
    )
    moment_weights: dict[int, float] = field(
        default_factory=lambda: {1: 0.05, 2: 0.10, 3: 0.20, 4: 0.30, 5: 0.35}
    )
    region_weights: dict[str, float] = field(
        default_factory=lambda: {"North": 0.30, "South": 0.25, "East": 0.25, "West": 0.20}
    )
    lead_source_weights: dict[str, float] = field(
        default_factory=lambda: {"web": 0.50, "event": 0.15, "referral": 0.15, "paid": 0.20}
    )
    segment_by_fit: dict[str, str] = field(
        default_factory=lambda: {
            "A": "strategic",
            "B": "strategic",
            "C": "mid-market",
            "D": "mid-market",
            "E": "long-tail",
            "F": "long-tail",
        }
    )
    budget_probability: dict[str, float] = field(
        default_factory=lambda: _by_fit(0.85, 0.75, 0.60, 0.45, 0.30, 0.15)
    )
    mpp_share: float = 0.30
    competitor_share: float = 0.005
    email_domain: str = "example.com"


def _choice(rng: np.random.Generator, weights: dict, n: int) -> np.ndarray:
    keys = list(weights)
    p = np.array([float(weights[k]) for k in keys])
    if (p < 0).any() or p.sum() <= 0:
        raise ValueError(f"weights must be non-negative with a positive sum: {weights}")
    index = rng.choice(len(keys), size=n, p=p / p.sum())
    return np.array(keys, dtype=object)[index]


def _local_midnight(day: date, zone: ZoneInfo) -> int:
    """Epoch seconds of the start of ``day`` in ``zone``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp())


# Relative weight of sign-ups per local hour of day (office hours heavy).
_HOUR_WEIGHTS = np.array([0.3] * 7 + [1.0, 1.5] + [2.5] * 9 + [1.5, 1.2, 1.2, 1.0, 0.8, 0.5])


def make_contacts(population: Population, start: date, days: int, seed: int) -> pd.DataFrame:
    """The contact table for a simulation: one row per contact, in order of creation.

    Columns: contact_id, lead_id (1..n), email, fit, moment, region, lead_source, segment,
    budget, mpp, competitor, existing, created (epoch seconds, UTC) and last_click (epoch
    seconds of the last click before the period, or -1: never clicked).

    Example:
        >>> make_contacts(Population(arrivals_per_day=5, existing_contacts=10),
        ...               date(2025, 1, 1), 7, seed=1).shape[0] > 10   # doctest: +SKIP
        True
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0xC0])
    zone = ZoneInfo(population.timezone)
    period_start = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
    # new sign-ups: Poisson per day, weekday-heavy, at office-hours-heavy local times
    day_list = [start + timedelta(days=i) for i in range(days)]
    rates = np.array(
        [
            population.arrivals_per_day * (population.weekend_factor if d.weekday() >= 5 else 1)
            for d in day_list
        ]
    )
    counts = rng.poisson(rates)
    midnights = np.repeat(np.array([_local_midnight(d, zone) for d in day_list]), counts)
    n_new = int(counts.sum())
    hours = rng.choice(24, size=n_new, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    created_new = midnights + hours * 3600 + rng.integers(0, 3600, size=n_new)
    created_new = np.maximum(created_new, period_start)
    # the existing database
    n_old = int(population.existing_contacts)
    spread = max(int(population.existing_last_click_days), 1) * 86400
    last_old = period_start - rng.integers(1, spread, size=n_old)
    created_old = last_old - rng.integers(0, 365 * 86400, size=n_old)
    never = rng.random(n_old) < 0.2  # a fifth never clicked: inactivity counts from creation
    last_old = np.where(never, -1, last_old)
    created_old = np.where(never, period_start - rng.integers(1, spread, size=n_old), created_old)

    created = np.concatenate([created_old, created_new]).astype(np.int64)
    last_click = np.concatenate([last_old, np.full(n_new, -1)]).astype(np.int64)
    existing = np.concatenate([np.ones(n_old, bool), np.zeros(n_new, bool)])
    order = np.lexsort((np.arange(len(created)), created))
    created, last_click, existing = created[order], last_click[order], existing[order]
    n = len(created)

    fit = _choice(rng, population.fit_weights, n)
    unknown = sorted(set(population.fit_weights) - set(FITS))
    if unknown:
        raise ValueError(f"fit grades are A..F, not {unknown}")
    moment = _choice(rng, population.moment_weights, n).astype(np.int64)
    region = _choice(rng, population.region_weights, n)
    lead_source = _choice(rng, population.lead_source_weights, n)
    budget_p = np.array([population.budget_probability.get(f, 0.5) for f in fit])
    budget = rng.random(n) < budget_p
    mpp = rng.random(n) < population.mpp_share
    competitor = rng.random(n) < population.competitor_share
    ids = [f"C{i:06d}" for i in range(1, n + 1)]
    return pd.DataFrame(
        {
            "contact_id": ids,
            "lead_id": np.arange(1, n + 1, dtype=np.int64),
            "email": [f"{i.lower()}@{population.email_domain}" for i in ids],
            "fit": fit.astype(str),
            "moment": moment,
            "region": region.astype(str),
            "lead_source": lead_source.astype(str),
            "segment": [population.segment_by_fit.get(f, "other") for f in fit],
            "budget": budget,
            "mpp": mpp,
            "competitor": competitor,
            "existing": existing,
            "created": created,
            "last_click": last_click,
        }
    )


# -------------------------------------------------------------------------------- behaviour


@dataclass
class EmailBehaviour:
    """How contacts react to marketing emails (per send).

    - ``open_probability[fit]``: a human open; ``click_probability[fit]``: a click *given* an
      open, times ``email_click_multiplier.get(email id, 1)`` (a weak or strong email; a
      multiplier other than 1 is listed in the ground truth for the cases that got that email).
    - ``email_unsubscribe_multiplier``: ``unsubscribe_probability`` times this per email id (an
      email that drives contacts away; listed in the ground truth like the click multiplier).
    - Reaction time from delivery to the open: lognormal with median ``reaction_median_hours``
      and shape ``reaction_sigma``; the click follows the open after a lognormal delay with
      median ``click_delay_median_minutes``.
    - ``hard_bounce_probability`` and ``unsubscribe_probability`` per send: a bounced or
      unsubscribed contact is unenrolled from the workflow at that moment and gets no more
      marketing emails (unless a :class:`ConsentViolation` hook says otherwise).
    - ``bot_share``: sends that a link scanner opens and clicks within seconds; HubSpot flags
      these ``filteredEvent = true`` and workflows ignore them.
    - Contacts with ``mpp`` (Apple Mail Privacy Protection) open every delivered email within
      a minute. Such opens are not flagged unless ``mpp_opens_filtered``; unflagged they count
      as opens for ``email_open`` waits, as they do in real engines.
    """

    open_probability: dict[str, float] = field(
        default_factory=lambda: _by_fit(0.55, 0.50, 0.45, 0.38, 0.32, 0.25)
    )
    click_probability: dict[str, float] = field(
        default_factory=lambda: _by_fit(0.40, 0.35, 0.28, 0.20, 0.14, 0.08)
    )
    email_click_multiplier: dict[str, float] = field(default_factory=dict)
    email_unsubscribe_multiplier: dict[str, float] = field(default_factory=dict)
    reaction_median_hours: float = 3.0
    reaction_sigma: float = 1.3
    click_delay_median_minutes: float = 2.0
    hard_bounce_probability: float = 0.006
    unsubscribe_probability: float = 0.004
    bot_share: float = 0.03
    mpp_opens_filtered: bool = False


@dataclass
class SalesBehaviour:
    """The sales team working the workflows contacts are handed to (role ``handoff``).

    - ``reps`` reps (``rep01``...) work ``working_days`` from ``working_start`` to
      ``working_end`` in the workflow's send-window time zone (UTC without one). A new deal goes
      to the rep with the fewest open deals; a rep has at most ``capacity`` open deals, and when
      every rep is full the deal waits for the first one to close.
    - Each step takes a lognormal number of *working* hours with median
      ``stage_hours[node id]`` (``default_stage_hours`` for other nodes) and shape
      ``stage_sigma``, counted from the previous step.
    - ``win_probability[fit]`` gives the ``agreed`` attribute at the outcome decision;
      ``reply_probability[fit]`` whether a ``reply`` comes, after a lognormal delay with
      median ``reply_median_hours``.
    - A loss records a reason: ``no budget`` for contacts without budget, ``not ready`` when
      turned down before the outcome decision, otherwise drawn from ``loss_reasons`` (``no
      follow-up`` three times as likely when a reply never came).
    - ``recycle_probability``: a lost deal is handed to sales again after the workflow's
      re-enrolment cool-down (a new rotation); ``amount_median`` / ``amount_sigma`` give the
      deal amount; ``amount_change_probability``: the Salesforce history also has a row that
      only changes the amount (set aside by the importer as ``stage_unchanged``).
    - ``stage_probability``: the Salesforce ``Probability`` (%) written for each stage label
      (20 for labels not listed; an end node that is a goal is 100, any other end node 0).
    """

    reps: int = 8
    capacity: int = 40
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    working_start: str = "09:00"
    working_end: str = "18:00"
    stage_hours: dict[str, float] = field(default_factory=dict)
    default_stage_hours: float = 8.0
    stage_sigma: float = 0.7
    win_probability: dict[str, float] = field(
        default_factory=lambda: _by_fit(0.50, 0.40, 0.30, 0.20, 0.12, 0.06)
    )
    reply_probability: dict[str, float] = field(
        default_factory=lambda: _by_fit(0.75, 0.65, 0.55, 0.45, 0.35, 0.25)
    )
    reply_median_hours: float = 40.0
    reply_sigma: float = 0.9
    loss_reasons: dict[str, float] = field(
        default_factory=lambda: {
            "no follow-up": 0.20,
            "not ready": 0.15,
            "no budget": 0.15,
            "lost to competitor": 0.25,
            "no rapport": 0.15,
            "key contact left": 0.10,
        }
    )
    recycle_probability: float = 0.15
    amount_median: float = 12000.0
    amount_sigma: float = 0.8
    amount_change_probability: float = 0.3
    stage_probability: dict[str, int] = field(default_factory=dict)

    @property
    def rep_ids(self) -> list[str]:
        """``rep01``, ``rep02``..."""
        return [f"rep{i:02d}" for i in range(1, self.reps + 1)]


# ------------------------------------------------------------------------------------ hooks


def _epoch(value: date | datetime | str | None) -> int | None:
    """Epoch seconds of a date (UTC midnight), an aware datetime or ISO text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return math.floor(value.timestamp())
    return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class DelayOverride:
    """A bottleneck: node ``node_id`` takes ``multiplier`` times longer for matching cases.

    "Longer" is the delay before the node's event: a rep's working time, the automation's
    latency, a wait's duration, or a contact's reaction for a ``wait_for_event``. Filters (all
    optional): the contact's ``region`` / ``segment``, the deal's ``rep``, and ``from_date``
    (the step starts on or after it, UTC).
    """

    workflow_id: str
    node_id: str
    multiplier: float
    region: str | None = None
    rep: str | None = None
    segment: str | None = None
    from_date: date | datetime | str | None = None
    name: str = ""


@dataclass(frozen=True)
class SkipOverride:
    """A step skipped in practice: with ``probability`` the case goes straight to the node's
    successor without logging it (a ``wait_for_event`` goes to its timeout exit at once; an
    end node ends the case without its event)."""

    workflow_id: str
    node_id: str
    probability: float
    name: str = ""


@dataclass(frozen=True)
class ConsentViolation:
    """After an unsubscribe, with ``probability`` the contact stays enrolled and keeps getting
    this workflow's emails. Only cases that really got an email after the unsubscribe are
    listed in the ground truth."""

    workflow_id: str
    probability: float
    name: str = ""


@dataclass(frozen=True)
class ReworkOverride:
    """Rework: with ``probability`` an action node runs again (e.g. a proposal re-sent) after
    another step's delay, and again with the same probability (at most three repeats);
    optionally only for one ``rep``'s deals."""

    workflow_id: str
    node_id: str
    probability: float
    rep: str | None = None
    name: str = ""


@dataclass(frozen=True)
class CycleTimeShift:
    """Every delay the organisation controls (rep working time, automation latency, waits) is
    ``multiplier`` times longer for cases that start on or after ``from_date``; contacts'
    reactions and event timeouts are unchanged."""

    workflow_id: str
    from_date: date | datetime | str
    multiplier: float
    name: str = ""


@dataclass(frozen=True)
class BranchBias:
    """At decision ``node_id``, when the case would take edge number ``edge_index`` (0-based,
    in file order), with ``probability`` it takes another one instead: the next edge whose
    condition holds, else the default edge, else the first other edge (for an A/B split: the
    other edges by weight). The branch is then (almost) never taken."""

    workflow_id: str
    node_id: str
    edge_index: int
    probability: float
    name: str = ""


HOOK_TYPES = (
    DelayOverride,
    SkipOverride,
    ConsentViolation,
    ReworkOverride,
    CycleTimeShift,
    BranchBias,
)
Hook = (
    DelayOverride | SkipOverride | ConsentViolation | ReworkOverride | CycleTimeShift | BranchBias
)


def hook_name(hook: Hook, index: int) -> str:
    """The id of a hook in the ground truth: its ``name``, or ``<Kind>#<position>``."""
    return hook.name or f"{type(hook).__name__}#{index}"


@dataclass
class Behaviour:
    """Everything that drives a simulation besides the workflows and the contacts.

    - ``email`` and ``sales``: see :class:`EmailBehaviour` and :class:`SalesBehaviour`.
    - Automated steps run after a lognormal latency (median
      ``automation_delay_median_seconds``, shape ``automation_delay_sigma``): the engine's cron.
    - Goals whose activities no node logs (a nurture's ``Lead qualified by sales``) are reached
      from outside the workflow (a demo request, a sales call): with
      ``external_goal_probability[fit]`` per case, after a lognormal delay with median
      ``external_goal_median_days``; the case then leaves the workflow.
    - ``other_event_probability`` / ``other_event_median_hours``: ``wait_for_event`` events
      other than email opens / clicks and proposal replies.
    - ``inactivity_days``: the inactivity threshold when an ``inactivity`` trigger has no
      condition (otherwise it is read from ``days_since_last_click >= N``).
    - ``roles``: workflow id -> ``signup`` (every new contact enters when created),
      ``handoff`` (contacts handed to sales enter; steps are done by reps), ``inactivity``
      (contacts with no click for the threshold enter) or ``none``. Workflows not listed get
      their role from their triggers.
    - ``hooks``: the planted problems (empty: the log follows the design exactly).
    """

    email: EmailBehaviour = field(default_factory=EmailBehaviour)
    sales: SalesBehaviour = field(default_factory=SalesBehaviour)
    automation_delay_median_seconds: float = 90.0
    automation_delay_sigma: float = 0.8
    external_goal_probability: dict[str, float] = field(
        default_factory=lambda: _by_fit(0.30, 0.22, 0.12, 0.06, 0.03, 0.01)
    )
    external_goal_median_days: float = 4.0
    other_event_probability: float = 0.3
    other_event_median_hours: float = 24.0
    inactivity_days: int = 90
    roles: dict[str, str] = field(default_factory=dict)
    hooks: list[Hook] = field(default_factory=list)
