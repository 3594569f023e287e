"""Polish wording (same keys as en.py). Przypominamy, pomagamy, proponujemy plan — nigdy nie zawstydzamy."""

_SIGN = "\n\nSerdecznie pozdrawiamy,\n{{ merchant }}"
_HELP = "Jeśli coś się nie zgadza albo zapłata całej kwoty naraz jest teraz trudna, po prostu odpisz lub zajrzyj na {{ portal_link }} — możemy rozłożyć ją na mniejsze raty."

TEMPLATES = {
    "pre_due.gentle": {
        "subject": "Przyjazne przypomnienie od {{ merchant }}",
        "body": "Dzień dobry {{ name }},\n\nuprzejmie przypominamy, że termin płatności kwoty {{ balance }} mija {{ due_date }}.\n\n{{ items }}\n\nMożesz zapłacić tutaj, kiedy Ci wygodnie: {{ pay_link }}\n\nJeśli płatność została już wysłana, dziękujemy — prosimy zignorować tę wiadomość."
        + _SIGN,
        "sms": "{{ merchant }}: uprzejmie przypominamy, że {{ balance }} jest do zapłaty do {{ due_date }}. Płatność: {{ pay_link }}",
    },
    "pre_due.neutral": {
        "subject": "{{ balance }} do zapłaty do {{ due_date }}",
        "body": "Dzień dobry {{ name }},\n\nkwota {{ balance }} jest do zapłaty do {{ due_date }}:\n\n{{ items }}\n\nPłatność: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} do zapłaty do {{ due_date }}. Płatność: {{ pay_link }}",
    },
    "reminder_1.gentle": {
        "subject": "Krótkie przypomnienie o zamówieniu w {{ merchant }}",
        "body": "Dzień dobry {{ name }},\n\nwygląda na to, że płatność {{ balance }} z terminem {{ due_date }} jeszcze do nas nie dotarła — to się zdarza każdemu.\n\n{{ items }}\n\nMożesz zapłacić tutaj: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: krótkie przypomnienie, że {{ balance }} (termin {{ due_date }}) jest nadal otwarte. Płatność: {{ pay_link }} Potrzebujesz więcej czasu? Odpisz nam.",
    },
    "reminder_1.neutral": {
        "subject": "Przypomnienie: {{ balance }} z terminem {{ due_date }}",
        "body": "Dzień dobry {{ name }},\n\nwedług naszych danych kwota {{ balance }} z terminem {{ due_date }} jest nadal otwarta:\n\n{{ items }}\n\nPłatność: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} z terminem {{ due_date }} jest nadal otwarte. Płatność: {{ pay_link }}",
    },
    "reminder_1.firm": {
        "subject": "Zaległa płatność: {{ balance }} z terminem {{ due_date }}",
        "body": "Dzień dobry {{ name }},\n\nkwota {{ balance }} była płatna do {{ due_date }} i jest już po terminie. Prosimy o płatność lub informację, jeśli coś się nie zgadza.\n\n{{ items }}\n\nPłatność: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} (termin {{ due_date }}) jest po terminie. Prosimy o płatność: {{ pay_link }} lub odpowiedź.",
    },
    "reminder_2.gentle": {
        "subject": "Czy możemy pomóc w sprawie otwartego salda?",
        "body": "Dzień dobry {{ name }},\n\npisaliśmy niedawno o kwocie {{ balance }} z terminem {{ due_date }}. Jeśli to trudny moment, chętnie pomożemy.\n\n{{ items }}\n\nPłatność: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} jest nadal otwarte. Jeśli to trudny moment, odpisz — pomożemy. Płatność: {{ pay_link }}",
    },
    "reminder_2.neutral": {
        "subject": "Drugie przypomnienie: {{ balance }} otwarte od {{ due_date }}",
        "body": "Dzień dobry {{ name }},\n\nkwota {{ balance }} z terminem {{ due_date }} jest nadal otwarta:\n\n{{ items }}\n\nProsimy o płatność tutaj: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: drugie przypomnienie, {{ balance }} z terminem {{ due_date }} jest otwarte. Płatność: {{ pay_link }}",
    },
    "reminder_2.firm": {
        "subject": "Prosimy o uregulowanie {{ balance }} otwartego od {{ due_date }}",
        "body": "Dzień dobry {{ name }},\n\nkwota {{ balance }} jest otwarta od {{ due_date }}, a nie otrzymaliśmy od Ciebie odpowiedzi. Prosimy o płatność lub kontakt z nami.\n\n{{ items }}\n\nPłatność: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} otwarte od {{ due_date }}. Prosimy o płatność lub kontakt: {{ pay_link }}",
    },
    "reminder_3.neutral": {
        "subject": "Chcemy pomóc Ci uregulować {{ balance }}",
        "body": "Dzień dobry {{ name }},\n\nkwota {{ balance }} jest nadal otwarta (termin {{ due_date }}). Rozumiemy, że różnie bywa — są możliwości.\n\n{{ items }}\n\nZapłać całość: {{ pay_link }}\nMniejsze raty lub pytanie: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} jest nadal otwarte. Możemy zaproponować mniejsze raty: {{ portal_link }}",
    },
    "reminder_3.firm": {
        "subject": "Saldo {{ balance }} wymaga Twojej uwagi",
        "body": "Dzień dobry {{ name }},\n\nkwota {{ balance }} jest otwarta od {{ due_date }}. Prosimy o jej zapłatę teraz albo wybór planu spłaty, jeśli tak będzie łatwiej.\n\n{{ items }}\n\nZapłać całość: {{ pay_link }}\nPlan spłaty lub pytanie: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} otwarte od {{ due_date }}. Prosimy o płatność lub wybór planu: {{ portal_link }}",
    },
    "plan_offer.gentle": {
        "subject": "Czy mniejsze raty byłyby pomocne?",
        "body": "Dzień dobry {{ name }},\n\njeśli zapłata {{ balance }} naraz jest trudna, możesz rozłożyć ją na mniejsze miesięczne raty, bez dodatkowych kosztów.\n\n{{ items }}\n\nWybierz plan tutaj: {{ portal_link }}\nLub zapłać całość: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: możesz rozłożyć {{ balance }} na mniejsze raty bez dodatkowych kosztów: {{ portal_link }}",
    },
    "plan_offer.neutral": {
        "subject": "Plan spłaty dla {{ balance }}",
        "body": "Dzień dobry {{ name }},\n\nkwotę {{ balance }} możesz zapłacić w ratach.\n\n{{ items }}\n\nUstal plan: {{ portal_link }}\nZapłać całość: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: zapłać {{ balance }} w ratach: {{ portal_link }}",
    },
    "final_notice.firm": {
        "subject": "Ostatnie przypomnienie: {{ balance }} do {{ final_date }}",
        "body": "Dzień dobry {{ name }},\n\nkwota {{ balance }} jest otwarta od {{ due_date }}:\n\n{{ items }}\n\nProsimy o płatność do {{ final_date }}: {{ pay_link }}\n\nJeśli kwota jest błędna, daj nam znać, a sprawdzimy to. "
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: ostatnie przypomnienie, prosimy o zapłatę {{ balance }} do {{ final_date }}: {{ pay_link }}",
    },
    "final_notice.final_notice": {
        "subject": "Ostateczne wezwanie: {{ balance }} do {{ final_date }}",
        "body": "Dzień dobry {{ name }},\n\nto ostateczne wezwanie do zapłaty kwoty {{ balance }}, otwartej od {{ due_date }}:\n\n{{ items }}\n\nJeśli do {{ final_date }} nie otrzymamy płatności ani wiadomości od Ciebie, {{ merchant }} może przekazać należność firmie windykacyjnej lub dochodzić jej na drodze sądowej.\n\nPłatność: {{ pay_link }}\n\nJeśli kwestionujesz tę kwotę, daj nam znać przed {{ final_date }}; wstrzymamy działania i ją sprawdzimy. "
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: ostateczne wezwanie, {{ balance }} do {{ final_date }}. Szczegóły i możliwości: {{ portal_link }}",
    },
    "agency_handoff.final_notice": {
        "subject": "Saldo {{ balance }} zostało przekazane firmie windykacyjnej",
        "body": "Dzień dobry {{ name }},\n\nzgodnie z zapowiedzią w ostatecznym wezwaniu otwarte saldo {{ balance }} zostało przekazane firmie windykacyjnej, która się z Tobą skontaktuje.\n\n{{ items }}\n\nNadal możesz zapłacić bezpośrednio nam: {{ pay_link }}\n\nJeśli kwestionujesz tę kwotę, daj nam znać: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: saldo {{ balance }} przekazano firmie windykacyjnej. Szczegóły: {{ portal_link }}",
    },
    "fee_notice.neutral": {
        "subject": "Do salda doliczono {{ fee }}",
        "body": "Dzień dobry {{ name }},\n\ndo Twojego salda doliczono {{ fee }} ({{ fee_reason }}). Saldo wynosi teraz {{ balance }}:\n\n{{ items }}\n\nPłatność: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: doliczono {{ fee }} ({{ fee_reason }}); saldo {{ balance }}. Szczegóły: {{ portal_link }}",
    },
    "fee_notice.firm": {
        "subject": "Do zaległego salda doliczono {{ fee }}",
        "body": "Dzień dobry {{ name }},\n\nponieważ płatność jest po terminie, do Twojego salda doliczono {{ fee }} ({{ fee_reason }}). Saldo wynosi teraz {{ balance }}:\n\n{{ items }}\n\nPłatność: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: płatność po terminie, doliczono {{ fee }} ({{ fee_reason }}); saldo {{ balance }}. Płatność: {{ pay_link }}",
    },
    "promise_reminder.gentle": {
        "subject": "Przypomnienie o płatności {{ promise_date }}",
        "body": "Dzień dobry {{ name }},\n\ndziękujemy za umówienie płatności {{ promise_amount }} na {{ promise_date }}. To tylko przypomnienie.\n\nPłatność: {{ pay_link }}\n\nJeśli ten termin już nie pasuje, daj nam znać: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: przypominamy o płatności {{ promise_amount }} {{ promise_date }}. Płatność: {{ pay_link }}",
    },
    "payment_received.gentle": {
        "subject": "Dziękujemy za płatność",
        "body": "Dzień dobry {{ name }},\n\ndziękujemy — otrzymaliśmy {{ paid_amount }}.\n\nW razie pytań jesteśmy dostępni tutaj: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: dziękujemy, otrzymaliśmy {{ paid_amount }}.",
    },
}
