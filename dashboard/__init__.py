"""The Plotly Dash app for analysts, managers and admins: issue 8."""

__all__: list[str] = []
