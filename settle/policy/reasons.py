"""Reasons: why a decision was taken, in the four product languages, with the rule's source.

A Reason is data (code, sentence per language, source), so the case page, the API and the decision log show
the same explanation that was produced at decision time instead of re-deriving it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .once import once

LANGS = ("en", "pl", "ru", "de")
_json = json.JSONEncoder(check_circular=False).encode  # json.dumps's text without the cycle check


@dataclass(frozen=True)
class Reason:
    code: str
    text: dict[str, str] = field(hash=False, compare=False)
    source: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "text": dict(self.text), "source": self.source}

    @once
    def json_text(self) -> str:
        """`as_json()` serialised once: `reason()` memoises, so the tick reuses one text per distinct reason."""
        return _json(self.as_json())


_DAY = {
    "working_day": {"en": "a working day", "pl": "dzień roboczy", "ru": "рабочий день", "de": "ein Werktag"},
    "saturday": {"en": "Saturday", "pl": "sobota", "ru": "суббота", "de": "Samstag"},
    "sunday": {"en": "Sunday", "pl": "niedziela", "ru": "воскресенье", "de": "Sonntag"},
    "public_holiday": {"en": "a public holiday", "pl": "dzień ustawowo wolny", "ru": "праздничный день",
                       "de": "ein Feiertag"},
}  # fmt: skip

_TEMPLATES: dict[str, dict[str, str]] = {
    "outside_contact_hours": {
        "en": "postponed: {day} before {start} in {tz} ({window})",
        "pl": "przełożono: {day} przed {start} w strefie {tz} ({window})",
        "ru": "отложено: {day}, до {start} по времени {tz} ({window})",
        "de": "verschoben: {day} vor {start} in {tz} ({window})",
    },
    "after_contact_hours": {
        "en": "postponed: {day} after {end} in {tz} ({window})",
        "pl": "przełożono: {day} po {end} w strefie {tz} ({window})",
        "ru": "отложено: {day}, после {end} по времени {tz} ({window})",
        "de": "verschoben: {day} nach {end} in {tz} ({window})",
    },
    "no_contact_day": {
        "en": "postponed: no contact on {day} in {tz}",
        "pl": "przełożono: brak kontaktu w dniu: {day} ({tz})",
        "ru": "отложено: без контактов в этот день ({day}, {tz})",
        "de": "verschoben: kein Kontakt an diesem Tag ({day}, {tz})",
    },
    "cap_reached": {
        "en": "postponed: at most {max} contacts ({scope}) per {period} already reached",
        "pl": "przełożono: osiągnięto limit {max} kontaktów ({scope}) na {period}",
        "ru": "отложено: уже достигнут лимит {max} контактов ({scope}) за {period}",
        "de": "verschoben: höchstens {max} Kontakte ({scope}) pro {period} bereits erreicht",
    },
    "cooling_off": {
        "en": "postponed: {days} days of quiet after the conversation on {date}",
        "pl": "przełożono: {days} dni spokoju po rozmowie z dnia {date}",
        "ru": "отложено: {days} дней паузы после разговора {date}",
        "de": "verschoben: {days} Tage Ruhe nach dem Gespräch am {date}",
    },
    "opted_out": {
        "en": "not on {channel}: the customer opted out of this channel",
        "pl": "nie przez {channel}: klient zrezygnował z tego kanału",
        "ru": "не через {channel}: клиент отказался от этого канала",
        "de": "nicht über {channel}: der Kunde hat diesem Kanal widersprochen",
    },
    "dispute_open": {
        "en": "paused: the customer disputes the debt; no contact until it is resolved",
        "pl": "wstrzymano: klient kwestionuje dług; brak kontaktu do czasu wyjaśnienia",
        "ru": "приостановлено: клиент оспаривает долг; без контактов до решения",
        "de": "pausiert: der Kunde bestreitet die Forderung; kein Kontakt bis zur Klärung",
    },
    "time_barred": {
        "en": "skipped: the debt is time-barred since {date}; no legal threat",
        "pl": "pominięto: dług przedawniony od {date}; bez gróźb prawnych",
        "ru": "пропущено: срок исковой давности истёк {date}; без угроз судом",
        "de": "übersprungen: die Forderung ist seit {date} verjährt; keine rechtlichen Drohungen",
    },
    "time_barred_no_contact": {
        "en": "no contact: the debt is time-barred since {date}; a collector reviews it",
        "pl": "bez kontaktu: dług przedawniony od {date}; sprawę przejrzy windykator",
        "ru": "без контакта: срок давности истёк {date}; дело проверит сотрудник",
        "de": "kein Kontakt: die Forderung ist seit {date} verjährt; ein Mitarbeiter prüft sie",
    },
    "prior_warning_required": {
        "en": "postponed: a final notice must precede this by {days} days",
        "pl": "przełożono: ostateczne wezwanie musi poprzedzać ten krok o {days} dni",
        "ru": "отложено: финальное уведомление должно быть за {days} дней до этого шага",
        "de": "verschoben: eine letzte Mahnung muss {days} Tage vorher erfolgen",
    },
    "no_channel": {
        "en": "no usable channel ({channels}); a collector task instead",
        "pl": "brak dostępnego kanału ({channels}); zamiast tego zadanie dla windykatora",
        "ru": "нет доступного канала ({channels}); вместо этого задача сотруднику",
        "de": "kein nutzbarer Kanal ({channels}); stattdessen eine Aufgabe für das Team",
    },
    "step_due": {
        "en": "step {step} is due: {offset} days from the due date {due}",
        "pl": "krok {step} przypada: {offset} dni od terminu płatności {due}",
        "ru": "наступил шаг {step}: {offset} дн. от срока оплаты {due}",
        "de": "Schritt {step} ist fällig: {offset} Tage ab Fälligkeit {due}",
    },
    "segment": {
        "en": "segment {segment}: {facts}",
        "pl": "segment {segment}: {facts}",
        "ru": "сегмент {segment}: {facts}",
        "de": "Segment {segment}: {facts}",
    },
    "paused": {
        "en": "paused until {until}",
        "pl": "wstrzymano do {until}",
        "ru": "приостановлено до {until}",
        "de": "pausiert bis {until}",
    },
    "ladder_finished": {
        "en": "every step of the strategy is done; the case is watched weekly",
        "pl": "wszystkie kroki strategii wykonane; sprawa sprawdzana co tydzień",
        "ru": "все шаги стратегии выполнены; дело проверяется еженедельно",
        "de": "alle Schritte der Strategie erledigt; der Fall wird wöchentlich geprüft",
    },
    "condition_not_met": {
        "en": "step {step} skipped: its conditions do not match ({why})",
        "pl": "krok {step} pominięty: warunki nie są spełnione ({why})",
        "ru": "шаг {step} пропущен: условия не выполнены ({why})",
        "de": "Schritt {step} übersprungen: Bedingungen nicht erfüllt ({why})",
    },
    "dispute_recorded": {
        "en": "dispute recorded ({by}): {what}; collection is paused until it is resolved",
        "pl": "zarejestrowano spór ({by}): {what}; windykacja wstrzymana do jego rozstrzygnięcia",
        "ru": "зарегистрирован спор ({by}): {what}; взыскание приостановлено до его разрешения",
        "de": "Einwand erfasst ({by}): {what}; das Inkasso ruht, bis er geklärt ist",
    },
    "dispute_upheld": {
        "en": "dispute upheld ({by}): {credited} credited; {note}",
        "pl": "spór uznany ({by}): uznano {credited}; {note}",
        "ru": "спор признан обоснованным ({by}): списано {credited}; {note}",
        "de": "Einwand anerkannt ({by}): {credited} gutgeschrieben; {note}",
    },
    "dispute_rejected": {
        "en": "dispute rejected ({by}): the debt stands and the strategy resumes; {note}",
        "pl": "spór odrzucony ({by}): dług pozostaje, strategia jest wznawiana; {note}",
        "ru": "спор отклонён ({by}): долг остаётся, стратегия возобновляется; {note}",
        "de": "Einwand abgelehnt ({by}): die Forderung bleibt, die Strategie läuft weiter; {note}",
    },
    "plan_agreed": {
        "en": "installment plan agreed ({by}): {count} installments, {total}, the first {first}; escalation waits while it is kept",
        "pl": "uzgodniono plan ratalny ({by}): {count} rat, {total}, pierwsza {first}; eskalacja czeka, dopóki plan jest dotrzymywany",
        "ru": "согласован план рассрочки ({by}): {count} платежей, {total}, первый {first}; эскалация ждёт, пока план соблюдается",
        "de": "Ratenplan vereinbart ({by}): {count} Raten, {total}, die erste am {first}; die Eskalation wartet, solange er eingehalten wird",
    },
    "plan_broken": {
        "en": "installment plan broken: installment {number} ({amount}) due {due} unpaid after {grace} days of grace; the strategy resumes",
        "pl": "plan ratalny zerwany: rata {number} ({amount}) z terminem {due} niezapłacona po {grace} dniach karencji; strategia zostaje wznowiona",
        "ru": "план рассрочки нарушен: платёж {number} ({amount}) со сроком {due} не оплачен после {grace} дн. отсрочки; стратегия возобновляется",
        "de": "Ratenplan gebrochen: Rate {number} ({amount}) fällig am {due} nach {grace} Tagen Nachfrist unbezahlt; die Strategie läuft weiter",
    },
    "plan_completed": {
        "en": "installment plan completed: {paid} paid",
        "pl": "plan ratalny zakończony: zapłacono {paid}",
        "ru": "план рассрочки выполнен: оплачено {paid}",
        "de": "Ratenplan erfüllt: {paid} bezahlt",
    },
    "plan_cancelled": {
        "en": "installment plan cancelled ({by}): {note}",
        "pl": "plan ratalny anulowany ({by}): {note}",
        "ru": "план рассрочки отменён ({by}): {note}",
        "de": "Ratenplan storniert ({by}): {note}",
    },
    "fee_not_applicable": {
        "en": "no fee or interest: {why}",
        "pl": "bez opłat i odsetek: {why}",
        "ru": "без платы и процентов: {why}",
        "de": "keine Gebühr und keine Zinsen: {why}",
    },
    "engine_error": {
        "en": "skipped for now: {error}; retried in an hour",
        "pl": "na razie pominięto: {error}; ponowna próba za godzinę",
        "ru": "пока пропущено: {error}; повтор через час",
        "de": "vorerst übersprungen: {error}; neuer Versuch in einer Stunde",
    },
    "case_opened": {
        "en": "case opened: the customer has an open balance in this currency",
        "pl": "sprawa otwarta: klient ma nieuregulowane saldo w tej walucie",
        "ru": "дело открыто: у клиента есть задолженность в этой валюте",
        "de": "Fall eröffnet: der Kunde hat einen offenen Saldo in dieser Währung",
    },
    "case_paid": {
        "en": "case closed: the balance is paid; everything still queued was cancelled",
        "pl": "sprawa zamknięta: saldo spłacone; wszystko w kolejce anulowano",
        "ru": "дело закрыто: долг оплачен; всё запланированное отменено",
        "de": "Fall geschlossen: der Saldo ist bezahlt; alles Geplante wurde storniert",
    },
    "fee_applied": {
        "en": "added {what}: {amount} ({basis})",
        "pl": "doliczono {what}: {amount} ({basis})",
        "ru": "начислено {what}: {amount} ({basis})",
        "de": "hinzugefügt {what}: {amount} ({basis})",
    },
    "promise_pending": {
        "en": "paused: the customer promised to pay by {date}; nothing escalates before the day after",
        "pl": "wstrzymano: klient obiecał zapłacić do {date}; bez eskalacji przed następnym dniem",
        "ru": "приостановлено: клиент обещал оплатить до {date}; без эскалации до следующего дня",
        "de": "pausiert: der Kunde hat Zahlung bis {date} zugesagt; keine Eskalation vor dem Folgetag",
    },
    "promise_broken": {
        "en": "the promise to pay by {date} was not kept; collection resumes",
        "pl": "obietnica zapłaty do {date} nie została dotrzymana; windykacja zostaje wznowiona",
        "ru": "обещание оплатить до {date} не выполнено; взыскание возобновляется",
        "de": "die Zahlungszusage bis {date} wurde nicht eingehalten; das Inkasso wird fortgesetzt",
    },
    "promise_made": {
        "en": "{by} recorded a promise to pay {amount} by {date}",
        "pl": "{by} zapisał(a) obietnicę zapłaty {amount} do {date}",
        "ru": "{by} записал(а) обещание оплатить {amount} до {date}",
        "de": "{by} hat eine Zahlungszusage über {amount} bis {date} erfasst",
    },
    "promise_kept": {
        "en": "promise kept: {paid} paid since the promise of {amount} by {date}",
        "pl": "obietnica dotrzymana: {paid} wpłacono od obietnicy {amount} do {date}",
        "ru": "обещание выполнено: оплачено {paid} после обещания {amount} до {date}",
        "de": "Zusage eingehalten: {paid} bezahlt seit der Zusage über {amount} bis {date}",
    },
    "outcome_reached": {
        "en": "{by} reached the customer ({kind} task)",
        "pl": "{by} skontaktował(a) się z klientem (zadanie {kind})",
        "ru": "{by} связался(-ась) с клиентом (задача {kind})",
        "de": "{by} hat den Kunden erreicht (Aufgabe {kind})",
    },
    "outcome_no_answer": {
        "en": "{by} tried to reach the customer: no answer ({kind} task)",
        "pl": "{by} próbował(a) skontaktować się z klientem: brak odpowiedzi (zadanie {kind})",
        "ru": "{by} пытался(-ась) связаться с клиентом: нет ответа (задача {kind})",
        "de": "{by} hat versucht, den Kunden zu erreichen: keine Antwort (Aufgabe {kind})",
    },
    "outcome_wrong_number": {
        "en": "{by}: wrong number; the phone {phone} is disabled so the ladder uses another channel",
        "pl": "{by}: błędny numer; telefon {phone} wyłączono, kolejne kroki użyją innego kanału",
        "ru": "{by}: неверный номер; телефон {phone} отключён, дальше используется другой канал",
        "de": "{by}: falsche Nummer; das Telefon {phone} ist deaktiviert, weitere Schritte nutzen einen anderen Kanal",
    },
    "outcome_done": {
        "en": "{by} completed the {kind} task",
        "pl": "{by} wykonał(a) zadanie {kind}",
        "ru": "{by} выполнил(а) задачу {kind}",
        "de": "{by} hat die Aufgabe {kind} erledigt",
    },
    "handoff_approved": {
        "en": "{by} approved the handoff to the collection agency (final notice on {notice}, {days} days of warning)",
        "pl": "{by} zatwierdził(a) przekazanie do firmy windykacyjnej (ostateczne wezwanie {notice}, {days} dni ostrzeżenia)",
        "ru": "{by} одобрил(а) передачу коллекторскому агентству (финальное уведомление {notice}, {days} дн. предупреждения)",
        "de": "{by} hat die Übergabe an das Inkassobüro genehmigt (letzte Mahnung am {notice}, {days} Tage Vorwarnung)",
    },
    "handoff_declined": {
        "en": "{by} declined the handoff to the agency; the case stays with the collector",
        "pl": "{by} odrzucił(a) przekazanie do firmy windykacyjnej; sprawa zostaje u windykatora",
        "ru": "{by} отклонил(а) передачу агентству; дело остаётся у сотрудника",
        "de": "{by} hat die Übergabe an das Inkassobüro abgelehnt; der Fall bleibt beim Team",
    },
    "order_cancel_queued": {
        "en": "the unpaid order {number} will be cancelled in the shop, as the merchant chose",
        "pl": "nieopłacone zamówienie {number} zostanie anulowane w sklepie, zgodnie z wyborem sprzedawcy",
        "ru": "неоплаченный заказ {number} будет отменён в магазине, как выбрал продавец",
        "de": "die unbezahlte Bestellung {number} wird im Shop storniert, wie vom Händler gewählt",
    },
    "collector_note": {
        "en": "note: {note}",
        "pl": "notatka: {note}",
        "ru": "заметка: {note}",
        "de": "Notiz: {note}",
    },
}


def build_reason(code: str, source: str = "", **params: Any) -> Reason:
    """Build a Reason; parameters named `day` are translated day types. Not memoised: for a sentence that is
    new every time (the segment's facts carry the balance), so it does not push the shared ones out of the
    cache of `reason`."""
    text = {}
    for lang in LANGS:
        values = {k: (_DAY[v][lang] if k == "day" and v in _DAY else v) for k, v in params.items()}
        text[lang] = _TEMPLATES[code][lang].format(**values)
    return Reason(code=code, text=text, source=source)


@lru_cache(maxsize=16384)
def reason(code: str, source: str = "", **params: Any) -> Reason:
    """`build_reason`, memoised: a tick repeats the same few sentences thousands of times."""
    return build_reason(code, source, **params)
