"""A person's own settings: ``/touchpoint settings`` (``settings`` in Teams)."""
