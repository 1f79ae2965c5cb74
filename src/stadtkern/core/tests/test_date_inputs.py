"""Every date and time field of every form carries ISO values, in German as in English.

Browsers take nothing else in ``<input type="date">``/``datetime-local``: a German
``01.03.2025`` shows as empty, and saving the unchanged form would erase the date.
"""

import importlib
import inspect
import re
from datetime import date, datetime

import pytest
from django import forms
from django.utils import translation

FORM_MODULES = ["stadtkern.data.forms", "stadtkern.strategy.forms", "stadtkern.participation.forms"]


def date_fields():
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, forms.BaseForm) or form.__module__ != module_name:
                continue
            for field_name, field in form.base_fields.items():
                if isinstance(field, forms.DateField | forms.DateTimeField):
                    yield pytest.param(field, id=f"{name}.{field_name}")


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("field", list(date_fields()))
def test_date_inputs_render_iso_values_in_every_language(field, language):
    value = (
        datetime(2025, 3, 1, 9, 30) if isinstance(field, forms.DateTimeField) else date(2025, 3, 1)
    )
    with translation.override(language):
        html = field.widget.render("d", value)
        kind = re.search(r'type="([^"]+)"', html).group(1)
        shown = re.search(r'value="([^"]+)"', html).group(1)
        assert kind in {"date", "datetime-local"}, html
        assert shown == ("2025-03-01T09:30:00" if kind == "datetime-local" else "2025-03-01")
        # What the browser sends back is read as the same day and time (local time).
        parsed = field.to_python(shown)
        if isinstance(parsed, datetime):
            parsed = parsed.replace(tzinfo=None)
        assert parsed == value


def test_there_are_date_fields_to_check():
    assert len(list(date_fields())) >= 6
