"""Flows: one module per feature holding its domain logic, free of any platform type."""
