"""NATO Stock Numbers: 13 digits = supply class (4) + country code (2) + serial (7)."""

import re

_SEPARATORS = re.compile(r"[\s-]")


def normalise_nsn(value: str) -> str:
    """Digits only; raise ValueError explaining what is wrong."""
    digits = _SEPARATORS.sub("", value or "")
    if not digits.isdigit() or len(digits) != 13:
        raise ValueError(
            f"A NATO Stock Number has 13 digits (class 4, country 2, serial 7), "
            f"e.g. 1005-01-123-4567; got '{value}'."
        )
    return digits


def format_nsn(digits: str) -> str:
    if not digits:
        return ""
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:9]}-{digits[9:]}"
