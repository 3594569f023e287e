"""Test support for the merchant app's tenant-isolation walk (settle/web/tests/test_isolation.py).

The walk visits every merchant-app URL of the resolver as another merchant's owner. Path parameters are
filled from the ONE registry shared with the API walk: `settle.apikit.testing.ID_FACTORIES` (param name →
`make(merchant) -> id`), which imports every installed app's `testing.py`. A URL whose parameter has no
factory FAILS the walk, so pages merged later are covered, not skipped. Register yours in
`settle/<app>/testing.py` with `@register_id_factory("case_id")`.
"""

from __future__ import annotations

from itertools import count

from settle.apikit.testing import ID_FACTORIES, discover_id_factories, register_id_factory
from settle.merchants.models import Merchant

__all__ = ["ID_FACTORIES", "SKIP_PREFIXES", "discover_id_factories"]

_serial = count(1)


@register_id_factory("api_key_id")
def make_api_key(merchant: Merchant) -> int:
    from settle.merchants.services import api_key_create

    key, _token = api_key_create(merchant=merchant, name=f"probe {next(_serial)}")
    return key.pk


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
    "outreach/anymail/": "ESP tracking webhooks (django-anymail), authenticated by the ESP's signature",
    "pay/": "public pay links, authorised by the unguessable message code (tested in integrations)",
    "outreach/unsubscribe/": "one-click opt-out by signed token, no session (tested in communications)",
    "outreach/sms/": "Twilio callbacks, authenticated by Twilio's request signature (tested in communications)",
    "hooks/": "signed inbound webhooks, authenticated by signature not session",
    "switch/": "chooses among the user's own memberships (tested in test_access)",
}
