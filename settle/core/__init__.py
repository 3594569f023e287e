"""Pure building blocks (Money, Clock). Nothing here may import Django: a test enforces it."""
