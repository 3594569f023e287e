"""Collection cases: one open case per customer and currency, advanced by the decision engine."""
