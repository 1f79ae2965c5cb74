"""Editors' forms for setting up participation. They only parse input; services validate and save."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from stadtkern.core.forms import DateInput, DateTimeInput

from .assemblies import SHARES_EXAMPLE, parse_shares
from .counting_rules import RULES
from .models import RULE_LABELS, BallotKind, ImplementationStatus, PhaseKind, QuestionKind, TieBreak

SLUG_HELP = _("Part of the address: small letters, digits and hyphens, e.g. buergerhaushalt-2027.")


class NamedForm(forms.Form):
    """Titles and the short name in the address: processes, surveys and assemblies have them."""

    title = forms.CharField(label=_("Title (German)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    slug = forms.SlugField(label=_("Short name"), max_length=80, help_text=SLUG_HELP)


class ProcessForm(NamedForm):
    description = forms.CharField(
        label=_("Description (German)"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
        max_length=10000,
    )  # fmt: skip
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
        max_length=10000,
    )  # fmt: skip
    published = forms.BooleanField(label=_("Published (visible to everyone)"), required=False)


class WithoutSlug:
    """For editing: the short name stays, as it is in every link (and printed code sheet)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["slug"]


class ProcessEditForm(WithoutSlug, ProcessForm):
    pass


class PhaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Phase"), choices=PhaseKind.choices)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=DateTimeInput(), required=False,
        help_text=_("Leave empty for a phase without an end, such as implementation."),
    )  # fmt: skip


class BudgetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount in euros"), min_value=1, max_digits=16, decimal_places=2
    )
    district = forms.CharField(
        label=_("District"), max_length=100, required=False,
        help_text=_("Only for a district's own budget: then only its residents vote in it."),
    )  # fmt: skip
    ballot_kind = forms.ChoiceField(label=_("Ballot"), choices=BallotKind.choices)
    min_projects = forms.IntegerField(
        label=_("Fewest projects per ballot"), min_value=0, max_value=1000, initial=1
    )
    max_projects = forms.IntegerField(
        label=_("Most projects per ballot"), min_value=1, max_value=1000, required=False
    )
    max_points = forms.IntegerField(
        label=_("Points per voter (cumulative ballots)"), min_value=1, max_value=100_000,
        required=False,
    )  # fmt: skip
    rule = forms.ChoiceField(
        label=_("Outcome rule"), choices=[(r, RULE_LABELS.get(r, r)) for r in RULES], initial="equalshares/add1",
        help_text=_("equalshares/add1 is the Method of Equal Shares; greedy funds the projects with "
                    "the most votes as long as money is left."),
    )  # fmt: skip
    min_score = forms.DecimalField(
        label=_("Minimum score (greedy-threshold)"), min_value=0, max_digits=16, decimal_places=2,
        required=False,
    )  # fmt: skip
    tie_break = forms.ChoiceField(
        label=_("Between equally good projects"), choices=TieBreak.choices,
        initial=TieBreak.SUPPORTERS, required=False,
    )  # fmt: skip
    tie_seed = forms.CharField(
        label=_("Seed of the lot"), max_length=100, required=False,
        help_text=_("Only for a lot: announce it before the vote, e.g. the numbers of a "
                    "public draw; anybody can then repeat the lot."),
    )  # fmt: skip

    def clean_tie_break(self) -> str:
        # Not sent by older forms and scripts: the default rule, as the API has it.
        return self.cleaned_data.get("tie_break") or TieBreak.SUPPORTERS


def picture_fields() -> tuple[forms.FileField, forms.CharField]:
    """An optional picture and the words for people who cannot see it."""
    picture = forms.FileField(
        label=_("Picture (JPEG, PNG or WebP, at most 8 MB)"), required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )  # fmt: skip
    words = forms.CharField(
        label=_("What does the picture show? (for people who cannot see it)"), max_length=300,
        required=False,
    )  # fmt: skip
    return picture, words


class ProjectForm(forms.Form):
    ref = forms.CharField(
        label=_("Number"), max_length=40, help_text=_("As on the ballot, e.g. 7 or N-3.")
    )
    title = forms.CharField(label=_("Title"), max_length=500)
    cost = forms.DecimalField(
        label=_("Cost in euros"), min_value=0, max_digits=16, decimal_places=2
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        max_length=10000,
    )  # fmt: skip
    title_en = forms.CharField(label=_("Title (English)"), max_length=500, required=False)
    category = forms.CharField(
        label=_("District or topic"), max_length=300, required=False,
        help_text=_("Shown beside the title on the ballot."),
    )  # fmt: skip
    latitude = forms.FloatField(
        label=_("Latitude"), min_value=-90, max_value=90, required=False,
        help_text=_("The place on the ballot's map, in degrees, e.g. 51.45."),
    )  # fmt: skip
    longitude = forms.FloatField(
        label=_("Longitude"), min_value=-180, max_value=180, required=False,
        help_text=_("e.g. 6.63"),
    )  # fmt: skip
    image, image_alt = picture_fields()

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        return data


class SurveyForm(NamedForm):
    description = forms.CharField(
        label=_("Introduction"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        max_length=10000,
    )  # fmt: skip
    opens_at = forms.DateTimeField(label=_("Opens"), widget=DateTimeInput())
    closes_at = forms.DateTimeField(label=_("Closes"), widget=DateTimeInput())
    anonymous = forms.BooleanField(
        label=_("Anonymous (answers are stored without the account)"), required=False,
        initial=True,
    )  # fmt: skip
    login_required = forms.BooleanField(label=_("Only for registered participants"), required=False)
    published = forms.BooleanField(label=_("Published"), required=False, initial=True)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question (German)"), max_length=1000, required=False)
    text_en = forms.CharField(label=_("Question (English)"), max_length=1000, required=False)
    choices = forms.CharField(
        label=_("Choices, one per line"), widget=forms.Textarea(attrs={"rows": 3}),
        required=False, max_length=5000,
    )  # fmt: skip
    required = forms.BooleanField(label=_("Answer required"), required=False, initial=True)

    def question(self) -> dict | None:
        """Return the question for the service, or None for a row left empty."""
        data = self.cleaned_data
        if not data.get("text", "").strip():
            return None
        return {
            "kind": data["kind"], "text": data["text"].strip(), "text_en": data["text_en"].strip(),
            "choices": [c.strip() for c in data["choices"].splitlines() if c.strip()],
            "required": data["required"],
        }  # fmt: skip


# Empty rows are left out, so a survey may have fewer questions than rows.
QuestionFormSet = forms.formset_factory(QuestionForm, extra=8, max_num=8, absolute_max=8)


class WaveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    opens = forms.DateField(label=_("Opens on"), widget=DateInput())
    days = forms.IntegerField(label=_("Open for days"), min_value=1, max_value=90, initial=14)


class SeriesForm(WaveForm):
    """The first wave of a new series, which needs its short name."""

    series = forms.SlugField(
        label=_("Short name of the series"), max_length=60,
        help_text=_("Small letters, digits and hyphens, e.g. lenkungskreis."),
    )  # fmt: skip
    team_only = forms.BooleanField(
        label=_("Only for the municipality's team"), required=False, initial=True,
        help_text=_("Members answer and read the trend; the public sees neither. Without it, "
                    "the trend is public (answering still needs an account)."),
    )  # fmt: skip
    field_order = ["series", "title", "opens", "days", "team_only"]


class SharesField(forms.CharField):
    """Population shares written one feature per line (see ``assemblies.parse_shares``)."""

    widget = forms.Textarea(attrs={"rows": 5})

    def to_python(self, value):
        return parse_shares(super().to_python(value))


class AssemblyForm(NamedForm):
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        max_length=10000,
    )  # fmt: skip
    panel_size = forms.IntegerField(
        label=_("Members of the panel"), min_value=2, max_value=1000, initial=30
    )
    shares = SharesField(
        label=_("Population shares"), max_length=5000,
        help_text=format_lazy(
            _("One feature per line: its name, a colon, then each value with its share, separated "
              "by semicolons. Percentages or fractions, e.g. {example}"), example=SHARES_EXAMPLE,
        ),
    )  # fmt: skip


class SurveyEditForm(WithoutSlug, SurveyForm):
    pass


class AssemblyEditForm(WithoutSlug, AssemblyForm):
    pass


class ImplementationForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ImplementationStatus.choices)
    progress = forms.IntegerField(label=_("Progress in percent"), min_value=0, max_value=100)
    measure = forms.ModelChoiceField(
        label=_("Measure of the strategy that carries it"), queryset=None, required=False,
        empty_label=_("none"),
    )  # fmt: skip

    def __init__(self, *args, municipality=None, **kwargs):
        from stadtkern.strategy.models import Measure

        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = Measure.objects.filter(
            municipality=municipality
        ).order_by("title")


class NoteForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=DateInput())
    text = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    image, image_alt = picture_fields()
