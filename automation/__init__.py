"""Designed workflows as data, suggestions and safe apply / rollback: issues 3 and 7."""

__all__: list[str] = []
