"""Pydantic models: stage inputs and outputs, decisions, documents. No database, no Prefect."""
