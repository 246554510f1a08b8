"""Every command of ``mejora``: which module provides it and the first paragraph of its
help, so ``--help`` lists them without importing the packages. Written by ``make
catalogue``; tests/test_cli_startup.py checks that it matches the commands."""

# ruff: noqa: E501

COMMANDS: dict[str, dict[str, str]] = {
    "import": {
        "provider": "mining.cli",
        "help": "Import an event log into the store, validating every row; shows what its columns and activity labels mean (the vocabulary) and how to correct it.",
    },
    "logs": {"provider": "mining.cli", "help": "List the logs in the store."},
    "info": {
        "provider": "mining.cli",
        "help": "Counts, column mapping, attributes and quarantine of one stored log.",
    },
    "vocabulary": {
        "provider": "mining.cli",
        "help": "Show a stored log's vocabulary (which column is the contact, which labels are sends, unsubscribes...) or correct it with --role, --event-kind or --vocabulary FILE.",
    },
    "variants": {
        "provider": "mining.cli",
        "help": "Variants (distinct activity sequences) with their number of cases, most frequent first.",
    },
    "dfg": {
        "provider": "mining.cli",
        "help": "Directly-follows graph: edges with frequency and times, start and end activities.",
    },
    "discover": {
        "provider": "mining.cli",
        "help": "Discover the process: a process map with sliders, or a model (inductive, heuristics).",
    },
    "consent": {
        "provider": "mining.cli",
        "help": "Emails sent after the contact unsubscribed, bounced or reported spam (consent breaches), and with --opt-in, emails sent before the contact opted in.",
    },
    "stats": {
        "provider": "mining.cli",
        "help": "Process statistics: times per activity, throughput per case, rework per resource.",
    },
    "quarantine": {
        "provider": "mining.cli",
        "help": "Show or export the rows kept aside when a log was imported.",
    },
    "spc": {
        "provider": "improvement.cli",
        "help": "Control chart of a log KPI or a CSV column: limits, run-rule signals, what they mean.",
    },
    "capability": {
        "provider": "improvement.cli",
        "help": "Process capability against specification limits: Cp, Cpk, Pp, Ppk, DPMO, sigma level.",
    },
    "pareto": {
        "provider": "improvement.cli",
        "help": "Pareto: the few categories that make up most of the cases, events or value.",
    },
    "rootcause": {
        "provider": "improvement.cli",
        "help": "Root cause: which kinds of case have the outcome more often (association, not proof).",
    },
    "takt": {
        "provider": "improvement.cli",
        "help": "Lean: takt time vs cycle time per step, value-added share, and the constraint (TOC).",
    },
    "kpis": {
        "provider": "improvement.cli",
        "help": "Every KPI of the catalogue on a stored log: value, 95 % interval, target, status; the KPIs that cannot be computed say why.",
    },
    "demo": {
        "provider": "sample_logs.cli",
        "help": "The main job on the bundled data: load the samples, show what the process looks like and the top-ranked results of the general analyses (suggestions, consent, drift, Pareto).",
    },
    "conformance": {
        "provider": "automation.cli",
        "help": "Fitness of every case against the design, the deviations (skipped / unexpected / out of order) with their effect on throughput time, and designed branches no case takes.",
    },
    "bottlenecks": {
        "provider": "automation.cli",
        "help": "Where time goes beyond the design: each path's median gap minus its designed wait.",
    },
    "suggest": {
        "provider": "automation.cli",
        "help": "Ranked change suggestions for a workflow from its log, each with evidence, impact, risk and a ChangeSet; saved in the workflow store so `whatif` and `apply` find them by id.",
    },
    "whatif": {
        "provider": "automation.cli",
        "help": "Estimate a suggestion's effect: simulate the current and the changed workflow with the behaviour fitted from the log, over several seeds (or, for what the simulator cannot represent, replay the stored log).",
    },
    "apply": {
        "provider": "automation.cli",
        "help": "Apply a suggestion: its ChangeSet on the revision it was computed on, saved as a new draft revision (refused if the workflow moved since). Activate it with `mejora activate`.",
    },
    "activate": {
        "provider": "automation.cli",
        "help": "Make a revision live (refused if newer revisions exist: use rollback to go back).",
    },
    "rollback": {
        "provider": "automation.cli",
        "help": "Restore an old revision's design as a new revision and make it live.",
    },
    "history": {
        "provider": "automation.cli",
        "help": "Every revision (status, live or not, who applied which suggestion) and the audit trail.",
    },
    "diff": {
        "provider": "automation.cli",
        "help": "What changed between two revisions: nodes, edges, goals and settings.",
    },
    "export-n8n": {
        "provider": "automation.cli",
        "help": "Write a revision as n8n workflow JSON (import it in n8n; no network call is made).",
    },
    "before-after": {
        "provider": "automation.cli",
        "help": "Did the change work? The KPI before and after the revision went live: control chart with the change as phase boundary, a test on the cases, and the verdict.",
    },
    "report": {
        "provider": "automation.cli",
        "help": "The manager report of a stored log for a period, in Spanish or English, as one HTML file (figures embedded, opens offline) or a PDF; with --workflow, the workflow's suggested changes too.",
    },
    "open": {
        "provider": "automation.cli",
        "help": "The cases still open at the log's end, stuck ones first: how long each has been in its step against the design or the history, its predicted close and loss probability, and the amount at risk.",
    },
    "dashboard": {
        "provider": "dashboard.cli",
        "help": "Serve the dashboard. On first start it creates the user 'admin' with a random password (printed once) and, with an empty store, loads the example logs.",
    },
    "sample": {"provider": "sample_logs.cli", "help": "Bundled sample logs."},
    "workflow": {
        "provider": "automation.cli",
        "help": "Designed workflows: validate, lint, show; import from and export to the platforms.",
    },
    "user": {"provider": "dashboard.cli", "help": "Dashboard users and their roles."},
}
