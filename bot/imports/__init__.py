"""Imports: history loaded from files through the same flows live events go through."""
