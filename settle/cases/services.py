"""Writes for cases."""

import json
from datetime import datetime

from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils.text import slugify

from settle.customers.models import Customer
from settle.customers.validation import FieldError
from settle.policy.reasons import reason

from .models import Case, CaseEvent, Strategy, StrategyVersion

PAID_REASON = "cancelled: the balance was paid before sending"


def case_touch(*, customer: Customer, currency: str, at: datetime) -> int:
    """Ask the engine to re-check the customer's open case at `at` (a balance moved); returns cases touched."""
    return Case.objects.filter(customer=customer, currency=currency, closed_at__isnull=True).update(
        next_check_at=at
    )


def case_balance_changed(*, customer: Customer, currency: str, at: datetime) -> Case | None:
    """React to a ledger change in the same transaction: a cleared balance closes the case at once.

    Closing here (not at the next tick) means a reminder queued for a customer who just paid can never be
    claimed: queued messages are cancelled with the reason, in the transaction that recorded the payment.
    Returns the case closed, if any; otherwise the open case is re-checked by the engine now.
    """
    Receivable = apps.get_model("ledger", "Receivable")
    still_owed = Receivable.objects.filter(
        customer=customer, currency=currency, status="open", balance_minor__gt=0
    ).exists()
    if still_owed:
        if not case_touch(customer=customer, currency=currency, at=at):
            case_open(customer=customer, currency=currency, at=at)
        return None
    case = (
        Case.objects.select_for_update()
        .filter(customer=customer, currency=currency, closed_at__isnull=True)
        .first()
    )
    if case is None:
        return None
    Case.objects.filter(pk=case.pk).update(closed_at=at, outcome="paid", stage="closed", next_check_at=None)
    Message = apps.get_model("communications", "Message")
    Message.objects.filter(Q(case=case) & Q(status="queued")).update(
        status="cancelled", status_reason=PAID_REASON
    )
    Task = apps.get_model("workdesk", "Task")
    Task.objects.filter(case=case, status="open").update(status="cancelled", closed_at=at)
    CaseEvent.objects.create(
        merchant_id=case.merchant_id,
        case=case,
        at=at,
        kind="closed",
        stage="closed",
        next_check_at=None,
        reasons=[reason("case_paid", "ledger").as_json()],
    )
    case.refresh_from_db()
    return case


def case_open(*, customer: Customer, currency: str, at: datetime) -> Case:
    """Open the customer's one case for `currency`; later receivables join it (one conversation, not one per
    invoice). The engine checks it at once; its strategy decides when the first step is due."""
    try:
        with transaction.atomic():
            case = Case.objects.create(
                merchant_id=customer.merchant_id,
                customer=customer,
                currency=currency,
                opened_at=at,
                next_check_at=at,
                stage="new",
            )
    except IntegrityError:  # opened concurrently: join it
        return Case.objects.get(customer=customer, currency=currency, closed_at__isnull=True)
    CaseEvent.objects.create(merchant_id=customer.merchant_id, case=case, at=at, kind="opened", stage="new",
                             next_check_at=at, reasons=[reason("case_opened", "ledger").as_json()])  # fmt: skip
    return case


def strategy_save(*, merchant, steps: list[dict], at: datetime, strategy: Strategy | None = None, name: str = "",
                  segments: list[str] | None = None, priority: int = 100, terms_days: int = 30,
                  note: str = "") -> StrategyVersion:  # fmt: skip
    """Validate `steps` and store them as the strategy's next version; running cases keep their version.

    A shipped default (no merchant) is never edited in place: saving it creates the merchant's own copy.
    """
    from .strategies import steps_validate

    if strategy is not None and strategy.merchant_id not in (None, merchant.pk):
        raise FieldError("strategy_id", "no such strategy")
    terms = strategy.terms_days if strategy is not None and strategy.merchant_id else terms_days
    steps_validate(steps, terms_days=terms)
    segs = list(segments if segments is not None else (strategy.segments if strategy else []))
    from settle.policy.segments import SEGMENTS

    if any(s not in SEGMENTS for s in segs):
        raise FieldError("segments", f"each must be one of {', '.join(SEGMENTS)}")
    with transaction.atomic():
        if strategy is None or strategy.merchant_id is None:
            base = strategy
            name = (name or (base.name if base else "")).strip()
            if not name:
                raise FieldError("name", "must not be empty")
            slug = slugify(name)[:90] or "strategy"
            if Strategy.objects.filter(merchant=merchant, slug=slug).exists():
                raise FieldError("name", "a strategy with this name exists")
            strategy = Strategy.objects.create(
                merchant=merchant, name=name, slug=slug, segments=segs,
                priority=base.priority if base else priority, terms_days=terms_days,
                description=base.description if base else "",
            )  # fmt: skip
        else:
            strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
            strategy.segments = segs
        number = (strategy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = StrategyVersion.objects.create(strategy=strategy, number=number, steps=steps, created_at=at,
                                                 note=note[:300])  # fmt: skip
        strategy.current_version = version
        strategy.save(update_fields=["current_version", "segments"])
    return version


def cases_open_missing(*, merchant, pairs: set[tuple[int, str]], at: datetime) -> int:
    """Open a case for every (customer id, currency) of `pairs` that has none open; returns cases opened.

    The bulk ledger path (imports) calls this in its transaction, so a million imported receivables get their
    cases in one statement instead of one `case_open` each. Existing open cases are left alone (the partial
    unique index decides), so calling it twice is harmless.
    """
    if not pairs:
        return 0
    ordered = sorted(pairs)
    why = [reason("case_opened", "ledger").as_json()]
    if connection.vendor == "postgresql":
        # One statement writes the cases and their "opened" events: an import opens tens of thousands of cases
        # per chunk, and building that many CaseEvent objects cost more than the whole COPY of the chunk.
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH opened AS (INSERT INTO cases_case (merchant_id, customer_id, currency, stage, opened_at, "
                "outcome, segment, step_index, last_step, pause_reason, last_error, next_check_at) "
                "SELECT %(m)s, o.cid, o.cur, 'new', %(at)s, '', '', 0, '', '', '', %(at)s "
                "FROM unnest(%(cids)s::bigint[], %(curs)s::text[]) AS o(cid, cur) "
                "ON CONFLICT (customer_id, currency) WHERE closed_at IS NULL DO NOTHING RETURNING id) "
                "INSERT INTO cases_caseevent (merchant_id, case_id, at, kind, step_key, action, segment, stage, "
                "reasons, scheduled, next_check_at) "
                "SELECT %(m)s, id, %(at)s, 'opened', '', '', '', 'new', %(why)s::jsonb, '{}'::jsonb, %(at)s "
                "FROM opened ORDER BY id",
                {"m": merchant.pk, "at": at, "cids": [p[0] for p in ordered], "curs": [p[1] for p in ordered],
                 "why": json.dumps(why)},
            )  # fmt: skip
            return cursor.rowcount
    opened = 0
    for start in range(0, len(ordered), 1000):  # in slices, so a 50k-row chunk never holds 50k model objects
        batch = ordered[start : start + 1000]
        have = set(
            Case.objects.filter(merchant=merchant, closed_at__isnull=True, customer_id__in={c for c, _ in batch})
            .values_list("customer_id", "currency")
        )  # fmt: skip
        created = Case.objects.bulk_create([
            Case(merchant=merchant, customer_id=c, currency=cur, opened_at=at, next_check_at=at, stage="new")
            for c, cur in batch if (c, cur) not in have
        ])  # fmt: skip
        CaseEvent.objects.bulk_create([
            CaseEvent(merchant=merchant, case_id=case.pk, at=at, kind="opened", stage="new", next_check_at=at,
                      reasons=why)
            for case in created
        ])  # fmt: skip
        opened += len(created)
    return opened
