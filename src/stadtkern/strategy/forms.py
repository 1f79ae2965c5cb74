"""Editor forms of the strategy house. They only parse input; services validate and save."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stadtkern.core.forms import DateInput, SearchableSelectMultiple

from .models import TITLE_MAX, FieldOfAction, Goal, MeasureStatus, Priority, SdgTarget, UserGroup


class SdgTargetChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: SdgTarget) -> str:
        title = obj.title
        return f"{obj.code} – {title[:90]}{'…' if len(title) > 90 else ''}"


def _other_title(target: SdgTarget) -> str:
    """Search words besides the label: the title in the other language."""
    return target.title_de if get_language() == "en" else target.title_en


def sdg_field() -> SdgTargetChoice:
    return SdgTargetChoice(
        queryset=SdgTarget.objects.all(),
        required=False,
        label=_("SDG targets"),
        help_text=_(
            "Type a number or words (German or English) and choose with the arrow keys "
            "and Enter; without JavaScript, hold Ctrl (or ⌘) to choose several."
        ),  # fmt: skip
        widget=SearchableSelectMultiple(alt_label=_other_title),
    )


class SimpleForm(forms.Form):
    """Values, fields of action and user groups share this shape."""

    title = forms.CharField(label=_("Title (German)"), max_length=TITLE_MAX)
    title_en = forms.CharField(label=_("Title (English)"), max_length=TITLE_MAX, required=False)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10000,
    )
    description_en = forms.CharField(
        label=_("Description (English)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=2**31 - 1, initial=0)
    published = forms.BooleanField(label=_("Published"), required=False)


class GoalForm(SimpleForm):
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.MEDIUM
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sdg_targets"] = sdg_field()

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["sdg_targets"] = [t.code for t in data["sdg_targets"]]
        return data


class VisionForm(forms.Form):
    text = forms.CharField(
        label=_("Vision (German)"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000
    )
    text_en = forms.CharField(
        label=_("Vision (English)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=10000,
    )
    published = forms.BooleanField(label=_("Published"), required=False)


class MeasureForm(forms.Form):
    title = forms.CharField(label=_("Title (German)"), max_length=TITLE_MAX)
    title_en = forms.CharField(label=_("Title (English)"), max_length=TITLE_MAX, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10000,
    )
    summary_en = forms.CharField(
        label=_("Summary (English)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
    )
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices)
    responsible_unit = forms.CharField(
        label=_("Responsible unit"), max_length=TITLE_MAX, required=False
    )
    start = forms.DateField(label=_("Start"), required=False, widget=DateInput)
    end = forms.DateField(label=_("End"), required=False, widget=DateInput)
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost (EUR)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        max_value=999_999_999_999,
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, e.g. Innenstadt, Open Data."),
    )
    published = forms.BooleanField(label=_("Published"), required=False)

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields_of_action"] = forms.ModelMultipleChoiceField(
            queryset=FieldOfAction.objects.filter(municipality=municipality),
            required=False,
            label=_("Fields of action"),
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["goals"] = forms.ModelMultipleChoiceField(
            queryset=Goal.objects.filter(municipality=municipality),
            required=False,
            label=_("Goals served"),
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["sdg_targets"] = sdg_field()
        self.groups = list(UserGroup.objects.filter(municipality=municipality))
        for group in self.groups:
            self.fields[f"benefit_{group.pk}"] = forms.CharField(
                label=group.display_title,
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"benefit_en_{group.pk}"] = forms.CharField(
                label=format_lazy("{} ({})", group.display_title, _("English")),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def benefit_fields(self):
        return [self[f"benefit{k}_{g.pk}"] for g in self.groups for k in ("", "_en")]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", ValidationError(_("The end lies before the start.")))
        return data

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("benefit_")}
        data["fields_of_action"] = [f.pk for f in data["fields_of_action"]]
        data["goals"] = [g.pk for g in data["goals"]]
        data["sdg_targets"] = [t.code for t in data["sdg_targets"]]
        data["tags"] = [t.strip() for t in data["tags"].split(",") if t.strip()]
        data["benefits"] = [
            {
                "user_group": g.pk,
                "value": self.cleaned_data[f"benefit_{g.pk}"],
                "value_en": self.cleaned_data.get(f"benefit_en_{g.pk}", ""),
            }
            for g in self.groups
            if self.cleaned_data.get(f"benefit_{g.pk}", "").strip()
        ]
        return data

    @classmethod
    def initial_for(cls, measure) -> dict:
        initial = {
            "title": measure.title,
            "title_en": measure.title_en,
            "summary": measure.summary,
            "summary_en": measure.summary_en,
            "status": measure.status,
            "responsible_unit": measure.responsible_unit,
            "start": measure.start,
            "end": measure.end,
            "estimated_cost": measure.estimated_cost,
            "published": measure.published,
            "fields_of_action": [f.pk for f in measure.fields_of_action.all()],
            "goals": [g.pk for g in measure.goals.all()],
            "sdg_targets": [t.pk for t in measure.sdg_targets.all()],
            "tags": ", ".join(t.name for t in measure.tags.all()),
        }
        for benefit in measure.benefits.all():
            initial[f"benefit_{benefit.user_group_id}"] = benefit.value
            initial[f"benefit_en_{benefit.user_group_id}"] = benefit.value_en
        return initial
