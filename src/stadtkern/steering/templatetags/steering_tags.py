"""Template helpers of the steering pages. The portfolio's rows are built here in one pass:
500 projects through a template loop with includes would cost several times as much."""

from html import escape  # the standard library's: a plain str, no SafeString per cell

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stadtkern.core.charts import date_formatter
from stadtkern.core.templatetags.core_tags import local_date

register = template.Library()
register.filter("local_date", local_date)

TRENDS = {"better": ("↑", gettext_lazy("better")), "worse": ("↓", gettext_lazy("worse")),
          "same": ("→", gettext_lazy("unchanged"))}  # fmt: skip


def _light_names() -> dict:
    return {"green": _("green"), "yellow": _("yellow"), "red": _("red")}


def light_html(value: str, trend: str = "", names: dict | None = None) -> str:
    """A traffic light as a dot and its word, with the trend's arrow and word."""
    if not value:
        return "–"
    names = names or _light_names()
    out = (f'<span class="light light-{escape(value)}"><span class="light-dot" aria-hidden="true">'
           f"</span>{escape(names[value])}</span>")  # fmt: skip
    if trend:
        arrow, word = TRENDS[trend]
        out += (f' <span class="trend trend-{escape(trend)}"><span aria-hidden="true">{arrow}</span> '
                f"{escape(str(word))}</span>")  # fmt: skip
    return out


@register.simple_tag
def light(value: str, trend: str = ""):
    return mark_safe(light_html(value, trend))  # noqa: S308 - built from escaped parts


@register.simple_tag(takes_context=True)
def portfolio_row(context, row, internal: bool, slug: str):
    """One project's row: plain strings escaped here, no format_html per cell (500 rows
    would spend most of the page's time in it)."""
    cache = context.render_context.setdefault("steering_row", {})
    if not cache:
        cache.update(names=_light_names(), fmt=date_formatter(), none=escape(_("no report yet")),
                     designs={"waterfall": _("waterfall"), "hybrid": _("hybrid"), "agile": _("agile")},
                     url=reverse("steering:project", kwargs={"slug": slug, "pk": 0})[:-2])  # fmt: skip
    names, fmt = cache["names"], cache["fmt"]
    p = row.project
    fields = ", ".join(f.display_title for f in p.measure.fields_of_action.all())
    programmes = ", ".join(pr.display_title for pr in p.measure.programmes.all())
    context_line = " · ".join(x for x in (fields, programmes) if x)
    out = [f'<tr><th scope="row"><a href="{cache["url"]}{p.pk}/">{escape(p.title)}</a>']
    if context_line:
        out.append(f'<br><span class="small">{escape(context_line)}</span>')
    out.append(f"</th><td>{escape(str(cache['designs'].get(p.design, p.design)))}</td>"
               f"<td>{escape(p.department) or '–'}</td><td>{fmt(p.start)} – {fmt(p.end)}</td>")  # fmt: skip
    if internal:
        r = row.report
        for name in ("overall", "scope", "time", "money"):
            out.append(
                f"<td>{light_html(getattr(r, name) if r else '', row.trend.get(name, ''), names)}</td>"
            )
        out.append(f"<td>{fmt(r.period_end) if r else cache['none']}</td>")
    out.append("</tr>")
    return mark_safe("".join(out))  # noqa: S308 - every text escaped above


@register.simple_tag
def plan_rows(plan, can_edit: bool, slug: str, project_id: int):
    """The plan's packages as table rows, each with its slack and what it waits for."""
    fmt = date_formatter()
    waits = {}
    for d in plan.dependencies:
        lag = f" (+{d.lag})" if d.lag > 0 else (f" ({d.lag})" if d.lag < 0 else "")
        waits.setdefault(d.successor_id, []).append(d.predecessor.title + lag)
    edit = reverse(
        "steering:package_edit", kwargs={"slug": slug, "pk": project_id, "package_id": 0}
    )[:-2]
    label, critical, none = escape(_("Edit")), escape(_("0 (critical)")), escape(_("Without phase"))
    out = []
    for p in plan.packages:
        slack_days = plan.schedule[p.pk].slack
        out.append(
            f'<tr><th scope="row">{"◆ " if p.milestone else ""}{escape(p.title)}</th>'
            f"<td>{escape(p.phase.title) if p.phase else none}</td><td>{fmt(p.start)}</td><td>{fmt(p.finish)}</td>"
            f"<td>{critical if slack_days == 0 else slack_days}</td><td>{escape(', '.join(waits.get(p.pk, []))) or '–'}</td>"
        )  # fmt: skip
        if can_edit:
            out.append(
                f'<td><a href="{edit}{p.pk}/">{label}<span class="visually-hidden">: {escape(p.title)}</span></a></td>'
            )
        out.append("</tr>")
    return mark_safe("".join(out))  # noqa: S308 - every text escaped above
