"""Prefect flows: one module per stage and the cycle. Orchestration only."""
