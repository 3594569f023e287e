"""Encryption of stored connection secrets (webhook signing secrets, API tokens) with Fernet.

The key comes from the environment (`SETTLE_SECRETS_KEY`, a Fernet key; several comma-separated keys rotate:
the first encrypts, all decrypt). Without it, development derives one from SECRET_KEY so a fresh checkout works;
production refuses to start without it (settings).
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _box() -> MultiFernet:
    configured = [k.strip() for k in (settings.SETTLE_SECRETS_KEY or "").split(",") if k.strip()]
    if not configured:
        derived = base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest())
        configured = [derived.decode()]
    return MultiFernet([Fernet(k) for k in configured])


def seal(secrets: dict[str, str]) -> str:
    """Encrypt a dict of secrets to a token safe to store."""
    return _box().encrypt(json.dumps(secrets, sort_keys=True).encode()).decode()


def unseal(token: str) -> dict[str, str]:
    """Decrypt what `seal` produced; an empty token is no secrets."""
    if not token:
        return {}
    return json.loads(_box().decrypt(token.encode()))
