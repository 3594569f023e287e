"""The outcome form of a task. It only parses input; `services.task_complete` validates the domain."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Outcome, Task


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=pgettext_lazy("task", "Outcome"))  # cases has a dispute "Outcome"
    note = forms.CharField(label=_("Note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    promise_amount = forms.DecimalField(
        label=_("Promised amount"), required=False, min_value=0, decimal_places=3, max_digits=18
    )
    promised_for = forms.DateField(
        label=_("Pays by"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Outcome.choices)
        self.fields["outcome"].choices = [("", "—")] + [(o, labels[o]) for o in task.outcomes()]
        prefix = f"task-{task.pk}"
        self.fields["outcome"].widget.attrs["id"] = f"{prefix}-outcome"
        for name in ("note", "promise_amount", "promised_for"):
            self.fields[name].widget.attrs["id"] = f"{prefix}-{name}"

    @property
    def wants_promise(self) -> bool:
        value = self.data.get("outcome") if self.is_bound else self.initial.get("outcome")
        return value == Outcome.PROMISE
