"""Debtors: the merchant's customers, where they live (for contact rules) and how to reach them."""
