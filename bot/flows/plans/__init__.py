"""Improvement plans: what IT leads commit to change about a figure, its owner and due date."""
