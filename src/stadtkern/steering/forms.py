"""Forms of the steering pages. Dates use the browser's date field (core.forms.DateInput):
the reader sees their own format, the form sends ISO."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from stadtkern.core.forms import DateInput
from stadtkern.strategy.models import FieldOfAction, Goal, Measure

from .models import (
    ApplicationStatus,
    Attitude,
    Column,
    CostType,
    Design,
    Format,
    FundingLevel,
    FundingProgramme,
    ItemKind,
    Iteration,
    Light,
    Phase,
    ProgrammeKind,
    ProgrammeStatus,
    Response,
    Responsibility,
    RiskKind,
    Section,
    SeriesKind,
    StakeholderKind,
    TeamMember,
    TemplateKind,
    WorkPackage,
)
from .models.plans import MAX_DURATION, MAX_LAG


class ManyChoice(forms.ModelMultipleChoiceField):
    """Several objects by id; an id no database column holds is an invalid choice, not an
    overflow deep in the database driver."""

    def _check_values(self, value):
        for pk in value or ():
            text = str(pk)
            if not text.isdigit() or len(text) > 18:
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                            params={"pk": text[:20]})  # fmt: skip
        return super()._check_values(value)


def members_of(municipality):
    return (
        get_user_model().objects.filter(memberships__municipality=municipality).order_by("username")
    )


class ProgrammeForm(forms.Form):
    title = forms.CharField(label=_("Title (German)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    slug = forms.SlugField(label=_("Short name"), max_length=50, required=False,
                           help_text=_("Letters, digits and hyphens; used in addresses."))  # fmt: skip
    kind = forms.ChoiceField(label=_("Kind"), choices=ProgrammeKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ProgrammeStatus.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    start = forms.DateField(label=_("Start"), required=False, widget=DateInput)
    end = forms.DateField(label=_("End"), required=False, widget=DateInput)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}),
                                  max_length=5000, required=False)  # fmt: skip
    goals = ManyChoice(label=_("Goals it serves"), queryset=None, required=False,
                                           widget=forms.CheckboxSelectMultiple)  # fmt: skip
    measures = ManyChoice(label=_("Measures it holds"), queryset=None,
                                              required=False, widget=forms.CheckboxSelectMultiple)  # fmt: skip
    published = forms.BooleanField(label=_("Published"), required=False)

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(municipality)
        self.fields["goals"].queryset = Goal.objects.filter(municipality=municipality)
        self.fields["measures"].queryset = Measure.objects.filter(municipality=municipality)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["goals"] = [g.pk for g in data["goals"]]
        data["measures"] = [m.pk for m in data["measures"]]
        return data


class ProjectForm(forms.Form):
    measure = forms.ModelChoiceField(label=_("Measure"), queryset=None)
    design = forms.ChoiceField(label=_("Project design"), choices=Design.choices, initial=Design.HYBRID,
                               widget=forms.RadioSelect)  # fmt: skip
    lead = forms.ModelChoiceField(label=_("Project lead"), queryset=None, required=False)
    department = forms.CharField(label=_("Responsible department"), max_length=200, required=False)
    start = forms.DateField(label=_("Start"), widget=DateInput)
    end = forms.DateField(label=_("End"), widget=DateInput)
    published = forms.BooleanField(label=_("Published"), required=False,
                                   help_text=_("The public portfolio and calendar show it with its milestones."))  # fmt: skip
    pulse_series = forms.SlugField(label=_("Pulse check of decision makers"), max_length=80, required=False,
                                   help_text=_("The short name of a pulse-check series of the participation pages."))  # fmt: skip

    def __init__(self, *args, municipality, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = members_of(municipality)
        if project is not None:
            del self.fields["measure"]
        else:
            self.fields["measure"].queryset = Measure.objects.filter(
                municipality=municipality, project__isnull=True
            ).order_by("title")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end lies before the start."))
        return data


class TeamMemberForm(forms.Form):
    person = forms.ModelChoiceField(label=_("User"), queryset=None, required=False,
                                    help_text=_("Or name someone without a login below."))  # fmt: skip
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.CharField(label=_("Role in the project"), max_length=200, required=False)

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = members_of(municipality)


class ReportForm(forms.Form):
    period_end = forms.DateField(label=_("As of"), widget=DateInput)
    scope = forms.ChoiceField(label=_("Scope"), choices=Light.choices, widget=forms.RadioSelect)
    time = forms.ChoiceField(label=_("Time"), choices=Light.choices, widget=forms.RadioSelect)
    money = forms.ChoiceField(label=_("Money"), choices=Light.choices, widget=forms.RadioSelect)
    overall = forms.ChoiceField(label=_("Overall"), choices=Light.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
                           required=False)  # fmt: skip


class PhaseForm(forms.Form):
    title = forms.CharField(label=_("Phase"), max_length=200)


class PackageForm(forms.Form):
    """A work package from its first and last day, or a milestone on one day."""

    title = forms.CharField(label=_("Title"), max_length=200)
    phase = forms.ModelChoiceField(label=_("Phase"), queryset=None, required=False)
    milestone = forms.BooleanField(label=_("Milestone (one day, no duration)"), required=False)
    start = forms.DateField(label=_("Start"), widget=DateInput)
    finish = forms.DateField(label=_("Finish"), widget=DateInput, required=False,
                             help_text=_("The last working day; a milestone needs none."))  # fmt: skip
    done = forms.IntegerField(label=_("Done (%)"), min_value=0, max_value=100, initial=0)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}),
                                  max_length=5000, required=False)  # fmt: skip

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = Phase.objects.filter(project=project)

    def clean(self):
        data = super().clean()
        start, finish = data.get("start"), data.get("finish")
        if start is None:
            return data
        if data.get("milestone"):
            data["duration"] = 0
        elif finish is None:
            self.add_error("finish", _("A work package needs its last day (or tick milestone)."))
        elif finish < start:
            self.add_error("finish", _("The finish lies before the start."))
        elif (finish - start).days + 1 > MAX_DURATION:
            self.add_error("finish", _("At most %(n)s days.") % {"n": MAX_DURATION})
        else:
            data["duration"] = (finish - start).days + 1
        return data

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("title", "phase", "start", "duration", "done", "description")}

    @staticmethod
    def initial_of(package: WorkPackage) -> dict:
        return {"title": package.title, "phase": package.phase_id, "milestone": package.milestone,
                "start": package.start, "finish": None if package.milestone else package.finish,
                "done": package.done, "description": package.description}  # fmt: skip


class DependencyForm(forms.Form):
    predecessor = forms.ModelChoiceField(label=_("Predecessor"), queryset=None)
    successor = forms.ModelChoiceField(label=_("Successor"), queryset=None)
    lag = forms.IntegerField(label=_("Lag in days"), initial=0, min_value=-MAX_LAG, max_value=MAX_LAG,
                             help_text=_("Days between the predecessor's end and the successor's start; negative to overlap."))  # fmt: skip

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        packages = WorkPackage.objects.filter(project=project).order_by("start", "title")
        self.fields["predecessor"].queryset = packages
        self.fields["successor"].queryset = packages


class RaciForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Team member"), queryset=None)
    letter = forms.ChoiceField(label=_("Role"), required=False,
                               choices=[("", _("none"))] + list(Responsibility.Letter.choices))  # fmt: skip

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = TeamMember.objects.filter(project=project)


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=ItemKind.choices)
    estimate = forms.IntegerField(
        label=_("Estimate (points)"), min_value=0, max_value=1000, required=False
    )
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False)
    iteration = forms.ModelChoiceField(label=_("Iteration"), queryset=None, required=False)
    package = forms.ModelChoiceField(label=_("Work package"), queryset=None, required=False)
    status = forms.ChoiceField(label=_("Column"), choices=Column.choices, initial=Column.TODO)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}),
                                  max_length=5000, required=False)  # fmt: skip
    acceptance = forms.CharField(label=_("Acceptance criteria"), widget=forms.Textarea(attrs={"rows": 3}),
                                 max_length=5000, required=False)  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = TeamMember.objects.filter(project=project)
        self.fields["iteration"].queryset = Iteration.objects.filter(project=project)
        if project.has_plan:
            self.fields["package"].queryset = WorkPackage.objects.filter(project=project)
        else:
            del self.fields["package"]

    @staticmethod
    def initial_of(item) -> dict:
        names = ("title", "kind", "estimate", "assignee", "iteration", "package", "status",
                 "description", "acceptance", "version")  # fmt: skip
        return {
            n: getattr(item, n + "_id" if n in ("assignee", "iteration", "package") else n)
            for n in names
        }


class IterationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    start = forms.DateField(label=_("Start"), widget=DateInput)
    end = forms.DateField(label=_("End"), widget=DateInput)
    goal = forms.CharField(label=_("Iteration goal"), max_length=1000, required=False)


class MoveForm(forms.Form):
    """A move on the board: an arrow button (``go``), or a column and optionally the item
    to stand before. ``version`` is the item's version the mover saw."""

    item = forms.IntegerField(min_value=1)
    version = forms.IntegerField(min_value=1)
    go = forms.ChoiceField(
        required=False, choices=[(d, d) for d in ("left", "right", "up", "down")]
    )
    status = forms.CharField(required=False, max_length=20)
    before = forms.IntegerField(required=False, min_value=1)


class BudgetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    cost_type = forms.ChoiceField(label=_("Cost type"), choices=CostType.choices)
    planned = forms.DecimalField(
        label=_("Planned (EUR)"), min_value=0, max_digits=14, decimal_places=2
    )
    forecast = forms.DecimalField(label=_("Forecast (EUR)"), min_value=0, max_digits=14, decimal_places=2,
                                  required=False)  # fmt: skip


class ActualForm(forms.Form):
    booked_on = forms.DateField(label=_("Booked on"), widget=DateInput)
    cost_type = forms.ChoiceField(label=_("Cost type"), choices=CostType.choices)
    amount = forms.DecimalField(label=_("Amount (EUR)"), max_digits=14, decimal_places=2)
    text = forms.CharField(label=_("Booking text"), max_length=300, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class ActualsFileForm(forms.Form):
    file = forms.FileField(label=_("Export of the finance system (CSV, XLSX or ODS)"),
                           help_text=_("Columns: Datum, Betrag, Kostenart; Buchungstext and Beleg if there are."))  # fmt: skip


class ApplicationForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Funding programme"), queryset=FundingProgramme.objects.all()
    )
    status = forms.ChoiceField(label=_("Status"), choices=ApplicationStatus.choices)
    requested = forms.DecimalField(
        label=_("Requested (EUR)"), min_value=0, max_digits=14, decimal_places=2
    )
    granted = forms.DecimalField(label=_("Granted (EUR)"), min_value=0, max_digits=14, decimal_places=2,
                                 required=False)  # fmt: skip
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput, required=False,
                               help_text=_("Empty: the programme's deadline."))  # fmt: skip


class FinancingForm(forms.Form):
    own_funds = forms.DecimalField(
        label=_("Own funds (EUR)"), min_value=0, max_digits=14, decimal_places=2
    )


class FundingProgrammeForm(forms.Form):
    key = forms.SlugField(label=_("Short name"), max_length=60)
    title = forms.CharField(label=_("Programme"), max_length=300)
    funder = forms.CharField(label=_("Funder"), max_length=300)
    level = forms.ChoiceField(label=_("Level"), choices=FundingLevel.choices)
    rate = forms.DecimalField(label=_("Funding rate (%)"), max_digits=5, decimal_places=2)
    min_own_share = forms.DecimalField(
        label=_("Minimum own share (%)"), max_digits=5, decimal_places=2, initial=0
    )
    eligible = forms.MultipleChoiceField(label=_("Eligible cost types"), choices=CostType.choices,
                                         widget=forms.CheckboxSelectMultiple)  # fmt: skip
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput, required=False)
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}),
                                  max_length=3000, required=False)  # fmt: skip


class RiskForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=RiskKind.choices, widget=forms.RadioSelect, initial="risk"
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    probability = forms.TypedChoiceField(
        label=_("Probability (1–5)"), coerce=int, choices=[(i, i) for i in range(1, 6)]
    )
    impact = forms.TypedChoiceField(
        label=_("Impact (1–5)"), coerce=int, choices=[(i, i) for i in range(1, 6)]
    )
    response = forms.ChoiceField(label=_("Response"), choices=Response.choices)
    measures = forms.CharField(label=_("What we do about it"), widget=forms.Textarea(attrs={"rows": 2}),
                               max_length=3000, required=False)  # fmt: skip
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    review_on = forms.DateField(label=_("Next review"), widget=DateInput, required=False)
    closed = forms.BooleanField(label=_("Closed"), required=False)
    note = forms.CharField(label=_("Note on this assessment"), max_length=500, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}),
                                  max_length=3000, required=False)  # fmt: skip

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = TeamMember.objects.filter(project=project)


SCALE = [(i, i) for i in range(1, 6)]


class StakeholderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=StakeholderKind.choices)
    group = forms.CharField(
        label=_("Group"), max_length=100, help_text=_("e.g. retail, owners, council, residents")
    )
    influence = forms.TypedChoiceField(label=_("Influence (1–5)"), coerce=int, choices=SCALE)
    interest = forms.TypedChoiceField(label=_("Interest (1–5)"), coerce=int, choices=SCALE)
    attitude = forms.ChoiceField(
        label=_("Attitude"), choices=Attitude.choices, initial=Attitude.NEUTRAL
    )
    contact_owner = forms.ModelChoiceField(label=_("Contact owner"), queryset=None, required=False)
    projects = ManyChoice(label=_("Projects"), queryset=None, required=False,
                                              widget=forms.CheckboxSelectMultiple)  # fmt: skip
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False,
                           help_text=_("No addresses or phone numbers: the contact owner knows how to reach them."))  # fmt: skip

    def __init__(self, *args, municipality, **kwargs):
        from .models import Project

        super().__init__(*args, **kwargs)
        self.fields["contact_owner"].queryset = members_of(municipality)
        self.fields["projects"].queryset = Project.objects.filter(
            municipality=municipality
        ).select_related("measure")
        self.fields["projects"].label_from_instance = lambda p: p.title


class TieForm(forms.Form):
    a = forms.ModelChoiceField(label=_("Stakeholder"), queryset=None)
    b = forms.ModelChoiceField(label=_("works with"), queryset=None)
    note = forms.CharField(label=_("How"), max_length=200, required=False)

    def __init__(self, *args, municipality, **kwargs):
        from .models import Stakeholder

        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = self.fields["b"].queryset = Stakeholder.objects.filter(
            municipality=municipality
        )


class CommunicationForm(forms.Form):
    group = forms.CharField(label=_("Stakeholder group"), max_length=100)
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices)
    channel = forms.CharField(label=_("Channel"), max_length=200)
    frequency = forms.CharField(label=_("Frequency"), max_length=100, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    next_on = forms.DateField(label=_("Next date"), widget=DateInput, required=False)
    project = forms.ModelChoiceField(label=_("Project"), queryset=None, required=False)

    def __init__(self, *args, municipality, **kwargs):
        from .models import Project

        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(municipality)
        self.fields["project"].queryset = Project.objects.filter(
            municipality=municipality
        ).select_related("measure")
        self.fields["project"].label_from_instance = lambda p: p.title


class SeriesForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SeriesKind.choices)
    project = forms.ModelChoiceField(label=_("Project"), queryset=None, required=False,
                                     help_text=_("Empty: for a programme, or for all projects."))  # fmt: skip
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None, required=False)
    cadence = forms.CharField(label=_("Cadence"), max_length=100, required=False)
    chair = forms.ModelChoiceField(label=_("Chair"), queryset=None, required=False)

    def __init__(self, *args, municipality, **kwargs):
        from .models import Programme, Project

        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(
            municipality=municipality
        ).select_related("measure")
        self.fields["project"].label_from_instance = lambda p: p.title
        self.fields["programme"].queryset = Programme.objects.filter(municipality=municipality)
        self.fields["chair"].queryset = members_of(municipality)


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput)


class AgendaForm(forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=300)
    section = forms.ChoiceField(label=_("Section"), choices=Section.choices)


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}), max_length=3000
    )
    project = forms.ModelChoiceField(label=_("Project"), queryset=None, required=False)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects.select_related("measure")
        self.fields["project"].label_from_instance = lambda p: p.title


class ActionForm(DecisionForm):
    text = None
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    due_on = forms.DateField(label=_("Due"), widget=DateInput, required=False)

    def __init__(self, *args, projects, municipality, **kwargs):
        super().__init__(*args, projects=projects, **kwargs)
        self.fields["owner"].queryset = members_of(municipality)
        self.order_fields(["title", "owner", "due_on", "project"])


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TemplateKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000
    )


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    worked = forms.CharField(label=_("What worked"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                             required=False)  # fmt: skip
    did_not = forms.CharField(label=_("What did not work"), widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=5000, required=False)  # fmt: skip
    recommendation = forms.CharField(label=_("Recommendation"), widget=forms.Textarea(attrs={"rows": 3}),
                                     max_length=5000)  # fmt: skip
    fields_of_action = ManyChoice(label=_("Fields of action"), queryset=None, required=False,
                                                      widget=forms.CheckboxSelectMultiple)  # fmt: skip
    tags = forms.CharField(
        label=_("Tags"), max_length=300, required=False, help_text=_("comma-separated")
    )
    shared = forms.BooleanField(
        label=_("Share with every municipality on the instance"), required=False
    )

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields_of_action"].queryset = FieldOfAction.objects.filter(
            municipality=municipality
        )


class ImprovementForm(forms.Form):
    observed = forms.CharField(
        label=_("What we observed"), widget=forms.Textarea(attrs={"rows": 2}), max_length=3000
    )
    action = forms.CharField(
        label=_("What we change"), widget=forms.Textarea(attrs={"rows": 2}), max_length=3000
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    project = forms.ModelChoiceField(label=_("Project"), queryset=None, required=False)

    def __init__(self, *args, municipality, **kwargs):
        from .models import Project

        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(municipality)
        self.fields["project"].queryset = Project.objects.filter(
            municipality=municipality
        ).select_related("measure")
        self.fields["project"].label_from_instance = lambda p: p.title


class ApplicationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ApplicationStatus.choices)
    granted = forms.DecimalField(label=_("Granted (EUR)"), min_value=0, max_digits=14, decimal_places=2,
                                 required=False)  # fmt: skip
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput, required=False)
