"""Russian wording (same keys as en.py). Напоминаем, помогаем, предлагаем рассрочку — никогда не стыдим."""

_SIGN = "\n\nС уважением,\n{{ merchant }}"
_HELP = "Если что-то не так или оплатить всю сумму сразу сейчас сложно, просто ответьте на это письмо или зайдите на {{ portal_link }} — мы можем разбить сумму на небольшие платежи."

TEMPLATES = {
    "pre_due.gentle": {
        "subject": "Дружеское напоминание от {{ merchant }}",
        "body": "Здравствуйте, {{ name }}!\n\nНапоминаем, что срок оплаты {{ balance }} — {{ due_date }}.\n\n{{ items }}\n\nОплатить можно здесь, когда вам удобно: {{ pay_link }}\n\nЕсли вы уже оплатили, спасибо — просто не обращайте внимания на это письмо."
        + _SIGN,
        "sms": "{{ merchant }}: напоминаем, что {{ balance }} нужно оплатить до {{ due_date }}. Оплата: {{ pay_link }}",
    },
    "pre_due.neutral": {
        "subject": "{{ balance }} к оплате до {{ due_date }}",
        "body": "Здравствуйте, {{ name }}!\n\nСумма {{ balance }} подлежит оплате до {{ due_date }}:\n\n{{ items }}\n\nОплата: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} к оплате до {{ due_date }}. Оплата: {{ pay_link }}",
    },
    "reminder_1.gentle": {
        "subject": "Небольшое напоминание о заказе в {{ merchant }}",
        "body": "Здравствуйте, {{ name }}!\n\nПохоже, оплата {{ balance }} со сроком {{ due_date }} до нас ещё не дошла — такое легко пропустить, это бывает с каждым.\n\n{{ items }}\n\nОплатить можно здесь: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: небольшое напоминание, {{ balance }} (срок {{ due_date }}) ещё не оплачено. Оплата: {{ pay_link }} Нужно больше времени? Ответьте нам.",
    },
    "reminder_1.neutral": {
        "subject": "Напоминание: {{ balance }}, срок оплаты {{ due_date }}",
        "body": "Здравствуйте, {{ name }}!\n\nПо нашим данным, сумма {{ balance }} со сроком {{ due_date }} ещё не оплачена:\n\n{{ items }}\n\nОплата: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} со сроком {{ due_date }} ещё не оплачено. Оплата: {{ pay_link }}",
    },
    "reminder_1.firm": {
        "subject": "Просрочен платёж: {{ balance }}, срок {{ due_date }}",
        "body": "Здравствуйте, {{ name }}!\n\nСрок оплаты суммы {{ balance }} истёк {{ due_date }}. Пожалуйста, оплатите её или сообщите нам, если что-то не так.\n\n{{ items }}\n\nОплата: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: срок оплаты {{ balance }} истёк {{ due_date }}. Пожалуйста, оплатите: {{ pay_link }} или ответьте нам.",
    },
    "reminder_2.gentle": {
        "subject": "Можем ли мы помочь с оплатой?",
        "body": "Здравствуйте, {{ name }}!\n\nНедавно мы писали о сумме {{ balance }} со сроком {{ due_date }}. Если сейчас непростое время, мы будем рады помочь.\n\n{{ items }}\n\nОплата: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} ещё не оплачено. Если сейчас сложно, ответьте — мы поможем. Оплата: {{ pay_link }}",
    },
    "reminder_2.neutral": {
        "subject": "Второе напоминание: {{ balance }}, срок был {{ due_date }}",
        "body": "Здравствуйте, {{ name }}!\n\nСумма {{ balance }} со сроком {{ due_date }} всё ещё не оплачена:\n\n{{ items }}\n\nПожалуйста, оплатите здесь: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: второе напоминание, {{ balance }} со сроком {{ due_date }} не оплачено. Оплата: {{ pay_link }}",
    },
    "reminder_2.firm": {
        "subject": "Просим оплатить {{ balance }}, срок был {{ due_date }}",
        "body": "Здравствуйте, {{ name }}!\n\nСумма {{ balance }} не оплачена с {{ due_date }}, и мы пока не получили от вас ответа. Пожалуйста, оплатите её или свяжитесь с нами.\n\n{{ items }}\n\nОплата: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} не оплачено с {{ due_date }}. Пожалуйста, оплатите или свяжитесь с нами: {{ pay_link }}",
    },
    "reminder_3.neutral": {
        "subject": "Мы хотим помочь вам оплатить {{ balance }}",
        "body": "Здравствуйте, {{ name }}!\n\nСумма {{ balance }} всё ещё не оплачена (срок {{ due_date }}). Мы понимаем, что обстоятельства бывают разные, и есть варианты.\n\n{{ items }}\n\nОплатить полностью: {{ pay_link }}\nНебольшие платежи или вопрос: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} ещё не оплачено. Можем предложить небольшие платежи: {{ portal_link }}",
    },
    "reminder_3.firm": {
        "subject": "Ваш остаток {{ balance }} требует внимания",
        "body": "Здравствуйте, {{ name }}!\n\nСумма {{ balance }} не оплачена с {{ due_date }}. Пожалуйста, оплатите её сейчас или выберите план платежей, если так удобнее.\n\n{{ items }}\n\nОплатить полностью: {{ pay_link }}\nПлан платежей или вопрос: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: {{ balance }} не оплачено с {{ due_date }}. Оплатите или выберите план: {{ portal_link }}",
    },
    "plan_offer.gentle": {
        "subject": "Помогут ли небольшие платежи?",
        "body": "Здравствуйте, {{ name }}!\n\nЕсли оплатить {{ balance }} сразу сложно, можно разбить сумму на небольшие ежемесячные платежи без дополнительных расходов.\n\n{{ items }}\n\nВыбрать план: {{ portal_link }}\nИли оплатить полностью: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: можно разбить {{ balance }} на небольшие платежи без доплат: {{ portal_link }}",
    },
    "plan_offer.neutral": {
        "subject": "План платежей на {{ balance }}",
        "body": "Здравствуйте, {{ name }}!\n\nСумму {{ balance }} можно оплатить частями.\n\n{{ items }}\n\nОформить план: {{ portal_link }}\nОплатить полностью: {{ pay_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: оплатите {{ balance }} частями: {{ portal_link }}",
    },
    "final_notice.firm": {
        "subject": "Последнее напоминание: {{ balance }} до {{ final_date }}",
        "body": "Здравствуйте, {{ name }}!\n\nСумма {{ balance }} не оплачена с {{ due_date }}:\n\n{{ items }}\n\nПожалуйста, оплатите до {{ final_date }}: {{ pay_link }}\n\nЕсли сумма указана неверно, сообщите нам, и мы всё проверим. "
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: последнее напоминание, пожалуйста, оплатите {{ balance }} до {{ final_date }}: {{ pay_link }}",
    },
    "final_notice.final_notice": {
        "subject": "Досудебное уведомление: {{ balance }} до {{ final_date }}",
        "body": "Здравствуйте, {{ name }}!\n\nЭто окончательное уведомление о сумме {{ balance }}, не оплаченной с {{ due_date }}:\n\n{{ items }}\n\nЕсли до {{ final_date }} мы не получим оплату или ответ от вас, {{ merchant }} может передать требование коллекторскому агентству или обратиться в суд.\n\nОплата: {{ pay_link }}\n\nЕсли вы не согласны с суммой, сообщите нам до {{ final_date }}; мы приостановим взыскание и всё проверим. "
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: окончательное уведомление, {{ balance }} до {{ final_date }}. Подробности и варианты: {{ portal_link }}",
    },
    "agency_handoff.final_notice": {
        "subject": "Задолженность {{ balance }} передана коллекторскому агентству",
        "body": "Здравствуйте, {{ name }}!\n\nКак было указано в окончательном уведомлении, задолженность {{ balance }} передана коллекторскому агентству, которое свяжется с вами.\n\n{{ items }}\n\nВы по-прежнему можете оплатить напрямую нам: {{ pay_link }}\n\nЕсли вы не согласны с суммой, сообщите нам: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: задолженность {{ balance }} передана коллекторскому агентству. Подробности: {{ portal_link }}",
    },
    "fee_notice.neutral": {
        "subject": "К остатку добавлено {{ fee }}",
        "body": "Здравствуйте, {{ name }}!\n\nК вашему остатку добавлено {{ fee }} ({{ fee_reason }}). Теперь остаток составляет {{ balance }}:\n\n{{ items }}\n\nОплата: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: добавлено {{ fee }} ({{ fee_reason }}); остаток {{ balance }}. Подробности: {{ portal_link }}",
    },
    "fee_notice.firm": {
        "subject": "К просроченному остатку добавлено {{ fee }}",
        "body": "Здравствуйте, {{ name }}!\n\nПоскольку оплата просрочена, к вашему остатку добавлено {{ fee }} ({{ fee_reason }}). Теперь остаток составляет {{ balance }}:\n\n{{ items }}\n\nОплата: {{ pay_link }}\n\n"
        + _HELP
        + _SIGN,
        "sms": "{{ merchant }}: оплата просрочена, добавлено {{ fee }} ({{ fee_reason }}); остаток {{ balance }}. Оплата: {{ pay_link }}",
    },
    "promise_reminder.gentle": {
        "subject": "Напоминание о платеже {{ promise_date }}",
        "body": "Здравствуйте, {{ name }}!\n\nСпасибо, что договорились оплатить {{ promise_amount }} {{ promise_date }}. Это просто напоминание.\n\nОплата: {{ pay_link }}\n\nЕсли эта дата больше не подходит, сообщите нам: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: напоминаем о платеже {{ promise_amount }} {{ promise_date }}. Оплата: {{ pay_link }}",
    },
    "payment_received.gentle": {
        "subject": "Спасибо за оплату",
        "body": "Здравствуйте, {{ name }}!\n\nСпасибо — мы получили {{ paid_amount }}.\n\nЕсли у вас есть вопросы, мы на связи: {{ portal_link }}"
        + _SIGN,
        "sms": "{{ merchant }}: спасибо, мы получили {{ paid_amount }}.",
    },
}
