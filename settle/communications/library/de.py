"""German wording (same keys as en.py). Erinnern, Hilfe anbieten, Ratenzahlung anbieten — nie beschämen."""

_SIGN = "\n\nFreundliche Grüße\n{{ merchant }}"
_HELP = "Wenn etwas nicht stimmt oder die Zahlung auf einmal gerade schwierig ist, antworten Sie einfach oder besuchen Sie {{ portal_link }} — wir können den Betrag in kleinere Raten aufteilen."

TEMPLATES = {
    "pre_due.gentle": {
        "subject": "Ein freundlicher Hinweis von {{ merchant }}",
        "body": "Hallo {{ name }},\n\nnur ein freundlicher Hinweis: {{ balance }} sind am {{ due_date }} fällig.\n\n{{ items }}\n\nSie können hier bezahlen, wann es Ihnen passt: {{ pay_link }}\n\nFalls Sie bereits bezahlt haben, vielen Dank — dann betrachten Sie diese Nachricht bitte als gegenstandslos."
        + _SIGN,
        "sms": "{{ merchant }}: ein freundlicher Hinweis, {{ balance }} sind am {{ due_date }} fällig. Zahlen: {{ pay_link }}",
    },
    "pre_due.neutral": {
        "subject": "{{ balance }} fällig am {{ due_date }}",
        "body": "Hallo {{ name }},\n\n{{ balance }} sind am {{ due_date }} fällig:\n\n{{ items }}\n\nZahlen: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} fällig am {{ due_date }}. Zahlen: {{ pay_link }}",
    },
    "reminder_1.gentle": {
        "subject": "Eine kleine Erinnerung zu Ihrer Bestellung bei {{ merchant }}",
        "body": "Hallo {{ name }},\n\nes sieht so aus, als wäre die Zahlung über {{ balance }}, fällig am {{ due_date }}, noch nicht bei uns angekommen — das kann jedem passieren.\n\n{{ items }}\n\nHier können Sie bezahlen: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: eine kleine Erinnerung, {{ balance }} (fällig {{ due_date }}) sind noch offen. Zahlen: {{ pay_link }} Mehr Zeit nötig? Antworten Sie uns.",
    },
    "reminder_1.neutral": {
        "subject": "Zahlungserinnerung: {{ balance }}, fällig am {{ due_date }}",
        "body": "Hallo {{ name }},\n\nlaut unseren Unterlagen sind {{ balance }}, fällig am {{ due_date }}, noch offen:\n\n{{ items }}\n\nZahlen: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }}, fällig am {{ due_date }}, sind noch offen. Zahlen: {{ pay_link }}",
    },
    "reminder_1.firm": {
        "subject": "Zahlung überfällig: {{ balance }}, fällig am {{ due_date }}",
        "body": "Hallo {{ name }},\n\n{{ balance }} waren am {{ due_date }} fällig und sind jetzt überfällig. Bitte zahlen Sie den Betrag oder sagen Sie uns, wenn etwas nicht stimmt.\n\n{{ items }}\n\nZahlen: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} (fällig {{ due_date }}) sind überfällig. Bitte zahlen: {{ pay_link }} oder antworten Sie uns.",
    },
    "reminder_2.gentle": {
        "subject": "Können wir Ihnen beim offenen Betrag helfen?",
        "body": "Hallo {{ name }},\n\nwir hatten Ihnen kürzlich wegen {{ balance }}, fällig am {{ due_date }}, geschrieben. Wenn es gerade ungünstig ist, helfen wir gern.\n\n{{ items }}\n\nZahlen: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} sind noch offen. Wenn es gerade schwierig ist, antworten Sie — wir helfen. Zahlen: {{ pay_link }}",
    },
    "reminder_2.neutral": {
        "subject": "Zweite Erinnerung: {{ balance }} offen seit {{ due_date }}",
        "body": "Hallo {{ name }},\n\n{{ balance }}, fällig am {{ due_date }}, sind weiterhin offen:\n\n{{ items }}\n\nBitte zahlen Sie hier: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: zweite Erinnerung, {{ balance }}, fällig am {{ due_date }}, sind offen. Zahlen: {{ pay_link }}",
    },
    "reminder_2.firm": {
        "subject": "Bitte begleichen Sie {{ balance }}, offen seit {{ due_date }}",
        "body": "Hallo {{ name }},\n\n{{ balance }} sind seit dem {{ due_date }} offen, und wir haben noch nichts von Ihnen gehört. Bitte zahlen Sie den Betrag oder melden Sie sich bei uns.\n\n{{ items }}\n\nZahlen: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} offen seit {{ due_date }}. Bitte zahlen oder melden Sie sich: {{ pay_link }}",
    },
    "reminder_3.neutral": {
        "subject": "Wir möchten Ihnen helfen, {{ balance }} zu begleichen",
        "body": "Hallo {{ name }},\n\n{{ balance }} sind noch offen (fällig am {{ due_date }}). Wir wissen, dass manchmal etwas dazwischenkommt, und es gibt Möglichkeiten.\n\n{{ items }}\n\nVollständig zahlen: {{ pay_link }}\nKleinere Raten oder eine Frage: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} sind noch offen. Wir können kleinere Raten anbieten: {{ portal_link }}",
    },
    "reminder_3.firm": {
        "subject": "Ihr offener Betrag von {{ balance }} braucht Ihre Aufmerksamkeit",
        "body": "Hallo {{ name }},\n\n{{ balance }} sind seit dem {{ due_date }} offen. Bitte zahlen Sie jetzt oder wählen Sie eine Ratenzahlung, wenn das einfacher ist.\n\n{{ items }}\n\nVollständig zahlen: {{ pay_link }}\nRatenzahlung oder eine Frage: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} offen seit {{ due_date }}. Bitte zahlen oder Raten wählen: {{ portal_link }}",
    },
    "plan_offer.gentle": {
        "subject": "Würden kleinere Raten helfen?",
        "body": "Hallo {{ name }},\n\nwenn es schwierig ist, {{ balance }} auf einmal zu zahlen, können Sie den Betrag ohne Zusatzkosten in kleinere Monatsraten aufteilen.\n\n{{ items }}\n\nRatenplan wählen: {{ portal_link }}\nOder vollständig zahlen: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: Sie können {{ balance }} ohne Zusatzkosten in kleinere Raten aufteilen: {{ portal_link }}",
    },
    "plan_offer.neutral": {
        "subject": "Ratenzahlung für {{ balance }}",
        "body": "Hallo {{ name }},\n\nSie können {{ balance }} in Raten zahlen.\n\n{{ items }}\n\nRatenplan einrichten: {{ portal_link }}\nVollständig zahlen: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: zahlen Sie {{ balance }} in Raten: {{ portal_link }}",
    },
    "final_notice.firm": {
        "subject": "Letzte Erinnerung: {{ balance }} bis {{ final_date }}",
        "body": "Hallo {{ name }},\n\n{{ balance }} sind seit dem {{ due_date }} offen:\n\n{{ items }}\n\nBitte zahlen Sie bis zum {{ final_date }}: {{ pay_link }}\n\nFalls der Betrag nicht stimmt, sagen Sie uns Bescheid, und wir prüfen es. "
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: letzte Erinnerung, bitte zahlen Sie {{ balance }} bis {{ final_date }}: {{ pay_link }}",
    },
    "final_notice.final_notice": {
        "subject": "Letzte Mahnung: {{ balance }} bis {{ final_date }}",
        "body": "Hallo {{ name }},\n\ndies ist die letzte Mahnung zu {{ balance }}, offen seit dem {{ due_date }}:\n\n{{ items }}\n\nWenn bis zum {{ final_date }} weder eine Zahlung noch eine Nachricht von Ihnen bei uns eingeht, kann {{ merchant }} die Forderung an ein Inkassobüro abgeben oder gerichtlich geltend machen.\n\nZahlen: {{ pay_link }}\n\nWenn Sie den Betrag bestreiten, teilen Sie uns das bitte vor dem {{ final_date }} mit; wir halten dann an und prüfen ihn. "
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: letzte Mahnung, {{ balance }} bis {{ final_date }}. Details und Möglichkeiten: {{ portal_link }}",
    },
    "agency_handoff.final_notice": {
        "subject": "Ihr offener Betrag von {{ balance }} wurde an ein Inkassobüro übergeben",
        "body": "Hallo {{ name }},\n\nwie in unserer letzten Mahnung angekündigt, wurde der offene Betrag von {{ balance }} an ein Inkassobüro übergeben, das sich bei Ihnen melden wird.\n\n{{ items }}\n\nSie können weiterhin direkt an uns zahlen: {{ pay_link }}\n\nWenn Sie den Betrag bestreiten, teilen Sie es uns mit: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: der offene Betrag von {{ balance }} wurde an ein Inkassobüro übergeben. Details: {{ portal_link }}",
    },
    "fee_notice.neutral": {
        "subject": "Ihr Saldo enthält jetzt {{ fee }}",
        "body": "Hallo {{ name }},\n\nIhrem Saldo wurden {{ fee }} hinzugefügt ({{ fee_reason }}). Der offene Betrag beträgt jetzt {{ balance }}:\n\n{{ items }}\n\nZahlen: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ fee }} hinzugefügt ({{ fee_reason }}); offen {{ balance }}. Details: {{ portal_link }}",
    },
    "fee_notice.firm": {
        "subject": "{{ fee }} zu Ihrem überfälligen Saldo hinzugefügt",
        "body": "Hallo {{ name }},\n\nda die Zahlung überfällig ist, wurden Ihrem Saldo {{ fee }} hinzugefügt ({{ fee_reason }}). Der offene Betrag beträgt jetzt {{ balance }}:\n\n{{ items }}\n\nZahlen: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: Zahlung überfällig, {{ fee }} hinzugefügt ({{ fee_reason }}); offen {{ balance }}. Zahlen: {{ pay_link }}",
    },
    "promise_reminder.gentle": {
        "subject": "Erinnerung an Ihre Zahlung am {{ promise_date }}",
        "body": "Hallo {{ name }},\n\ndanke, dass Sie die Zahlung von {{ promise_amount }} zum {{ promise_date }} zugesagt haben. Dies ist nur eine Erinnerung.\n\nZahlen: {{ pay_link }}\n\nWenn der Termin nicht mehr passt, sagen Sie uns Bescheid: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: eine Erinnerung an Ihre Zahlung von {{ promise_amount }} am {{ promise_date }}. Zahlen: {{ pay_link }}",
    },
    "payment_received.gentle": {
        "subject": "Vielen Dank für Ihre Zahlung",
        "body": "Hallo {{ name }},\n\nvielen Dank — wir haben {{ paid_amount }} erhalten.\n\nBei Fragen erreichen Sie uns hier: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: vielen Dank, wir haben {{ paid_amount }} erhalten.",
    },
}
