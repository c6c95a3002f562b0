"""The one way a number is read from outside input (URLs, query strings, forms, files).

``str.isdigit()`` is true for "²" and "①", which ``int()`` then refuses, and ``int()``
itself reads Arabic-Indic "٣" and full-width digits as numbers: nobody types those into
this site on purpose. Only ASCII digits are numbers here, everywhere.
"""

import re

from django import forms

DIGITS = re.compile(r"[0-9]{1,18}")  # [0-9], not \d: \d matches every script's digits


def parse_int(raw, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``raw`` as a whole number of ASCII digits within the bounds, else ValueError.

    No sign, no spaces, no other script's digits; at most 18 digits, so the value always
    fits a 64-bit column.
    """
    if not isinstance(raw, str) or not DIGITS.fullmatch(raw):
        raise ValueError(f"not a number: {raw!r}")
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"out of range: {value}")
    return value


class WholeNumberField(forms.IntegerField):
    """A form's ``IntegerField`` that reads its value with ``parse_int``."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_int(str(value).strip())
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
