"""The shared vocabulary between strategies (which name a template and tone) and the shipped templates.

Strategies may only name keys listed here (or a merchant's own template); the template library ships every
key × tone × language below, and a test checks that it does.
"""

TONES = ("gentle", "neutral", "firm", "final_notice")

TEMPLATE_KEYS = {
    "pre_due": "A friendly note a few days before the due date",
    "reminder_1": "First reminder after the due date",
    "reminder_2": "Second reminder",
    "reminder_3": "Third reminder, with an offer of help",
    "plan_offer": "Offer of an installment plan",
    "final_notice": "Final notice before legal action or a collection agency, with the date and the amount",
    "agency_handoff": "Notice that the debt was handed to a collection agency",
    "fee_notice": "Itemised statutory fee or interest added to the balance",
    "promise_reminder": "Reminder of a promise to pay, the day before it falls due",
    "payment_received": "Thanks for the payment",
}

LANGUAGES = ("en", "pl", "ru", "de")

CHANNELS = ("email", "sms", "webhook", "portal", "letter")
