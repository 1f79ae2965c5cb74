"""E-mail reminders: once a day each person gets one mail with what is due for them (the
action items they own due by tomorrow or overdue, milestones of the projects they lead in
the next three days, application deadlines of those projects in the next week), through
Django's mail settings (the console in the demo), in the language the person last read
the pages in. A reminder already sent that day is not
sent again, however often the schedule runs."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stadtkern.core.charts import date_formatter

from .models import ActionItem, Application, Reminder, WorkPackage


def _items(user, today: date) -> list[str]:
    fmt = date_formatter()
    lines = []
    # Only what lies in municipalities the person still belongs to: someone who left
    # must not go on reading a team's internal plans in their mail.
    member_of = list(user.memberships.values_list("municipality_id", flat=True))
    for a in ActionItem.objects.filter(owner=user, done=False, due_on__lte=today + timedelta(days=1),
                                       meeting__series__municipality__in=member_of).select_related(
        "meeting__series"
    ).order_by("due_on"):  # fmt: skip
        lines.append(_("Action item due %(d)s: %(t)s (%(s)s)") % {"d": fmt(a.due_on), "t": a.title,
                                                                   "s": a.meeting.series.title})  # fmt: skip
    for m in WorkPackage.objects.filter(project__lead=user, project__municipality__in=member_of, duration=0,
                                        done__lt=100, start__gte=today,
                                        start__lte=today + timedelta(days=3)).select_related("project__measure"):  # fmt: skip
        lines.append(
            _("Milestone on %(d)s: %(t)s (%(p)s)")
            % {"d": fmt(m.start), "t": m.title, "p": m.project.title}
        )
    for a in Application.objects.filter(project__lead=user, project__municipality__in=member_of,
                                        status__in=["idea", "draft"], deadline__gte=today,
                                        deadline__lte=today + timedelta(days=7)).select_related(
        "programme", "project__measure"
    ):  # fmt: skip
        lines.append(_("Application deadline %(d)s: %(f)s (%(p)s)") % {"d": fmt(a.deadline), "f": a.programme.title,
                                                                        "p": a.project.title})  # fmt: skip
    return lines


def send_due(today: date | None = None) -> int:
    """Send today's reminders; returns how many mails went out."""
    today = today or timezone.localdate()
    sent = 0
    people = (
        get_user_model()
        .objects.filter(is_active=True, memberships__isnull=False)
        .exclude(email="")
        .distinct()
    )
    for user in people:
        if Reminder.objects.filter(user=user, day=today).exists():
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            lines = _items(user, today)
            if not lines:
                continue
            subject = _("Stadtkern: %(n)s deadlines for you") % {"n": len(lines)}
            body = "\n".join(["- " + line for line in lines])
        try:
            with transaction.atomic():
                Reminder.objects.create(user=user, day=today, items=len(lines))
        except IntegrityError:
            continue  # another worker sent it meanwhile
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent
