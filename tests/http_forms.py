"""A person's browser without a browser: fetch a page, fill one of its forms, send it.

For tests that drive a server in another process (tests/cluster.py), where Django's test
client cannot reach. Forms are read from the HTML as the page shows them (hidden CSRF
token, chosen options, checked boxes), so a test only names what a person would change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # names of <input type=file>
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value) of submit buttons


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        kind = a.get("type", "text").lower()
        if tag == "input" and a.get("name"):
            if kind == "file":
                form.files.append(a["name"])
            elif kind == "submit":
                form.buttons.append((a["name"], a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields[a["name"]] = a.get("value", "on")
            else:
                form.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and a.get("name") and kind == "submit":
            form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._first_option = a.get("name"), None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
                form.fields.setdefault(self._select, value)
            if "selected" in a:
                form.fields[self._select] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            form.fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


class Browser:
    """A requests session that follows redirects and sends forms with their CSRF token."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.page_url = base_url
        self.html = ""

    def get(self, path: str, **kwargs) -> requests.Response:
        response = self.session.get(urljoin(self.base_url, path), timeout=60, **kwargs)
        if response.headers.get("Content-Type", "").startswith("text/html"):
            self.page_url, self.html = response.url, response.text
        return response

    def open(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, f"GET {path}: {response.status_code}\n{response.text[:2000]}"
        return response.text

    def form(self, action: str) -> Form:
        """The current page's form whose action matches the regular expression `action`."""
        found = [form for form in forms_of(self.html) if re.search(action, form.action)]
        actions = [form.action for form in forms_of(self.html)]
        assert found, f"No form to {action!r} on {self.page_url}; forms: {actions}"
        return found[0]

    def submit(self, action: str, *, button: tuple[str, str] | None = None, files=None, **values) -> requests.Response:
        """Fill the form to `action` with `values` (the rest as shown) and send it, like a click."""
        form = self.form(action)
        data = form.fields | {key: str(value) for key, value in values.items()}
        if button is not None:
            data[button[0]] = button[1]
        url = urljoin(self.page_url, form.action or self.page_url)
        response = self.session.request(
            form.method.upper(), url, data=data, files=files, headers={"Referer": self.page_url}, timeout=120
        )
        if response.headers.get("Content-Type", "").startswith("text/html"):
            self.page_url, self.html = response.url, response.text
        assert response.status_code == 200, f"{form.method} {url}: {response.status_code}\n{response.text[:3000]}"
        return response
