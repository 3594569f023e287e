"""The navigation bar is assembled from the apps: each AppConfig may list `nav_items`.

`nav_items = [(order, "namespace:url-name", label, minimum_role)]`; a user sees the items their role allows.
"""

from __future__ import annotations

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from settle.web.access import current_membership


def nav(request):
    """Template context processor: `nav_items` (label, url, active) and the user's memberships."""
    membership = current_membership(request) if hasattr(request, "user") else None
    if membership is None:
        return {}
    entries = []
    for config in apps.get_app_configs():
        entries.extend(getattr(config, "nav_items", ()))
    items = []
    for _order, name, label, role in sorted(entries, key=lambda e: e[0]):
        if not membership.allows(role):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": False})
    # The longest matching URL wins, so /settings/api-keys/ marks "API keys", not also "Settings".
    matching = [
        i for i in items if (request.path == "/" if i["url"] == "/" else request.path.startswith(i["url"]))
    ]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    memberships = list(membership.user.memberships.select_related("merchant").order_by("merchant__name"))
    return {"nav_items": items, "current_merchant": membership.merchant, "memberships": memberships}
