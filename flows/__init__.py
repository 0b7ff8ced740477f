"""Prefect flows of the sales-funnel pipeline (one flow per module)."""
