"""The pure decision core: rule packs, compliance, segmentation, money rules and `decide`.

Nothing in this package imports Django, touches the database or reads a clock: time and data are arguments,
so every decision can be replayed and explained. A test enforces the import ban.
"""
