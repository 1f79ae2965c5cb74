"""JSON API of steering, the twin of its pages: programmes and the portfolio, projects
with team, reports, plan, backlog, money, risks; stakeholders and communication;
meetings; templates, lessons and improvements; the sustainability check; the funding
catalogue.

Every read uses the same selector as its page. Internal parts (reports, plans, money,
risks, people, minutes) are for the municipality's members; visitors see published
projects, their sustainability checks and the funding catalogue. Writes are for editors
and administrators and land in the audit log. A stale board move or a change to approved
minutes is a conflict (409), a broken rule a 422 naming the field.
"""

from ninja import Router

from . import backlog, learning, meetings, money, people, plans, projects, risks, sustainability

router = Router(tags=["steering"])
for part in (projects, plans, backlog, money, risks, people, meetings, learning, sustainability):
    router.add_router("", part.router)
