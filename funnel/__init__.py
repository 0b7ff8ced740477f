"""Sales-funnel data warehouse: extract contract, loader, generator and pipeline tooling."""

__version__ = "0.1.0"
