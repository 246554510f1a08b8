"""Continuous-improvement statistics (control charts, capability, Pareto, root cause): issue 5."""

__all__: list[str] = []
