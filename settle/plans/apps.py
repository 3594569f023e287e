from django.apps import AppConfig


class PlansConfig(AppConfig):
    """Installment plans: a customer who acknowledges the debt pays it over time, and escalation waits."""

    name = "settle.plans"
    # Before the engine (30): a plan broken since the last iteration lifts its pause before the case is decided.
    worker_jobs = [(25, "settle.plans.services.plans_check")]
