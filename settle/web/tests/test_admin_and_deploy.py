"""Django admin covers every model, and the production settings pass `check --deploy` (issue 3, item 7)."""

import os
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.contrib import admin

ROOT = Path(__file__).resolve().parents[3]


def test_every_settle_model_is_registered_in_the_admin():
    missing = [
        f"{model._meta.app_label}.{model.__name__}"
        for model in apps.get_models()
        if model.__module__.startswith("settle.") and not admin.site.is_registered(model)
    ]
    assert not missing, f"register these in their app's admin.py: {', '.join(missing)}"


def test_admin_changelists_render(admin_client, acme, alice):
    for model in apps.get_models():
        if not model.__module__.startswith("settle."):
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "SETTLE_ENV": "production",
        "SECRET_KEY": "x" * 20 + "-production-secret-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "settle.example.com",
        "SETTLE_SECRETS_KEY": "x" * 43 + "=",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "SETTLE_VAR_DIR": str(tmp_path),
    }
    env.pop("CI", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
