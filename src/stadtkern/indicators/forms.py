"""Editor forms of the indicators. They only parse input; services check and save.

Dates use the browser's date field (core.forms.DateInput): the reader sees 01.03.2025 in
German, the form sends 2025-03-01.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from stadtkern.core.forms import DateInput
from stadtkern.data.models import SavedQuery
from stadtkern.sensors.models import Datastream
from stadtkern.strategy.forms import sdg_field
from stadtkern.strategy.models import Goal, Measure

from .models import (
    Comparison,
    Direction,
    Level,
    SensorFunction,
    SensorInterval,
    SourceKind,
    SurveyMeasure,
)

LARGEST = 1e15

DEFINITION = ("name", "name_en", "explanation", "explanation_en", "formula", "unit", "unit_en",
              "decimals", "direction", "level", "comparison", "published")  # fmt: skip
SOURCE = ("source", "query", "period_column", "value_column", "district_column", "datastream",
          "sensor_interval", "sensor_function", "survey_series", "survey_question", "survey_measure",
          "statistics_table", "statistics_column", "statistics_filter")  # fmt: skip
TARGET = ("baseline_value", "baseline_date", "target_value", "target_date", "tolerance",
          "target_text", "target_text_en")  # fmt: skip


def _number(label, required: bool = False, minimum: float = -LARGEST) -> forms.FloatField:
    return forms.FloatField(label=label, required=required, min_value=minimum, max_value=LARGEST,
                            localize=True)  # fmt: skip


class IndicatorForm(forms.Form):
    """Definition, source and target of one indicator, in three fieldsets."""

    name = forms.CharField(label=_("Name (German)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    explanation = forms.CharField(label=_("Explanation in plain words (German)"), required=False,
                                  max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    explanation_en = forms.CharField(label=_("Explanation in plain words (English)"), required=False,
                                     max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    formula = forms.CharField(label=_("Formula"), max_length=500, required=False)
    unit = forms.CharField(label=_("Unit (German)"), max_length=40, required=False)
    unit_en = forms.CharField(label=_("Unit (English)"), max_length=40, required=False)
    decimals = forms.IntegerField(label=_("Decimals"), min_value=0, max_value=6)
    direction = forms.ChoiceField(label=_("Better is"), choices=Direction.choices)
    level = forms.ChoiceField(label=_("Spatial level"), choices=Level.choices)
    comparison = forms.ChoiceField(label=_("Compared across municipalities"), choices=Comparison.choices,
                                   required=False)  # fmt: skip
    published = forms.BooleanField(label=_("Published"), required=False)
    goals = forms.ModelMultipleChoiceField(label=_("Strategic goals"), queryset=Goal.objects.none(),
                                           required=False, widget=forms.CheckboxSelectMultiple)  # fmt: skip

    source = forms.ChoiceField(label=_("Source"), choices=SourceKind.choices)
    query = forms.ModelChoiceField(label=_("Saved query"), queryset=SavedQuery.objects.none(), required=False,
                                   help_text=_("Its columns name the period, the value and, per district, the district; a row without a district is the whole municipality."))  # fmt: skip
    period_column = forms.CharField(label=_("Period column"), max_length=63, initial="period")
    value_column = forms.CharField(label=_("Value column"), max_length=63, initial="value")
    district_column = forms.CharField(label=_("District column"), max_length=63, required=False,
                                      initial="district")  # fmt: skip
    datastream = forms.ModelChoiceField(
        label=_("Datastream"), queryset=Datastream.objects.none(), required=False
    )
    sensor_interval = forms.ChoiceField(label=_("Interval"), choices=SensorInterval.choices)
    sensor_function = forms.ChoiceField(label=_("Function"), choices=SensorFunction.choices)
    survey_series = forms.SlugField(label=_("Pulse-check series"), max_length=80, required=False)
    survey_question = forms.IntegerField(
        label=_("Question number"), min_value=1, max_value=500, initial=1
    )
    survey_measure = forms.ChoiceField(label=_("Measure"), choices=SurveyMeasure.choices)
    statistics_table = forms.CharField(label=_("Statistics table code"), max_length=40, required=False,
                                       help_text=_("As GENESIS names it, e.g. 12411-01-01-5."))  # fmt: skip
    statistics_column = forms.CharField(label=_("Statistics value column"), max_length=120, required=False,
                                        help_text=_("The value's code, e.g. BEVSTD (the column BEVSTD__… of the file)."))  # fmt: skip
    statistics_filter = forms.CharField(label=_("Statistics row filter"), max_length=300, required=False,
                                        help_text=_("Where the table has more dimensions, e.g. 2_Auspraegung_Code=GESAMT."))  # fmt: skip

    baseline_value = _number(_("Baseline value"))
    baseline_date = forms.DateField(label=_("Baseline date"), required=False, widget=DateInput)
    target_value = _number(_("Target value"))
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput)
    tolerance = _number(_("Tolerance"), required=True, minimum=0)
    target_text = forms.CharField(
        label=_("Target in words (German)"), max_length=300, required=False
    )
    target_text_en = forms.CharField(
        label=_("Target in words (English)"), max_length=300, required=False
    )

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goals"].queryset = Goal.objects.filter(municipality=municipality)
        self.fields["query"].queryset = SavedQuery.objects.filter(municipality=municipality)
        self.fields["datastream"].queryset = Datastream.objects.filter(
            municipality=municipality
        ).order_by("name")
        self.fields["sdg_targets"] = sdg_field()

    def fieldsets(self):
        return [
            (_("Definition"), [self[n] for n in (*DEFINITION, "goals", "sdg_targets")]),
            (_("Source"), [self[n] for n in SOURCE]),
            (_("Target"), [self[n] for n in TARGET]),
        ]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["sdg_targets"] = [t.code for t in data.pop("sdg_targets")]
        return data


class ValueForm(forms.Form):
    period = forms.CharField(label=_("Period"), max_length=40,
                             help_text=_("A year (2024), a month (2024-03), a quarter (2024-Q1) or a day."))  # fmt: skip
    value = forms.CharField(label=_("Value"), max_length=40)
    district = forms.CharField(label=_("District"), max_length=200, required=False,
                               help_text=_("Empty for the whole municipality."))  # fmt: skip
    source = forms.CharField(label=_("Source"), max_length=300, required=False,
                             help_text=_("Where the figure comes from, e.g. IT.NRW, Kommunalprofil."))  # fmt: skip
    as_of = forms.DateField(label=_("As of"), required=False, widget=DateInput)


class ValuesFileForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file"),
                           help_text=_("Columns: period (Zeitraum, Jahr), value (Wert) and, optionally, district (Bezirk) and source (Quelle)."))  # fmt: skip
    source = forms.CharField(label=_("Source of all values"), max_length=300, required=False)


class StatisticsFileForm(forms.Form):
    file = forms.FileField(label=_("Flat CSV (ffcsv)"),
                           help_text=_("As GENESIS-Online and the Regionaldatenbank offer a table for download: 'flat file CSV'."))  # fmt: skip


class EffectForm(forms.Form):
    measure = forms.ModelChoiceField(label=_("Measure"), queryset=Measure.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    planned = _number(_("Planned contribution"), required=True)
    achieved = _number(_("Achieved contribution"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = Measure.objects.filter(
            municipality=municipality
        ).order_by("title")


class MilestoneForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    value = _number(_("Value"), required=True)
    label = forms.CharField(label=_("Label"), max_length=200, required=False)
