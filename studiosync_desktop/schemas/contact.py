"""A person's or a studio's contact details, checked the same way wherever they are typed: a
phone number in a standard form, an email address. Their libraries load on first use (a
schema with pydantic's EmailStr would import email_validator as the schema is built)."""

from __future__ import annotations

DEFAULT_PHONE_REGION = "US"


def check_phone(value: str) -> str:
    """'' stays ''; anything else must be a possible phone number, shown in a standard form."""
    value = value.strip()
    if not value:
        return ""
    import phonenumbers  # its metadata loads when a number is first checked

    try:
        number = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("this is not a phone number (for example (312) 555-0147)") from exc
    if not phonenumbers.is_possible_number(number):
        raise ValueError("this is not a phone number (for example (312) 555-0147)")
    home = phonenumbers.country_code_for_region(DEFAULT_PHONE_REGION)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def check_optional_email(value: str) -> str:
    """'' stays ''; anything else must be an email address, in its normal form."""
    value = value.strip()
    if not value:
        return ""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"this is not an email address ({exc})") from exc


def check_email(value: str) -> str:
    """An email address that must be there, in its normal form."""
    if not value.strip():
        raise ValueError("an email address is needed")
    return check_optional_email(value)
