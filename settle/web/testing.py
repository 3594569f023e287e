"""Test support for the merchant app: how to make one object of each kind a URL can name.

The tenant-isolation walk (settle/web/tests/test_isolation.py) visits every merchant-app URL of the resolver
as another merchant's owner. To fill a path parameter it looks the parameter's name up in `ID_FACTORIES`:
a function `make(merchant) -> id` that creates one object of that kind for `merchant` and returns its id.
A URL whose parameter has no factory FAILS the walk, so pages merged later are covered, not skipped.

To register a parameter from your app, add one line next to your own tests' imports, e.g. in
`settle/cases/tests/conftest.py` or at the bottom of this module:

    from settle.web.testing import ID_FACTORIES
    ID_FACTORIES["case_id"] = lambda merchant: case_open(...).pk

Factories use services only (never `objects.create` for domain rows), so the objects are real.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from itertools import count

from settle.core import clock
from settle.core.money import Money
from settle.merchants.models import Merchant

_serial = count(1)


def make_customer(merchant: Merchant) -> int:
    from settle.customers.services import customer_create

    n = next(_serial)
    return customer_create(
        merchant=merchant,
        name=f"Isolation Probe {n}",
        country="PL",
        email=f"probe{n}@example.org",
        external_id=f"probe-{merchant.pk}-{n}",
    ).pk


def make_receivable(merchant: Merchant) -> int:
    from settle.customers.models import Customer
    from settle.ledger.services import receivable_create

    customer = Customer.objects.get(pk=make_customer(merchant))
    now: datetime = clock.now()
    return receivable_create(
        merchant=merchant,
        customer=customer,
        external_id=f"probe-r-{next(_serial)}",
        amount=Money(12_345, merchant.default_currency),
        due_date=date(now.year, now.month, 1),
        issued_at=now,
    ).pk


def make_payment(merchant: Merchant) -> int:
    from settle.customers.models import Customer
    from settle.ledger.services import payment_record

    customer = Customer.objects.get(pk=make_customer(merchant))
    payment, _created = payment_record(
        merchant=merchant,
        customer=customer,
        amount=Money(5_000, merchant.default_currency),
        external_id=f"probe-p-{next(_serial)}",
    )
    return payment.pk


def make_api_key(merchant: Merchant) -> int:
    from settle.merchants.services import api_key_create

    key, _token = api_key_create(merchant=merchant, name=f"probe {next(_serial)}")
    return key.pk


def make_contact_point(merchant: Merchant) -> int:
    from settle.customers.models import ContactPoint

    return ContactPoint.objects.filter(customer_id=make_customer(merchant)).values_list("pk", flat=True)[0]


# Path-parameter name → factory. Keep names unambiguous: `customer_id`, not `id` or `pk`.
ID_FACTORIES: dict[str, Callable[[Merchant], int]] = {
    "customer_id": make_customer,
    "receivable_id": make_receivable,
    "payment_id": make_payment,
    "api_key_id": make_api_key,
    "contact_point_id": make_contact_point,
}


# URL prefixes the walk does not visit, each with its reason. Add yours with a reason if your URLs are not
# merchant-app pages (they must then have their own isolation test, e.g. the API walk or portal tokens).
SKIP_PREFIXES: dict[str, str] = {
    "admin/": "Django admin: staff only, not tenant-scoped by design",
    "api/": "the REST API has its own walk with API keys",
    "i18n/": "language switch: no merchant data",
    "static/": "static files",
    "login/": "anonymous page",
    "logout/": "ends the session",
    "healthz": "liveness probe",
    "hooks/": "signed inbound webhooks, authenticated by signature not session",
    "switch/": "chooses among the user's own memberships (tested in test_access)",
    "outreach/unsubscribe/": "public one-click unsubscribe, authenticated by a signed token (outreach tests)",
    "outreach/sms/": "Twilio webhooks, authenticated by X-Twilio-Signature (outreach tests)",
    "outreach/anymail/": "anymail's ESP tracking webhooks, authenticated by basic auth",
}
