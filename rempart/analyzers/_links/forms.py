"""Forms written into the HTML body: a mail client that renders them lets the reader type a password
straight into an attacker's page. Legitimate mail almost never carries a form."""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

MAX_HTML = 2_000_000  # characters of HTML parsed for forms
MAX_FORMS = 20
MAX_INPUTS = 200
_TEXT_TYPES = frozenset({"", "text", "email", "tel", "number", "password"})


@dataclass(frozen=True, slots=True)
class FormInfo:
    action: str  # as written, "" when absent
    has_password: bool
    text_inputs: int  # fields a reader types into (text, email, tel, number, password)
    input_names: tuple[str, ...]


def html_forms(html: str) -> list[FormInfo]:
    """The forms of ``html`` (bounded); [] when it has none."""
    if "<form" not in html[:MAX_HTML].lower():
        return []
    tree = LexborHTMLParser(html[:MAX_HTML])
    forms: list[FormInfo] = []
    for form in tree.css("form")[:MAX_FORMS]:
        has_password = False
        text_inputs = 0
        names: list[str] = []
        for field in form.css("input")[:MAX_INPUTS]:
            kind = (field.attributes.get("type") or "").strip().lower()
            name = (field.attributes.get("name") or "").strip()
            if kind == "password":
                has_password = True
            if kind in _TEXT_TYPES:
                text_inputs += 1
                if name and len(names) < 10:
                    names.append(name[:40])
        forms.append(FormInfo((form.attributes.get("action") or "").strip(), has_password, text_inputs,
                              tuple(names)))
    return forms
