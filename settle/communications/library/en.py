"""English wording. Keys are "template_key.tone"; the same keys exist in every language (tested).

Written to remind, offer help and offer a plan; never to shame or threaten (the tone guard checks it).
"""

_SIGN = "\n\nKind regards,\n{{ merchant }}"
_HELP = "If something is not right, or paying it all at once is hard right now, just reply or visit {{ portal_link }} — we can spread it into smaller payments."

TEMPLATES = {
    "pre_due.gentle": {
        "subject": "A friendly heads-up from {{ merchant }}",
        "body": "Hello {{ name }},\n\njust a friendly note that {{ balance }} is due on {{ due_date }}.\n\n{{ items }}\n\nYou can pay here whenever it suits you: {{ pay_link }}\n\nIf you have already paid, thank you and please ignore this note."
        + _SIGN,
        "sms": "{{ merchant }}: a friendly note that {{ balance }} is due on {{ due_date }}. Pay: {{ pay_link }}",
    },
    "pre_due.neutral": {
        "subject": "{{ balance }} due on {{ due_date }}",
        "body": "Hello {{ name }},\n\n{{ balance }} is due on {{ due_date }}:\n\n{{ items }}\n\nPay here: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} is due on {{ due_date }}. Pay: {{ pay_link }}",
    },
    "reminder_1.gentle": {
        "subject": "A small reminder about your order with {{ merchant }}",
        "body": "Hello {{ name }},\n\nit looks like {{ balance }} due on {{ due_date }} has not reached us yet — easy to miss, it happens to all of us.\n\n{{ items }}\n\nYou can pay here: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: a small reminder that {{ balance }} (due {{ due_date }}) is still open. Pay: {{ pay_link }} Need more time? Reply to us.",
    },
    "reminder_1.neutral": {
        "subject": "Reminder: {{ balance }} was due on {{ due_date }}",
        "body": "Hello {{ name }},\n\nour records show {{ balance }} still open, due on {{ due_date }}:\n\n{{ items }}\n\nPay here: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} due {{ due_date }} is still open. Pay: {{ pay_link }}",
    },
    "reminder_1.firm": {
        "subject": "Payment overdue: {{ balance }} was due on {{ due_date }}",
        "body": "Hello {{ name }},\n\n{{ balance }} was due on {{ due_date }} and is now overdue. Please pay it, or tell us if something is not right.\n\n{{ items }}\n\nPay here: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} was due on {{ due_date }} and is overdue. Please pay: {{ pay_link }} or reply to us.",
    },
    "reminder_2.gentle": {
        "subject": "Can we help with your open balance?",
        "body": "Hello {{ name }},\n\nwe wrote recently about {{ balance }} that was due on {{ due_date }}. If the timing is difficult, we would be glad to help.\n\n{{ items }}\n\nPay here: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} is still open. If the timing is hard, reply and we will help. Pay: {{ pay_link }}",
    },
    "reminder_2.neutral": {
        "subject": "Second reminder: {{ balance }} open since {{ due_date }}",
        "body": "Hello {{ name }},\n\n{{ balance }} due on {{ due_date }} is still open:\n\n{{ items }}\n\nPlease pay here: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: second reminder, {{ balance }} due {{ due_date }} is open. Pay: {{ pay_link }}",
    },
    "reminder_2.firm": {
        "subject": "Please settle {{ balance }} open since {{ due_date }}",
        "body": "Hello {{ name }},\n\n{{ balance }} has been open since {{ due_date }} and we have not heard from you. Please pay it or get in touch with us.\n\n{{ items }}\n\nPay here: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} open since {{ due_date }}. Please pay or contact us: {{ pay_link }}",
    },
    "reminder_3.neutral": {
        "subject": "We would like to help you settle {{ balance }}",
        "body": "Hello {{ name }},\n\n{{ balance }} is still open (due {{ due_date }}). We understand that things come up, and there are options.\n\n{{ items }}\n\nPay in full: {{ pay_link }}\nSmaller payments or a question: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} still open. We can offer smaller payments: {{ portal_link }}",
    },
    "reminder_3.firm": {
        "subject": "Your balance of {{ balance }} needs your attention",
        "body": "Hello {{ name }},\n\n{{ balance }} has been open since {{ due_date }}. Please pay it now, or choose a payment plan if that is easier.\n\n{{ items }}\n\nPay in full: {{ pay_link }}\nPayment plan or a question: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} open since {{ due_date }}. Please pay or pick a plan: {{ portal_link }}",
    },
    "plan_offer.gentle": {
        "subject": "Would smaller payments help?",
        "body": "Hello {{ name }},\n\nif paying {{ balance }} at once is hard, you can split it into smaller monthly payments, at no extra cost.\n\n{{ items }}\n\nChoose a plan here: {{ portal_link }}\nOr pay in full: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: you can split {{ balance }} into smaller payments at no extra cost: {{ portal_link }}",
    },
    "plan_offer.neutral": {
        "subject": "A payment plan for {{ balance }}",
        "body": "Hello {{ name }},\n\nyou can pay {{ balance }} in instalments.\n\n{{ items }}\n\nSet up a plan: {{ portal_link }}\nPay in full: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: pay {{ balance }} in instalments: {{ portal_link }}",
    },
    "final_notice.firm": {
        "subject": "Final reminder: {{ balance }} by {{ final_date }}",
        "body": "Hello {{ name }},\n\n{{ balance }} has been open since {{ due_date }}:\n\n{{ items }}\n\nPlease pay by {{ final_date }}: {{ pay_link }}\n\nIf this amount is wrong, tell us and we will look into it. "
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: final reminder, please pay {{ balance }} by {{ final_date }}: {{ pay_link }}",
    },
    "final_notice.final_notice": {
        "subject": "Final notice: {{ balance }} by {{ final_date }}",
        "body": "Hello {{ name }},\n\nthis is a final notice about {{ balance }}, open since {{ due_date }}:\n\n{{ items }}\n\nIf we do not receive payment or hear from you by {{ final_date }}, {{ merchant }} may pass the claim to a collection agency or take legal action to recover it.\n\nPay here: {{ pay_link }}\n\nIf you dispute this amount, please tell us before {{ final_date }}; we will pause and review it. "
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: final notice, {{ balance }} by {{ final_date }}. Details and options: {{ portal_link }}",
    },
    "agency_handoff.final_notice": {
        "subject": "Your balance of {{ balance }} has been passed to a collection agency",
        "body": "Hello {{ name }},\n\nas announced in our final notice, the open balance of {{ balance }} has been passed to a collection agency, which will contact you.\n\n{{ items }}\n\nYou can still pay us directly: {{ pay_link }}\n\nIf you dispute this amount, please tell us: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: the balance of {{ balance }} was passed to a collection agency. Details: {{ portal_link }}",
    },
    "fee_notice.neutral": {
        "subject": "Your balance now includes {{ fee }}",
        "body": "Hello {{ name }},\n\n{{ fee }} has been added to your balance ({{ fee_reason }}). Your balance is now {{ balance }}:\n\n{{ items }}\n\nPay here: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ fee }} added ({{ fee_reason }}); balance {{ balance }}. Details: {{ portal_link }}",
    },
    "fee_notice.firm": {
        "subject": "{{ fee }} added to your overdue balance",
        "body": "Hello {{ name }},\n\nas your payment is overdue, {{ fee }} has been added to your balance ({{ fee_reason }}). Your balance is now {{ balance }}:\n\n{{ items }}\n\nPlease pay here: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: payment overdue, {{ fee }} added ({{ fee_reason }}); balance {{ balance }}. Pay: {{ pay_link }}",
    },
    "promise_reminder.gentle": {
        "subject": "A reminder of your payment on {{ promise_date }}",
        "body": "Hello {{ name }},\n\nthank you for arranging to pay {{ promise_amount }} on {{ promise_date }}. This is just a reminder.\n\nPay here: {{ pay_link }}\n\nIf the date no longer works, let us know: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: a reminder of your payment of {{ promise_amount }} on {{ promise_date }}. Pay: {{ pay_link }}",
    },
    "payment_received.gentle": {
        "subject": "Thank you for your payment",
        "body": "Hello {{ name }},\n\nthank you — we have received {{ paid_amount }}.\n\nIf you have any questions, you can reach us at {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: thank you, we received {{ paid_amount }}.",
    },
}
