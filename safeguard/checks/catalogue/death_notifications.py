"""Death of a looked-after child or care leaver: a notification overdue (Recommendation 10)."""

from __future__ import annotations

from django.db.models import Q

from safeguard.care.models import DeathNotification, Recipient
from safeguard.children.models import InvolvementRole

from ..engine import Check, Finding, Resolution, Source, register
from ..models import Severity


@register
class DeathNotificationOverdue(Check):
    id = "DEATH-NOTIFICATION-OVERDUE"
    title = "Death of a looked-after child: notification overdue"
    severity = Severity.HIGH
    resolution = Resolution("Record the notification", "death_notification")
    sources = (
        Source("Practice review 'Sarah' (Worcestershire, 2021)", "Recommendation 10"),
        Source("Children Act 1989", "Sch 2 para 20"),
        Source("Children Act 2004", "s16C (serious incident notification within 5 working days)"),
    )
    tells = (
        InvolvementRole.ALLOCATED_SOCIAL_WORKER,
        InvolvementRole.TEAM_MANAGER,
        InvolvementRole.IRO,
    )
    description = (
        "A task of the death workflow (`care.DeathNotification`, created when the death is "
        "recorded, with the due date for its recipient) not done by the day after its due "
        "date. One alert per recipient."
    )

    def end_reasons(self, as_of, gone):
        # The child has died by definition: a task that disappears was done (resolved by
        # the record), never "the child died".
        return {}

    def findings(self, as_of, child_ids=None):
        def query(child_ids):
            return (
                self.restrict(
                    DeathNotification.objects.filter(
                        death__notified_on__lte=as_of, due_date__lt=as_of
                    ),
                    child_ids,
                )
                .filter(Q(done_on__isnull=True) | Q(done_on__gt=as_of))
                .values_list(
                    "pk",
                    "child_id",
                    "child__given_name",
                    "recipient",
                    "recipient_name",
                    "due_date",
                    "who_tells",
                    "how",
                )
            )

        rows = self.prepared_rows("rows", as_of, child_ids, query)
        labels = dict(Recipient.choices)
        return [
            Finding(
                child_id=child_id,
                subject_key=f"notify:{recipient}:{who}",
                due_date=due,
                detail=(
                    f"After {name}'s death, {who} ({str(labels[recipient]).lower()}) "
                    f"should have been told by {due:%-d %B %Y} and this is not recorded "
                    f"as done. Who tells them: {teller or 'not recorded'}; how: "
                    f"{how or 'not recorded'} (Recommendation 10)."
                ),
                prefill={"notification": pk},
            )
            for pk, child_id, name, recipient, who, due, teller, how in rows
        ]
