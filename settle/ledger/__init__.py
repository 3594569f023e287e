"""What customers owe: receivables, an append-only ledger of entries, payments and their allocation."""
