"""English, Polish, Russian and German UI (issue 3, item 7): complete catalogs and pages in every language."""

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
PO_FILES = sorted(p for p in (ROOT / "settle").rglob("*.po") if "site-packages" not in p.parts)


def _catalog(mo_bytes: bytes) -> dict:
    """The translations a .mo holds; the header is left out (compilers differ in which fields they keep)."""
    messages = dict(gettext.GNUTranslations(io.BytesIO(mo_bytes))._catalog)
    messages.pop("", None)
    return messages


def test_there_are_catalogs_for_every_language():
    shell = {p.parts[-3] for p in PO_FILES if p.is_relative_to(ROOT / "settle" / "locale")}
    assert shell == {"pl", "ru", "de"}


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_po_is_complete_and_compiled(po_path):
    """No empty or fuzzy msgstr in ANY app's catalog, and the .mo beside it is compiled from this .po."""
    with po_path.open("rb") as f:
        catalog = read_po(f)
    assert not catalog.fuzzy, f"{po_path}: the header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(strings) or len(strings) != (catalog.num_plurals if message.pluralizable else 1):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, f"{po_path}:\n" + "\n".join(problems)
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} missing: run compilemessages"
    expected = io.BytesIO()
    write_mo(expected, catalog)
    assert _catalog(mo_path.read_bytes()) == _catalog(expected.getvalue()), (
        f"{mo_path} is stale: run `django-admin compilemessages` in its app"
    )


WORDS = {"en": "Customers", "pl": "Klienci", "ru": "Клиенты", "de": "Kunden"}


@pytest.mark.parametrize("language", ["en", "pl", "ru", "de"])
def test_every_page_renders_in_each_language(language, acme, acme_book, alice, login_as):
    client = login_as(acme, "owner")
    client.cookies["django_language"] = language
    receivable = acme_book["A-1"]
    for url in ["/", "/customers/", f"/customers/{alice.pk}/", f"/customers/{alice.pk}/payments/new/",
                f"/receivables/{receivable.pk}/", "/settings/", "/settings/api-keys/"]:  # fmt: skip
        response = client.get(url)
        text = response.content.decode()
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in text and WORDS[language] in text, url


def test_the_language_switch_remembers_the_choice(acme, login_as):
    client = login_as(acme, "viewer")
    response = client.post("/i18n/setlang/", {"language": "pl", "next": "/customers/"})
    assert response.status_code == 302 and response.url == "/customers/"
    text = client.get("/customers/").content.decode()
    assert "Tylko z zaległościami" in text and "Wyloguj się" in text
