"""The pages, in menu order. Each module has ``PATH``, ``ORDER``, ``NAME`` (an i18n key),
optionally ``ROLE`` (who sees it in the menu; default analyst), ``layout(**kwargs)`` and its
callbacks; ``create_app`` registers them with ``dash.register_page``."""

from dashboard.pages import (
    conformance,
    data,
    improvement,
    open_cases,
    overview,
    process_map,
    reports,
    suggestions,
    users,
    variants,
)

PAGES = (
    overview,
    process_map,
    variants,
    conformance,
    improvement,
    open_cases,
    data,
    suggestions,
    reports,
    users,
)

__all__ = ["PAGES"]
