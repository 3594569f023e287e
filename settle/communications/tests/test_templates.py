import pytest

from settle.communications import catalog
from settle.communications.render import (
    TONE_FALLBACK,
    library,
    render,
    sample_context,
    shipped_tones,
    shipped_wording,
)
from settle.communications.services import template_save
from settle.communications.tone_guard import tone_findings
from settle.customers.validation import FieldError

ALL = [(lang, key, tone) for lang in catalog.LANGUAGES for (key, tone) in library("en")]


def test_every_key_ships_in_every_language_with_the_same_tones():
    assert {key for key, _tone in library("en")} == set(catalog.TEMPLATE_KEYS)
    for lang in catalog.LANGUAGES:
        assert set(library(lang)) == set(library("en")), lang
    assert shipped_tones("final_notice") == ("firm", "final_notice")


@pytest.mark.parametrize("key", sorted(catalog.TEMPLATE_KEYS))
@pytest.mark.parametrize("tone", catalog.TONES)
def test_any_key_and_tone_an_engine_names_resolves_to_a_shipped_template(key, tone):
    wording, used = shipped_wording(key, tone, "de")
    assert used == next(t for t in TONE_FALLBACK[tone] if t in shipped_tones(key))
    assert wording is library("de")[(key, used)]


@pytest.mark.parametrize(("lang", "key", "tone"), ALL)
def test_shipped_template_renders_whole_and_passes_the_tone_guard(lang, key, tone):
    wording = library(lang)[(key, tone)]
    for source in (wording.subject, wording.body, wording.sms):
        assert tone_findings(source, template_key=key, tone=tone) == []
    rendered = render(wording=wording, context=sample_context("PLN"), locale=lang, name="Alicja",
                      merchant_name="Acme", code="c0de", verify_html=True)  # fmt: skip
    assert "\x00" not in rendered.text + rendered.html + rendered.subject + rendered.sms
    assert "Alicja" in rendered.text and "Acme" in rendered.text
    assert "{{" not in rendered.text


def test_amounts_and_dates_are_formatted_in_the_customers_language():
    ctx = sample_context("PLN")
    out = {lang: render(wording=library(lang)[("reminder_1", "neutral")], context=ctx, locale=lang, name="A",
                        merchant_name="Acme", code="x").text for lang in catalog.LANGUAGES}  # fmt: skip
    assert "PLN129.50" in out["en"]
    assert "November 14, 2026" in out["en"]
    assert "129,50\xa0zł" in out["pl"] and "14 listopada 2026" in out["pl"]
    assert "129,50\xa0PLN" in out["ru"] and "14 ноября 2026" in out["ru"]
    assert "129,50\xa0PLN" in out["de"] and "14. November 2026" in out["de"]
    assert "- #1042  14 listopada 2026  89,50\xa0zł" in out["pl"]  # itemised balance


@pytest.mark.parametrize(
    ("text", "category", "phrase"),
    [
        ("We will take legal action if you do not pay.", "legal_threat", "legal action"),
        ("Sprawa trafi do sądu.", "legal_threat", "sądu"),
        ("Мы передадим дело коллекторам.", "legal_threat", "коллекторам"),
        ("Wir übergeben die Forderung an ein Inkassobüro.", "legal_threat", "Inkassobüro"),
        ("You should be ashamed, this is irresponsible.", "shaming", "irresponsible"),
        ("Powinieneś się wstydzić.", "shaming", "wstydzić"),
        ("Это позор.", "shaming", "позор"),
        ("Sie sollten sich schämen.", "shaming", "schämen"),
        ("Pay immediately!", "false_urgency", "immediately"),
        ("Zapłać natychmiast.", "false_urgency", "natychmiast"),
        ("Оплатите срочно.", "false_urgency", "срочно"),
        ("Zahlen Sie sofort.", "false_urgency", "sofort"),
        ("Non-payment is a criminal offence.", "misleading_legal", "criminal"),
        ("Grozi Ci areszt.", "misleading_legal", "areszt"),
        ("Это уголовное преступление.", "misleading_legal", "уголовное"),
        ("Wir erstatten Strafanzeige.", "misleading_legal", "Strafanzeige"),
        ("We will call your employer.", "third_party", "your employer"),
        ("Skontaktujemy się z pracodawcą.", "third_party", "pracodawcą"),
        ("Мы сообщим вашему работодателю.", "third_party", "работодателю"),
        ("Wir informieren Ihren Arbeitgeber.", "third_party", "Arbeitgeber"),
        ("Get 20% off your next order!", "marketing", "20% off"),
        ("Nowa promocja już jest!", "marketing", "promocja"),
        ("Скидка 10% на следующий заказ!", "marketing", "Скидка"),
        ("Jetzt mit Gutschein sparen!", "marketing", "Gutschein"),
    ],
)
def test_tone_guard_points_at_the_offending_phrase_in_four_languages(text, category, phrase):
    findings = tone_findings(text, template_key="reminder_2", tone="firm")
    assert [(f.category, f.phrase) for f in findings] == [(category, phrase)]
    assert text[findings[0].start : findings[0].end] == phrase


def test_legal_consequences_may_be_named_only_at_the_final_notice_step():
    text = "we may pass the claim to a collection agency or take legal action"
    assert [f.phrase for f in tone_findings(text, template_key="reminder_3", tone="firm")] == [
        "collection agency", "legal action"]  # fmt: skip
    assert tone_findings(text, template_key="final_notice", tone="final_notice") == []
    assert tone_findings(text, template_key="reminder_3", tone="final_notice") == []


GOOD = {"template_key": "reminder_1", "tone": "gentle", "locale": "en", "subject": "Hi {{ name }}",
        "body": "Hello {{ name }}, {{ balance }} is open.\n\n{{ items }}\n\nPay: {{ pay_link }}"}  # fmt: skip


def test_template_save_accepts_a_kind_template(acme):
    saved = template_save(merchant=acme, **GOOD)
    assert (saved.merchant, saved.template_key, saved.subject) == (acme, "reminder_1", "Hi {{ name }}")


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"body": "Hello {{ nmae }}"}, "body", "unknown variable: nmae"),
        ({"body": "Hello <b>{{ name }}"}, "body", "broken HTML: <b> is never closed"),
        ({"body": "Hello </i>{{ name }}"}, "body", "broken HTML: unexpected </i>"),
        ({"body": "{% if x %}hi{% endif %}"}, "body", "template tags"),
        ({"subject": "Pay immediately, {{ name }}"}, "subject", "creates false urgency: “immediately”"),
        ({"body": "We will tell your family, {{ name }}."}, "body", "third parties"),
        ({"tone": "angry"}, "tone", "must be one of"),
    ],
)
def test_template_save_refuses_what_cannot_be_sent_whole_or_kindly(acme, change, field, reason):
    with pytest.raises(FieldError) as err:
        template_save(merchant=acme, **{**GOOD, **change})
    assert err.value.field == field and reason in err.value.reason


@pytest.mark.parametrize("lang", ["pl", "ru", "de"])
def test_every_page_string_is_translated(lang):
    from pathlib import Path

    from babel.messages.pofile import read_po

    with (Path(__file__).parents[1] / "locale" / lang / "LC_MESSAGES" / "django.po").open("rb") as f:
        catalog = read_po(f)
    assert not catalog.fuzzy
    messages = [m for m in catalog if m.id]
    assert len(messages) > 40 and all(m.string and not m.fuzzy for m in messages)


def test_channel_config_is_checked_against_the_channels_schema(acme):
    from settle.communications.services import channel_config_set

    with pytest.raises(FieldError) as err:
        channel_config_set(merchant=acme, kind="sms", settings={"acount_sid": "AC1"}, secret="t")
    assert err.value.field == "settings" and "unknown setting for sms: acount_sid" in err.value.reason
    assert channel_config_set(merchant=acme, kind="sms", settings={"account_sid": "AC1"}, secret="t").pk


def test_every_message_step_of_the_shipped_strategies_has_its_own_tone_in_every_language():
    """A firm strategy must send firm wording, not the nearest tone's: no fallback for the shipped ladders."""
    from settle.cases.strategies import DEFAULTS
    from settle.communications.catalog import LANGUAGES, TEMPLATE_KEYS
    from settle.communications.render import shipped_tones, shipped_wording

    checked = 0
    for strategy in DEFAULTS:
        for step in strategy["steps"]:
            if step.get("template_key") not in TEMPLATE_KEYS:
                continue  # collector tasks (calls) carry a script, not a message template
            assert step["tone"] in shipped_tones(step["template_key"]), (strategy["slug"], step)
            for language in LANGUAGES:
                assert shipped_wording(step["template_key"], step["tone"], language)
            checked += 1
    assert checked >= 15
