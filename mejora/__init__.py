"""Mejora: process mining and continuous improvement for CRM and marketing-automation logs.

This package only holds the ``mejora`` command line, a thin layer over ``mining``,
``improvement``, ``automation`` and ``dashboard``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mejora")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
