"""The web console (``okr console``): owners check in and mark their actions, ops map metrics
and watch runs, everyone sees the live report. FastAPI and Jinja2 templates shared with the
report, no JavaScript; it reads and writes the same store as the sync."""

from console.app import create_app
from console.companies import Company, CompanyProblem, open_companies

__all__ = ["Company", "CompanyProblem", "create_app", "open_companies"]
