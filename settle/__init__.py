"""Settle: ethical, compliant collection of overdue e-commerce payments."""
