"""The reference distributor portal: a Flask application on the liaison
Python binding, for a distributor's own staff.

Configuration (environment, or the mapping given to create_app):
  LIAISON_URL         liaison://host:port of liaisond (required)
  LIAISON_CA          PEM CA bundle that verifies liaisond (default: the system's)
  LIAISON_SERVER_NAME the name liaisond's certificate must carry (default: the
                      URL's host)
  PORTAL_SESSION_DB   SQLite file of the portal's sessions (default: in the
                      instance folder)
  PORTAL_SECURE_COOKIES  "0" only when the portal is served over plain HTTP
                      on 127.0.0.1 for development; cookies are Secure otherwise
  PORTAL_CLIENT_ADDRESS  "1": name each user's own address when signing in,
                      so liaisond's per-address log-in limits count the user,
                      not the portal (list the portal in liaisond's
                      trusted_proxies first, or every sign-in is refused)
  PORTAL_PROXY_HOPS   reverse proxies in front of the portal (a TLS
                      terminator: 1) whose X-Forwarded-For gives the user's
                      address (default 0: the connection's)

Every page is rendered on the server and works without JavaScript. The
Liaison session token never leaves the server (sessions.py); every form
carries a CSRF token; a Content-Security-Policy allows nothing but the
portal's own stylesheet and images.
"""
from __future__ import annotations

import atexit
import base64
import calendar
import collections
import datetime as dt
import decimal
import io
import ipaddress
import itertools
import mimetypes
import os
import re
import secrets
import shutil
import tempfile
import time
import unicodedata
import urllib.parse
from typing import Any, Dict, List, Mapping, Optional
from zoneinfo import ZoneInfo

import liaison
from babel import Locale, UnknownLocaleError
from babel.dates import (format_date, format_skeleton, format_time,
                         get_datetime_format)
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (format_currency, format_decimal, get_currency_precision,
                           get_decimal_symbol, get_group_symbol, get_territory_currencies,
                           is_currency)
from flask import (Flask, Response, abort, g, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import Babel, get_locale, gettext as _, lazy_pgettext, ngettext
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_options_header
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .sessions import IDLE_SECONDS, SessionStore

COOKIE = "liaison_portal"
LANGUAGES = ("en", "vi", "ja")
PAGE_SIZE = 50
# The meetings list reads at most this many pages: a year of a distributor's
# cadence (weekly, monthly, quarterly and annual series) is about 70.
MEETING_PAGES = 10
# The past meetings view (/meetings?past=1): the meetings of these last days.
PAST_DAYS = 92
# Lists the server gives oldest first (orders, reports, escalations, plans,
# updates, a lead's interactions) are shown newest first: the portal reads
# them to their end, at most this many items, and keeps the newest PAGE_SIZE.
NEWEST_SCAN = 10000
# ISO 4217 codes of no money an amount is in (no currency, tests, precious
# metals, the SDR, accounting units, fund codes) and withdrawn ones, as the
# server's geo_currency has them.
NOT_MONEY = ("XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC",
             "XBD", "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW", "HRK", "CUC",
             "SLL", "ZWL", "ANG")
# Codes newer than Debian's Babel knows, which the server's geo_currency takes
# (the Caribbean guilder, Zimbabwe Gold), both of two decimals, Babel's default.
NEWER_MONEY = ("XCG", "ZWG")
HERE = os.path.dirname(os.path.abspath(__file__))


def _is_money(code: str) -> bool:
    """Whether an upper-case code is a currency an amount is in, as the server has it:
    a deal in XCG was refused here and taken by the command line (a review)."""
    return (is_currency(code) or code in NEWER_MONEY) and code not in NOT_MONEY


def _compile_catalogues() -> str:
    """The .po catalogues compiled to .mo in a directory of this process's own."""
    out = tempfile.mkdtemp(prefix="liaison-portal-i18n-")
    atexit.register(shutil.rmtree, out, True)
    src = os.path.join(HERE, "translations")
    for lang in os.listdir(src):
        po_path = os.path.join(src, lang, "LC_MESSAGES", "messages.po")
        if not os.path.exists(po_path):
            continue
        os.makedirs(os.path.join(out, lang, "LC_MESSAGES"))
        with open(po_path, "rb") as f:
            catalog = read_po(f, locale=lang)
        with open(os.path.join(out, lang, "LC_MESSAGES", "messages.mo"), "wb") as f:
            write_mo(f, catalog)
    return out


ORDER_LINES = 5
# The most units a line may order (rpc_order.c's MAX_QUANTITY).
ORDER_MAX_QUANTITY = 1000000000
# The server's ids and amounts are signed 64-bit.
INT64_MAX = 2**63 - 1
# The most a report's units or revenue (in minor units) may be (request.c, README).
FIGURE_MAX = 10**15


class IdConverter(IntegerConverter):
    """A record's id in a URL: 1 to INT64_MAX, so that /orders/0 or an id of
    30 digits is a page that does not exist, not a call the server refuses."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=INT64_MAX)


_FULLWIDTH = {0xFF10 + i: ord("0") + i for i in range(10)}
_FULLWIDTH.update({0xFF0C: ord(","), 0xFF0E: ord(".")})


def _amount_text(text: str, locale: str) -> Optional[str]:
    """An amount as the reader's language writes it ("1.250.000" or
    "1250,50" in Vietnamese, "1,250.50" in English), or plainly ("1250.50"),
    as a decimal's text; None when it is neither, or when a separator is out
    of place ("1,5" in English is not 15)."""
    dec, grp = get_decimal_symbol(locale), get_group_symbol(locale)
    d, g = re.escape(dec), re.escape(grp)
    # Full-width digits and separators ("１２５０", a Japanese keyboard's) are the ones they
    # show; not NFKC, which would read "²" as 2.
    text = text.translate(_FULLWIDTH).strip()
    if re.fullmatch(r"[0-9]+(?:%s[0-9]+)?" % d, text):
        return text.replace(dec, ".")
    if re.fullmatch(r"[0-9]{1,3}(?:%s[0-9]{3})+(?:%s[0-9]+)?" % (g, d), text):
        return text.replace(grp, "").replace(dec, ".")
    # Where "." groups digits, "1250.50" still reads as a decimal; "1.250" groups.
    if dec != "." and re.fullmatch(r"[0-9]+\.[0-9]+", text) and not (
            grp == "." and re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+", text)):
        return text
    return None


def _amount_example(currency: str, locale: str) -> str:
    """1250.50 as locale writes an amount of currency ("1,250.50" in English,
    "1.250,50" in Vietnamese; "1.250.000" for VND, which has no decimals)."""
    try:
        digits = get_currency_precision(currency.upper() or "USD")
    except (KeyError, ValueError):
        digits = 2
    example = decimal.Decimal("1250.50") if digits else decimal.Decimal(1250000)
    return format_decimal(example, format="#,##0" + ("." + "0" * digits if digits else ""),
                          locale=locale)


def _grouping_doubt(text: str, digits: int, locale: str) -> bool:
    """Whether text is up to three digits, one separator and three more
    that the reader's language reads as decimals ("125.000" in English,
    "125,000" in Vietnamese) while another language groups thousands so,
    of a currency with fewer than three decimals: ₫125 or ₫125,000? Taken
    as decimals it was ₫125 without a word (a try-out); refused as
    decimals the currency does not have, so that the reader writes it
    again one way or the other."""
    plain = _amount_text(text, locale)
    return digits < 3 and plain is not None and bool(
        re.fullmatch(r"[0-9]{1,3}\.[0-9]{3}", plain))


def _minor(text: str, currency: str, locale: str = "en") -> Optional[int]:
    """An amount typed in major units ("1250.50", or as locale writes it:
    _amount_text) in currency's minor units (125050), never through a float;
    None when it is not one or is more than the server's amounts hold."""
    try:
        digits = get_currency_precision(currency.upper() or "USD")
        cent = decimal.Decimal(1).scaleb(-digits)
        plain = _amount_text(text, locale)
        if plain is None or _grouping_doubt(text, digits, locale):
            return None
        value = decimal.Decimal(plain)
        # Bounded before quantize(), which refuses a number longer than the
        # context's precision ("1e400").
        if (not value.is_finite() or not 0 <= value <= INT64_MAX * cent
                or value != value.quantize(cent)):
            return None
    except (decimal.DecimalException, ValueError):
        return None
    return int(value.scaleb(digits))


def _decimals_refused(text: str, currency: str, locale: str) -> bool:
    """Whether text is an amount as _minor reads it, with more decimals than
    currency has: "150.000.000,50" of VND (or JPY, KRW: none), "12.345" of
    USD (two), "1.2345" of KWD or BHD (three): _minor refuses it, and the
    reader is told how many decimals the currency has (_decimals_said). A
    trailing zero is no decimal ("12.3400" of USD is 12.34) but where three
    of them may group thousands (_grouping_doubt); of a currency Babel
    does not know, the portal cannot say how many it has."""
    try:
        code = currency.upper()
        if not _is_money(code):
            return False
        plain = _amount_text(text, locale)
        if plain is None:
            return False
        digits = get_currency_precision(code)
        return (len(plain.partition(".")[2].rstrip("0")) > digits
                or _grouping_doubt(text, digits, locale))
    except (ValueError, KeyError):
        return False


def _decimals_said(currency: str, locale: str) -> str:
    """How many decimals currency has, as a field's reason, with an
    example: "VND has no decimals: ...", "USD allows at most 2 decimals, ..."."""
    digits = get_currency_precision(currency.upper() or "USD")
    if not digits:
        return _("%(currency)s has no decimals: a whole amount, e.g. %(example)s",
                 currency=currency.upper(), example=_amount_example(currency, locale))
    return ngettext("%(currency)s allows at most %(num)s decimal, e.g. %(example)s",
                    "%(currency)s allows at most %(num)s decimals, e.g. %(example)s", digits,
                    currency=currency.upper(), example=_amount_example(currency, locale))


def _form_amount(minor: Any, currency: str, locale: str) -> str:
    """An amount of currency's minor units as a form shows it to be typed
    again: plain digits and the reader's decimal sign, no grouping ("1200.00",
    "1200,00" in Vietnamese, "250000000" of VND), which _minor reads back as
    it was. A "." there in Vietnamese would read as grouping a thousand
    where a currency has three decimals ("1.500" of KWD)."""
    digits = get_currency_precision(currency.upper() or "USD")
    plain = str(decimal.Decimal(int(minor or 0)).scaleb(-digits))
    return plain.replace(".", get_decimal_symbol(locale))


def _cursor(text: str) -> Optional[str]:
    """A page cursor from a query string as the server makes them (base64url
    without padding, at most 512 characters), or None; "" for none given."""
    if not text:
        return ""
    return text if re.fullmatch(r"[A-Za-z0-9_-]{1,512}", text) else None


def _whole(text: str) -> Optional[int]:
    """A whole number typed in ASCII digits; None for anything else. Not
    str.isdigit(): it takes "²", which int() then refuses."""
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


def _plain_count(text: str, locale: str) -> str:
    """A count as a person types it, as plain digits: full-width digits
    ("１０") as ASCII ones (_amount_text), and the reader's group separators left out
    ("1.000" in Vietnamese, "1,000" in English); text as typed when it is no
    whole number, for _whole to refuse. "1.000" was refused as units where
    revenue "540.000.000" was taken (a try-out)."""
    plain = _amount_text(text, locale)
    return plain if plain is not None and re.fullmatch(r"[0-9]+", plain) else text


def _too_large_whole(text: str, maximum: int = FIGURE_MAX) -> bool:
    """Whether text is a whole number, but more than maximum: "too large",
    not "not a whole number"."""
    return bool(re.fullmatch(r"[0-9]+", text)) and int(text) > maximum


def _too_large_amount(text: str, currency: str, locale: str,
                      maximum_minor: int = FIGURE_MAX) -> bool:
    """Whether text is an amount as _minor reads it, but more than
    maximum_minor of currency's minor units."""
    try:
        digits = get_currency_precision(currency.upper() or "USD")
        plain = _amount_text(text, locale)
        if plain is None:
            return False
        value = decimal.Decimal(plain)
        return value.is_finite() and value > decimal.Decimal(maximum_minor).scaleb(-digits)
    except (decimal.DecimalException, ValueError, KeyError):
        return False


def _local_path(target: str) -> Optional[str]:
    """target when it is a path on this site; None when a browser could go
    elsewhere with it: "//host" and "/\\host" both name another host, and
    browsers drop tabs and newlines before reading a URL."""
    parts = urllib.parse.urlsplit(target)
    if (re.match(r"/(?![/\\])", target) and not re.search(r"[\\\x00-\x1f\x7f-\x9f]", target)
            and not (parts.scheme or parts.netloc)):
        return target
    return None


def _download_name(name: str, mimetype: str) -> str:
    """A file name to save a download under: no character a file system or
    a header refuses or shows misleadingly (< > : / \\ " | ? *, control and
    format characters such as U+202E), at most 150 characters, and an
    extension from its media type when it has none of it ("Bảng giá 2027"
    as application/pdf: "Bảng giá 2027.pdf"). Vietnamese and Japanese stay:
    send_file gives them as filename*=UTF-8''... (RFC 5987) with an ASCII
    filename beside it."""
    name = "".join(" " if ch in '<>:/\\"|?*' or unicodedata.category(ch) in ("Cc", "Cf", "Zl",
                                                                              "Zp")
                   else ch for ch in name)
    name = re.sub(r"\s+", " ", name).strip(" .")[:150].strip(" .") or "document"
    if mimetype not in ("", "application/octet-stream") and mimetypes.guess_type(
            "x" + os.path.splitext(name)[1].lower())[0] != mimetype:
        name += mimetypes.guess_extension(mimetype) or ""
    return name


def _charter_began(charter: Dict[str, Any]) -> str:
    """The day the relationship begins (YYYY-MM-DD) by an active charter:
    its earliest grant, else its activation; "" for one not active."""
    if charter.get("status") != "active":
        return ""
    starts = [gr["startsOn"] for gr in charter.get("grants", []) if gr.get("startsOn")]
    return (min(starts) if starts else charter.get("activatedAt", ""))[:10]


def _attachment(parts: List[Dict[str, Any]], name: str, inline: bool = False) -> Response:
    """A download of a streamed file: its chunks' content, the first chunk's
    media type; shown in the browser instead when inline."""
    data = b"".join(base64.b64decode(p.get("content", "")) for p in parts)
    media = (parts[0].get("mediaType") if parts else "") or "application/octet-stream"
    mimetype, params = parse_options_header(media)
    shown = _download_name(name, mimetype.lower())
    resp = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=not inline,
                     download_name=shown)
    # Werkzeug's ASCII filename, for a browser that does not read filename*,
    # keeps what is left of a name without its other letters: " 2027  .txt"
    # for a Japanese title, ".pdf" for 東京. Where fewer than two letters are
    # left, "document" stands in.
    if not shown.isascii():
        base, ext = os.path.splitext(shown)
        # Folded after _download_name's filter, full-width ＂ and ＝ became " and =: a title
        # closed the quoted name and added parameters (an attack try-out). Only plain
        # letters, digits and a few marks are kept.
        folded = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
        simple = re.sub(r"\s+", " ", re.sub(r"[^A-Za-z0-9 ()+,.\-_]", " ", folded)).strip(" .")
        if len(re.sub(r"[^A-Za-z]", "", simple)) < 2:
            simple = "document"
        ext = re.sub(r"[^A-Za-z0-9.]", "", ext)
        resp.headers["Content-Disposition"] = "%s; filename=\"%s%s\"; filename*=UTF-8''%s" % (
            "inline" if inline else "attachment", simple, ext,
            urllib.parse.quote(shown, safe="!#$&+-.^_`|~"))
    if params:
        # The server's own charset: Werkzeug adds one of its own to a text/ type.
        resp.headers["Content-Type"] = media
    # send_file dates the response, and the HTTP server dates it again.
    del resp.headers["Date"]
    return resp


# One product line's cover in an inventory_cover.below reason (migration
# 0065 writes them in English, joined by ", "): "FLT 900 units against 1000",
# "BRK 0 units, no sales", "ENG 3.5 weeks against 6", and since 0247 "SY
# stock not reported against 500 units" (or weeks).
_COVER_ITEM = re.compile(r"(?:^|, )(\S+) (?:([0-9]+(?:\.[0-9]+)?) (?:units against ([0-9]+)"
                         r"|units(, no sales)|weeks against ([0-9]+))"
                         r"|stock not reported against ([0-9]+) (units|weeks))")


def _cover_list(text: str) -> str:
    """The product lines' cover of an inventory_cover.below reason in the
    reader's language; as sent when it is not in the shape the server writes."""
    items, end = [], 0
    for m in _COVER_ITEM.finditer(text):
        if m.start() != end:
            return text
        end = m.end()
        if m[6] is not None:
            items.append(_("%(line)s stock not reported against %(buffer)s units", line=m[1],
                           buffer=m[6]) if m[7] == "units" else
                         _("%(line)s stock not reported against %(buffer)s weeks", line=m[1],
                           buffer=m[6]))
            continue
        number = format_decimal(decimal.Decimal(m[2]), locale=str(get_locale() or "en"))
        if m[3] is not None:
            items.append(_("%(line)s %(units)s units against %(buffer)s", line=m[1],
                           units=number, buffer=m[3]))
        elif m[4] is not None:
            items.append(_("%(line)s %(units)s units, no sales", line=m[1], units=number))
        else:
            items.append(_("%(line)s %(weeks)s weeks of cover against %(buffer)s", line=m[1],
                           weeks=number, buffer=m[5]))
    return "; ".join(items) if items and end == len(text) else text


# The fields of the portal's forms that the user did not type: tokens, keys,
# revisions and what is chosen from a list; and passwords, never shown back
# (the Password page's current, new and again were, in clear, a review).
# What is left of a form sent without a session is what was typed (_typed).
UNTYPED = re.compile(r"csrf_token|key|revision|competitor_line|next|lang|password|current|new|"
                     r"again|stage|"
                     r"confirm|kind|language|year|goal_line[0-9]+|init_owner[0-9]+|lines|"
                     r"was_nothing|code_[0-9]+")
# A monthly report's "nothing to report" boxes (name "nothing", a section's code as value),
# as the form words them.
NOTHING_LABELS = {
    "sales_by_line": lambda: _("No sales"), "inventory_on_hand": lambda: _("No stock on hand"),
    "pipeline": lambda: _("No open opportunities"),
    "market_intelligence": lambda: _("No market news"),
    "competitive_activity": lambda: _("No competitor activity seen"),
}
# A form's field (by its name in the page, a row's number left out) as its
# label on the page says it.
TYPED_LABELS = {
    "market_intelligence": lambda: _("Market intelligence"),
    "competitor": lambda: _("Competitor"), "activity": lambda: _("What they did"),
    "units_": lambda: _("Units sold"), "revenue_": lambda: _("Revenue"),
    "onhand_": lambda: _("Stock on hand"), "currency": lambda: _("Currency"),
    "currency_": lambda: _("Currency"),
    "body": lambda: _("Note"), "note": lambda: _("Note"), "summary": lambda: _("Summary"),
    "text": lambda: _("Your answer"), "comment": lambda: _("Comment"),
    "account_name": lambda: _("Customer"), "country": lambda: _("Country"),
    "region": lambda: _("Province or state"), "industry": lambda: _("Industry"),
    "title": lambda: _("Deal"), "value": lambda: _("Value"),
    "expected_close": lambda: _("Expected close"), "period": lambda: _("Month"),
    "goal_period": lambda: _("Period"), "goal_units": lambda: _("Units"),
    "goal_revenue": lambda: _("Revenue"), "goal_currency": lambda: _("Currency"),
    "init_title": lambda: _("Initiative"), "init_description": lambda: _("Description"),
    "init_starts": lambda: _("Starts"), "init_due": lambda: _("Due"),
    "sku": lambda: _("SKU"), "quantity": lambda: _("Quantity"), "price": lambda: _("Unit price"),
}


def _typed(form: Any) -> List[tuple]:
    """What was typed in a form as sent: (label, text) of each field the
    user fills in that is not empty, in the form's order; a field of a
    table's rows is numbered by its row ("Units sold, row 2"). Nothing when
    only a currency (which the form fills in) is left."""
    kept, rows = [], collections.Counter()
    # A report's row is its product line's (units_7 is line 7's): named by the line's code,
    # which the form carries; numbered by how many figures came before, FLT's figures
    # read as another line's (a try-out).
    codes = {name[5:]: value for name, value in form.items(multi=True)
             if re.fullmatch(r"code_[0-9]+", name)}
    for name, value in form.items(multi=True):
        if name in ("competitor", "activity"):
            rows[name] += 1  # counted when empty too: the row as the form shows it
        if UNTYPED.fullmatch(name) or not value.strip():
            continue
        if name == "nothing":
            word = NOTHING_LABELS.get(value)
            kept.append((name, _("Nothing to report this month"),
                         str(word()) if word else value))
            continue
        m = re.fullmatch(r"(units_|revenue_|onhand_|currency_|[a-z_]+?)([0-9]*)", name)
        base = m[1] if m else name
        word = TYPED_LABELS.get(base)
        label = str(word()) if word else name
        if m and m[2] and base.endswith("_") and m[2] in codes:
            label = "%s, %s" % (label, codes[m[2]])
        elif m and m[2] and base.endswith("_"):
            rows[base] += 1
            label = _("%(field)s, row %(n)s", field=label, n=rows[base])
        elif m and m[2]:
            label = _("%(field)s, row %(n)s", field=label, n=int(m[2]) + 1)
        elif base in ("competitor", "activity"):
            label = _("%(field)s, row %(n)s", field=label, n=rows[base])
        kept.append((name, label, value))
    if all(re.fullmatch(r"currency(?:_[0-9]+)?", name) for name, _label, _value in kept):
        return []
    return [(label, value) for _name, label, value in kept]


def _section_name(code: str) -> str:
    """A monthly report's section ("sales_by_line") as the reader says it."""
    return str(LABELS["report section"].get(code, code.replace("_", " ")))


def _and_list(items: List[str]) -> str:
    """Items as a sentence lists them: "A", "A and B", "A, B and C"."""
    if len(items) < 2:
        return "".join(items)
    # The separator is the language's own: Japanese lists with "、", not ", ".
    middle = Locale.parse(str(get_locale() or "en")).list_patterns["standard"]["middle"]
    sep = middle.replace("{0}", "").replace("{1}", "")
    return _("%(items)s and %(last)s", items=sep.join(items[:-1]), last=items[-1])


def _capitalised(sentence: str) -> str:
    """A sentence that starts with a capital (a server's reason starts in
    lower case: it is written to follow a field's name)."""
    return sentence[:1].upper() + sentence[1:]


def _month_before(day: dt.date) -> str:
    """The month before the one a day is in, as YYYY-MM."""
    return (day.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def _last_month() -> str:
    """Last month as YYYY-MM (UTC): a month that has begun wherever the
    reader is, so an example of a month a report is opened for."""
    first = dt.datetime.now(dt.timezone.utc).date().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


# The server's reasons a portal user meets (request.c's field checks, the
# migrations' liaison_check, the action items' states), each as the reader's
# language says it; a reason not listed (a newer server's) is shown as sent.
# The English is the server's, but for a section's code, which is worded.
def _stale_report(status: str, who: str, mine: bool) -> str:
    """A report saved after the form was made, in words: who saved it
    (mine: the reader's own session, from another tab or a form sent twice,
    was named by e-mail as if someone else, a try-out; a save with an API
    token is another's), and whether what was typed is kept (still a
    draft: the form comes back with it; else it is gone)."""
    shown = str(LABELS["report status"].get(status, status))
    if status == "draft" and mine:
        return _("You saved this report again after opening this page (in another tab, or by "
                 "sending the form twice), so nothing here was saved: what you typed is kept "
                 "below to copy; reload the report to see what was saved, then enter your "
                 "changes again")
    if status == "draft":
        return _("%(who)s saved this report after you opened it (it is now %(status)s), so "
                 "nothing here was saved: what you typed is kept below to copy; reload the "
                 "report to see their changes, then enter yours again", who=who, status=shown)
    if mine:
        return _("You changed this report after opening this page (it is now %(status)s), so "
                 "nothing you typed here was saved", status=shown)
    return _("%(who)s changed this report after you opened it (it is now %(status)s), so "
             "nothing you typed was saved", who=who, status=shown)


SERVER_REASONS = [
    (r"required", lambda m: _("required")),
    # A terminated distributor's user was told so in English, with the distributor's id.
    (r"distributor [0-9]+ \(.*\) is terminated: it takes no new .+",
     lambda m: _("The relationship with the exporter has ended: nothing new can be added "
                 "here.")),
    (r"may not be only spaces", lambda m: _("may not be only spaces")),
    # The server names the day and the distributor's today since rpc_crm.c's q_close_ahead;
    # this pattern was the older form's, and the newer one reached vi/ja in English (a try-out).
    (r"not in the past: ([0-9]{4}-[0-9]{2}-[0-9]{2}) is before today, ([0-9]{4}-[0-9]{2}-"
     r"[0-9]{2}), the earliest day the deal may be expected to close",
     lambda m: _("not in the past: %(day)s is before today, %(today)s, the earliest day the "
                 "deal may be expected to close", day=m[1], today=m[2])),
    (r"out of range", lambda m: _("out of range")),
    # Reached vi/ja in English (a try-out).
    (r"product line (\S+) is not covered by the distributor's charter \(product (.+)\)",
     lambda m: _("product line %(line)s is not covered by your charter (product %(sku)s)",
                 line=m[1], sku=m[2])),
    (r"lead [0-9]+ has orders \(([0-9, ]+)\): a deal with orders cannot be marked lost; "
     r"cancel them first, or mark it won",
     lambda m: _("this deal has orders (%(orders)s): a deal with orders cannot be marked lost; "
                 "cancel them first, or mark it won", orders=m[1])),
    # An initiative's dates against its plan's year: passed on in English, and after the
    # field's name its "due before" said "due" twice (a try-out).
    (r"due before the plan's year ([0-9]+): an initiative of the plan runs at least partly in "
     r"[0-9]+", lambda m: _("before the plan's year %(year)s; an initiative runs at least "
                            "partly in that year", year=m[1])),
    (r"starts after the plan's year ([0-9]+): an initiative of the plan runs at least partly "
     r"in [0-9]+", lambda m: _("after the plan's year %(year)s; an initiative runs at least "
                               "partly in that year", year=m[1])),
    (r"at most ([0-9]+) characters", lambda m: _("at most %(n)s characters", n=m[1])),
    # A text field's bound in characters is checked in bytes first, at four
    # a character (request.c): "at most 8000 bytes" of a 2000-character
    # note. _why names the field's own bound where it knows it (FIELD_CHARS);
    # any other bound is in bytes (a review: a 200-byte search read "at most
    # 50 characters").
    (r"at most ([0-9]+) bytes", lambda m: _(
        "at most %(n)s letters without accents (an accented letter such as ệ counts as "
        "two or three)", n=m[1])),
    # The wire's own bound on any text, long before a field's own.
    (r"longer than ([0-9]+) bytes of UTF-8", lambda m: _(
        "far too long: at most %(n)s characters", n=int(m[1]) // 4)),
    (r"no such product", lambda m: _("no such product")),
    (r"no such product: ([0-9]+)", lambda m: _("no such product: %(id)s", id=m[1])),
    (r'no product has SKU "(.*)"', lambda m: _('no product has SKU "%(sku)s"', sku=m[1])),
    (r"no such product line(?: in this tenant)?", lambda m: _("no such product line")),
    (r"a product line's id", lambda m: _("choose a product line")),
    (r"not an ISO 4217 currency code", lambda m: _("not an ISO 4217 currency code")),
    (r"not an ISO 3166-1 alpha-2 country code",
     lambda m: _("not an ISO 3166-1 alpha-2 country code")),
    (r"an ISO 3166-2 subdivision of the country, or empty",
     lambda m: _("an ISO 3166-2 subdivision of the country, or empty")),
    (r"below the minimum order of ([0-9]+) \(product (.+)\)",
     lambda m: _("below the minimum order of %(moq)s (product %(sku)s)", moq=m[1], sku=m[2])),
    (r"below the minimum order of ([0-9]+) \(charter commitment for (.+?)\)",
     lambda m: _("below the minimum order of %(moq)s (charter commitment for %(line)s)",
                 moq=m[1], line=m[2])),
    (r"below the minimum order of ([0-9]+) \(charter commitment for (.+?)\): the order's "
     r"([0-9]+) (.+) lines total ([0-9]+)",
     lambda m: _("below the minimum order of %(moq)s (charter commitment for %(line)s): the "
                 "order's %(num)s %(line)s lines total %(total)s",
                 moq=m[1], line=m[2], num=m[3], total=m[5])),
    (r"'([0-9]{4}-[0-9]{2}-[0-9]{2})' is no such day: .+ has [0-9]+ days",
     lambda m: _no_such_day(m[1]) or m[0]),
    (r"a date as YYYY-MM-DD", lambda m: _("a date as YYYY-MM-DD")),
    (r"a date as YYYY-MM-DD, 1900 to 2999", lambda m: _("a date as YYYY-MM-DD, 1900 to 2999")),
    (r"at most ([0-9]+)", lambda m: _("at most %(n)s", n=m[1])),
    (r"this key was used for another request(?:, or by another caller,)? in the last 24 hours",
     lambda m: _("this form was sent before and made its record then; what you changed was "
                 "not saved: open that record to change it, or send this form again for a new "
                 "one")),
    (r"not before the day the initiative starts", lambda m: _("not before its start")),
    (r"outside the plan's year ([0-9]+)",
     lambda m: _("outside the plan's year %(year)s", year=m[1])),
    (r"'YYYY', 'YYYY-Qn' or 'YYYY-MM' within the plan's year",
     lambda m: _("'YYYY', 'YYYY-Qn' or 'YYYY-MM' within the plan's year")),
    (r"a month as YYYY-MM \((.+)\)", lambda m: _("a month as YYYY-MM (%(example)s)",
                                                   example=m[1])),
    (r"a month that has begun: a report is opened for the current month or an earlier one",
     lambda m: _("a month that has begun: a report is opened for the current month or an "
                 "earlier one")),
    (r"the action item is owned by (.+) of the exporter: a distributor completes only the "
     r"items of its own people",
     lambda m: _("the action item is owned by %(owner)s of the exporter: a distributor "
                 "completes only the items of its own people", owner=m[1])),
    (r"the action item is cancelled; only an open one can be completed",
     lambda m: _("the action item is cancelled; only an open one can be completed")),
    (r"this order is ([a-z_]+) and cannot become cancelled: an order goes placed, confirmed, "
     r"shipped, delivered, and may be cancelled only while placed or confirmed",
     lambda m: _("this order is %(status)s: an order may be cancelled only while placed or "
                 "confirmed", status=str(LABELS["order status"].get(m[1], m[1])))),
    (r"shipment ([0-9]+) of this order is ([a-z_]+): an order is cancelled only while none of "
     r"its shipments is on its way or delivered",
     lambda m: _("shipment %(id)s of this order is %(status)s: an order is cancelled only "
                 "while none of its shipments is on its way or delivered", id=m[1],
                 status=str(LABELS["shipment status"].get(m[2], m[2])))),
    (r"lead ([0-9]+) is this deal already: open \(([a-z]+)\) on this account, with this title "
     r"\(in any case, width or marks\); correct it with lead update, or give a second deal "
     r"another title",
     lambda m: _("deal %(id)s is this deal already: it is open (%(stage)s) for this customer "
                 "under this title; change that deal, or give a second deal another title",
                 id=m[1], stage=str(LABELS["lead stage"].get(m[2], m[2])))),
    (r"this account was registered by another distributor on ([0-9-]+) and is protected "
     r"until ([0-9-]+)",
     lambda m: _("this customer was registered by another distributor on %(since)s and is "
                 "protected until %(until)s (UTC dates)", since=m[1], until=m[2])),
    # The server names revisions, a user's id and a UTC instant: the reader
    # needs who, and that nothing typed was saved.
    (r"this report changed after your form was made \(from revision [0-9]+ to [0-9]+, now "
     r"([a-z]+), last saved by (?:([a-z_]+):([0-9]+) )?(.+) at [0-9T:.Z+-]+\): reload it and "
     r"enter your changes again",
     lambda m: _stale_report(m[1], m[4], m[2] == "user" and m[3] == str(
         (getattr(g, "identity", None) or {}).get("userId")))),
    (r"the order's total passes the largest amount \((?:2\^63 - 1|[0-9]+) minor units\)",
     lambda m: _("the order's total is more than the service can hold: check the quantities "
                 "and prices")),
    (r"product (?!line )(\S+) is retired",
     lambda m: _("product %(sku)s is no longer sold", sku=m[1])),
    # Reports (migrations 0032, 0060, 0065; rpc_report.c).
    # The example is a month a report is opened for: 2027-03 was refused as
    # a month to come.
    (r"a period in the years 2000 to 2100",
     lambda m: _("a month from 2000-01 to 2100-12, e.g. %(example)s", example=_last_month())),
    (r"this report is ([a-z_]+): only a draft is submitted",
     lambda m: _("this report is already %(status)s: only a draft can be submitted",
                 status=str(LABELS["report status"].get(m[1], m[1])))),
    (r"this report is ([a-z_]+): only a draft is saved \(the exporter may return a "
     r"submitted report to draft\)",
     lambda m: _("this report is %(status)s, so nothing was saved: only a draft can be "
                 "changed (the exporter can return a submitted report to draft)",
                 status=str(LABELS["report status"].get(m[1], m[1])))),
    (r"this distributor has no active charter: its report's due day and required sections "
     r"come from one",
     lambda m: _("there is no active charter with the exporter yet: a report's due day and "
                 "sections come from it")),
    (r"this product line is already in the (?:sales|inventory) section",
     lambda m: _("this product line is given twice")),
    (r"no such lead of this distributor", lambda m: _("no such deal of yours")),
    # A deal corrected (UpdateLead, migration 0118).
    (r"this lead is ([a-z_]+): won and lost are final, and a closed deal is not corrected",
     lambda m: _("this deal is already %(stage)s: won and lost are final, so it is no longer "
                 "corrected", stage=str(LABELS["lead stage"].get(m[1], m[1])))),
    (r"nothing to change: give a title, a value, an expected close date or an owner \(a "
     r"lead's region and product lines stay those it was registered with: register a new "
     r"lead for others\)",
     lambda m: _("nothing to change: give a value or an expected close date")),
    # Deals and interactions (rpc_crm.c, migration 0020).
    (r"this lead is ([a-z_]+): won and lost are final",
     lambda m: _("this deal is already %(stage)s: won and lost are final, so its stage no "
                 "longer changes", stage=str(LABELS["lead stage"].get(m[1], m[1])))),
    # A registration not decided, or rejected (migration 0107, rpc_crm.c): what the
    # distributor can do, without the staff's command the server names.
    (r"the exporter decides this registration first: lead [0-9]+ is flagged and is won only "
     r"once approved \(exporter staff: lead decide [0-9]+ approve, reject or reassign\)",
     lambda m: _("the exporter has not decided on this deal's registration yet: it can be "
                 "marked won once the exporter approves it")),
    (r"the exporter rejected this registration: lead [0-9]+ is only closed, as lost \(lead "
     r"stage [0-9]+ lost\)",
     lambda m: _("the exporter rejected this deal's registration: it can only be closed as "
                 "lost")),
    (r"new, qualified, proposal, negotiation, won or lost",
     lambda m: _("one of: %(stages)s", stages=", ".join(
         str(v) for v in LABELS["lead stage"].values()))),
    (r"call, visit, email or message",
     lambda m: _("one of: %(kinds)s", kinds=", ".join(
         str(v) for v in LABELS["interaction kind"].values()))),
    # Meetings (rpc_meeting.c).
    (r"notes go with a held meeting; this one is ([a-z_]+)",
     lambda m: _("notes can be added once the exporter has marked the meeting held; this "
                 "one is %(status)s", status=str(LABELS["meeting status"].get(m[1], m[1])))),
    (r"a BCP 47 language tag.*|not a BCP 47 language tag",
     lambda m: _("not a language code such as vi, ja or en-GB")),
    # The joint business plan (rpc_plan.c, migration 0033).
    (r"a year from 2000 to 2100", lambda m: _("a year from 2000 to 2100")),
    # The server's words changed (migration 0033): these were left untranslated (a try-out).
    (r"revision ([0-9]+) of the ([0-9]+) plan is still open \(([a-z_]+), plan [0-9]+\): "
     r"change that one",
     lambda m: _("revision %(revision)s of the %(year)s plan is still open (%(status)s): open "
                 "it from the list and change it", revision=m[1], year=m[2],
                 status=str(LABELS["plan status"].get(m[3], m[3])))),
    (r"a plan needs at least one goal before it is proposed",
     lambda m: _("a plan needs at least one goal before it is proposed")),
    (r"an approved plan is locked: start a new revision to change it",
     lambda m: _("an approved plan is locked: start a new revision to change it")),
    (r"this plan is proposed and awaits the other side's decision",
     lambda m: _("this plan is proposed and awaits the other side's decision")),
    (r"this revision was superseded",
     lambda m: _("this revision was superseded by a newer one")),
    (r"a second goal for this product line and period",
     lambda m: _("a second goal for this product line and period")),
    (r"this plan is ([a-z_]+): only a draft \(or a rejected revision\) is proposed",
     lambda m: _("this plan is %(status)s: only a draft (or a declined revision) is proposed",
                 status=str(LABELS["plan status"].get(m[1], m[1])))),
    (r"this plan is ([a-z_]+): only a proposed plan is approved or rejected",
     lambda m: _("this plan is %(status)s: only a proposed plan is approved or declined",
                 status=str(LABELS["plan status"].get(m[1], m[1])))),
    (r"the (exporter|distributor) side proposed this plan: the other side approves or "
     r"rejects it",
     lambda m: _("you proposed this plan: the exporter approves or declines it")
     if m[1] == "distributor" else
     _("the exporter proposed this plan: you approve or decline it")),
    (r"say why the plan is rejected", lambda m: _("say why you decline the plan")),
    (r"a revenue goal needs its currency", lambda m: _("a revenue goal needs its currency")),
    (r"a goal needs units, revenue \(with currency\) or both",
     lambda m: _("a goal needs units, revenue (with its currency) or both")),
    (r"YYYY-MM, YYYY-Qn or YYYY|a period: YYYY-MM, YYYY-Qn or YYYY",
     lambda m: _("'YYYY', 'YYYY-Qn' or 'YYYY-MM' within the plan's year")),
    (r"1 to 200 lines", lambda m: _("1 to 200 lines")),
    (r"at most ([0-9]+) (?:goals|initiatives|entries|rows|product lines)",
     lambda m: _("at most %(n)s", n=m[1])),
    (r"the charter requires the section ([a-z_]+), and it is empty",
     lambda m: _("the charter requires the section “%(section)s”, and it is empty",
                 section=_section_name(m[1]))),
    (r"the charter requires the sections ([a-z_, ]+) and ([a-z_]+), and they are empty",
     lambda m: _("the charter requires the sections %(sections)s, and they are empty",
                 # Each name quoted as the language quotes: Japanese in 「」 (a try-out).
                 sections=_and_list([_("“%(name)s”", name=_section_name(x))
                                     for x in m[1].split(", ") + [m[2]]]))),
    (r"a month of the relationship, which began on ([0-9-]+): ([0-9-]+) is before it",
     lambda m: _("%(month)s is before the relationship began (on %(day)s): no report is due "
                 "for it", month=m[2], day=m[1])),
    (r"a month of the relationship, which begins on ([0-9-]+): ([0-9-]+) is before it",
     lambda m: _("%(month)s is before the relationship begins (on %(day)s): no report is due "
                 "for it", month=m[2], day=m[1])),
    # A plan's year, a goal's or a target's period (rpc_plan.c, migration 0182).
    (r"a year of the relationship, which began on ([0-9-]+): ([0-9]+) is before it",
     lambda m: _("%(year)s is before the relationship began (on %(day)s): its first plan is "
                 "for %(first)s", year=m[2], day=m[1], first=m[1][:4])),
    (r"a year of the relationship, which begins on ([0-9-]+): ([0-9]+) is before it",
     lambda m: _("%(year)s is before the relationship begins (on %(day)s): its first plan is "
                 "for %(first)s", year=m[2], day=m[1], first=m[1][:4])),
    (r"a period of the relationship, which began on ([0-9-]+): ([0-9Q-]+) is before it",
     lambda m: _("%(period)s is before the relationship began (on %(day)s)", period=m[2],
                 day=m[1])),
    (r"a period of the relationship, which begins on ([0-9-]+): ([0-9Q-]+) is before it",
     lambda m: _("%(period)s is before the relationship begins (on %(day)s)", period=m[2],
                 day=m[1])),
    (r"a whole number from 1 to ([0-9]+)",
     lambda m: _("a whole number from 1 to %(n)s", n=m[1])),
    # Text the client library refuses before sending it (proto/wire.c): a NUL
    # pasted into a form was told in English (a try-out).
    (r"contains a NUL character \(U\+0000\)",
     lambda m: _("contains a NUL character (U+0000), which cannot be saved: remove it")),
    (r"may not hold control characters",
     lambda m: _("contains a control character, which cannot be saved: remove it")),
    (r"may not hold bidirectional override characters",
     lambda m: _("contains a character that reverses the text's direction, which cannot be "
                 "saved: remove it")),
    (r"may not hold noncharacters \(such as U\+FFFE or U\+FFFF\)",
     lambda m: _("contains an invisible character that is not text (such as U+FFFE, often "
                 "left by copying from another program), which cannot be saved: remove it")),
]


# The bound in characters of each text field a portal form sends (request.c's
# request_check_chars in rpc_crm.c, rpc_meeting.c, rpc_report.c, rpc_plan.c,
# rpc_order.c, rpc_escalation.c), by the field's name without its list
# indexes: a text over the wire's or the byte bound is refused with a number
# of bytes, and the reader is told the field's own bound instead.
FIELD_CHARS = {"note": 2000, "summary": 4000, "title": 200, "accountName": 200,
               "industry": 100, "body": 100000, "text": 20000, "comment": 4000,
               "marketIntelligence": 20000, "competition.competitor": 200,
               "competition.activity": 4000, "initiatives.title": 200,
               "initiatives.description": 4000}


def _no_such_day(text: str) -> Optional[str]:
    """Why text, a date written YYYY-MM-DD of a month of the years 1900 to
    2999, is no day of it, in the reader's language with the month's own
    name ("February 2027 has 28 days"); None for any other text. "A date as
    YYYY-MM-DD" of 2027-02-29 sent the user looking at the form of what was
    typed, which was right."""
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
    if not m or not 1 <= int(m[2]) <= 12 or not 1900 <= int(m[1]) <= 2999:
        return None
    days = calendar.monthrange(int(m[1]), int(m[2]))[1]
    if 1 <= int(m[3]) <= days:
        return None
    return _("‘%(date)s’ is no such day: %(month)s has %(num)s days", date=text, num=days,
             month=format_skeleton("yMMMM", dt.date(int(m[1]), int(m[2]), 1),
                                   locale=get_locale()))


def _why(reason: str, field: str = "") -> str:
    """A reason the server gave, in the reader's language (SERVER_REASONS);
    about field, when it is a text too long for it, with the field's own
    bound in characters."""
    bound = FIELD_CHARS.get(re.sub(r"\[[0-9]+\]", "", field))
    if bound and re.fullmatch(r"at most [0-9]+ bytes|longer than [0-9]+ bytes of UTF-8", reason):
        return _("at most %(n)s characters", n=bound)
    for pattern, sentence in SERVER_REASONS:
        m = re.fullmatch(pattern, reason)
        if m:
            return str(sentence(m))
    # A reason this portal has no words for reached a Vietnamese or Japanese reader in English
    # as if it were the page's own sentence (a try-out): it says what it is.
    if str(get_locale() or "en").split("_")[0] != "en":
        return _("%(reason)s (this message is in English)", reason=reason)
    return reason


def _sentence(e: liaison.Error) -> str:
    """The server's refusal as one line for a form, in the reader's
    language where the portal knows the reason (_why), each reason after
    the field it is about when the portal has a name for it: "required"
    alone does not say what is missing."""
    if e.violations:
        return "; ".join("%s: %s" % (_field_name(field), _why(why, field))
                         if _field_name(field, None) else _why(why, field)
                         for field, why in e.violations)
    return _why(e.message)


def _form_errors(e: liaison.Error) -> Dict[str, str]:
    """A refusal's reasons by the form field they are about; one about the
    form's idempotency key is about the whole form (key ""): it has no box
    of its own to stand beside."""
    return {("" if field == "idempotencyKey" else field): _why(why, field)
            for field, why in e.violations}


def _field_name(field: str, unknown: Optional[str] = "") -> Optional[str]:
    """A field the server names in a violation ("note", "lines[1].sku"), as
    the reader knows it; one this portal has no word for, as it is (or
    unknown, when given)."""
    names = {"note": _("Note"), "currency": _("Currency"), "lines": _("Order lines"),
             "period": _("Month"), "body": _("Note"), "text": _("Your answer"),
             "summary": _("Summary"), "marketIntelligence": _("Market intelligence"),
             "comment": _("Comment"), "language": _("Language"), "kind": _("Kind"),
             "stage": _("Stage")}
    m = re.match(r"lines\[([0-9]+)\]", field)
    if m:
        return _("Line %(n)s", n=int(m.group(1)) + 1)
    m = re.fullmatch(r"competition\[([0-9]+)\]\.(competitor|activity)", field)
    if m:
        return (_("Competitor %(n)s", n=int(m.group(1)) + 1) if m.group(2) == "competitor"
                else _("What competitor %(n)s did", n=int(m.group(1)) + 1))
    m = re.fullmatch(r"goals\[([0-9]+)\]\..*", field)
    if m:
        return _("Goal %(n)s", n=int(m.group(1)) + 1)
    m = re.fullmatch(r"initiatives\[([0-9]+)\]\.(.*)", field)
    if m:
        n = int(m.group(1)) + 1
        return {"title": _("Initiative %(n)s, title", n=n),
                "startsOn": _("Initiative %(n)s, start", n=n),
                "dueOn": _("Initiative %(n)s, due", n=n)}.get(m.group(2)) or _(
                    "Initiative %(n)s", n=n)
    if re.fullmatch(r"sales\[[0-9]+\]\.currency", field):
        return _("Currency")
    if field in names:
        return str(names[field])
    return field if unknown == "" else unknown


def _int(text: str) -> int:
    return _whole(text) or 0


def _report_months(months: list) -> str:
    """The months of a report_timeliness reason (migration 0302: not opened,
    still a draft, submitted late), as " (…)"; "" from an older score."""
    if len(months) < 3:
        return ""
    parts = [said % {"months": m} for said, m in zip(
        (_("not opened: %(months)s"), _("still a draft: %(months)s"),
         _("submitted late: %(months)s")), months) if m]
    return " (%s)" % "; ".join(parts) if parts else ""


def _parts(*parts: str, sep: str = "comma") -> str:
    """The parts of a sentence that say something, joined as the reader's
    language joins them: "a, b" or "a; b" (Japanese 「、」 for both)."""
    said = [p for p in parts if p]
    if not said:
        return ""
    out = said[0]
    for p in said[1:]:
        out = (_("%(a)s, %(b)s", a=out, b=p) if sep == "comma"
               else _("%(a)s; %(b)s", a=out, b=p))
    return out


def _reports_said(a: list) -> str:
    """report_timeliness.missing_late without the parts whose figure is 0,
    and "all" for all of them, as the server says it since migration 0322."""
    num, missing, late = _int(a[1]), _int(a[0]), _int(a[2])
    if num == 1:
        return (_("the one monthly report due so far missing") if missing
                else _("the one monthly report due so far submitted late"))
    said_missing = said_late = ""
    if missing == num:
        said_missing = _("all of the last %(num)s monthly reports missing", num=a[1])
    elif missing:
        said_missing = _("%(missing)s of the last %(num)s monthly reports missing",
                         missing=a[0], num=a[1])
    if late and missing:
        said_late = _("%(num)s submitted late", num=a[2])
    elif late == num:
        said_late = _("all of the last %(num)s monthly reports submitted late", num=a[1])
    elif late:
        said_late = _("%(late)s of the last %(num)s monthly reports submitted late",
                      late=a[2], num=a[1])
    return _parts(said_missing, said_late)


def _meetings_said(num: str, missed: str, unrecorded: str, missing: str, late: str) -> str:
    """notes_compliance's sentence without the parts whose figure is 0
    (migration 0322); unrecorded is "" for notes_compliance.meetings."""
    notes = (_("notes missing for %(missing)s and late (after 24 h) for %(late)s",
               missing=missing, late=late) if _int(missing) and _int(late)
             else _("notes missing for %(num)s", num=missing) if _int(missing)
             else _("notes late (after 24 h) for %(num)s", num=late) if _int(late) else "")
    return ngettext("%(num)s meeting in the last 180 days: %(what)s",
                    "%(num)s meetings in the last 180 days: %(what)s", _int(num),
                    what=_parts(_parts(_("%(num)s missed", num=missed) if _int(missed) else "",
                                       _("%(num)s not recorded as held or missed",
                                         num=unrecorded) if _int(unrecorded) else ""),
                                notes, sep="semicolon"))


# A health reason's sentence from its code and figures (migration 0042),
# in the reader's language; the count that governs a noun chooses its form.
REASONS = {
    "report_timeliness.missing_late": lambda a: _reports_said(a) + _report_months(a[3:6]),
    "notes_compliance.meetings": lambda a: _meetings_said(a[0], a[1], "", a[2], a[3]),
    "notes_compliance.unrecorded": lambda a: _meetings_said(*a[:5]),
    "notes_compliance.none": lambda a: _("no meeting held in the last 180 days"),
    "responsiveness.unanswered": lambda a: _(
        "the one escalation request in the last 180 days not answered within its "
        "timeframe") if _int(a[1]) == 1 else _(
        "all %(num)s escalation requests in the last 180 days not answered within their "
        "timeframe", num=a[1]) if a[0] == a[1] else ngettext(
        "%(late)s of %(num)s escalation request in the last 180 days not answered within "
        "its timeframe",
        "%(late)s of %(num)s escalation requests in the last 180 days not answered within "
        "their timeframe", _int(a[1]), late=a[0]),
    "target_attainment.below": lambda a: ngettext(
        "targets %(pct)s%% attained on average (%(num)s target ended in the last six months)",
        "targets %(pct)s%% attained on average (%(num)s targets ended in the last six months)",
        _int(a[1]), pct=a[0]),
    "inventory_cover.below": lambda a: ngettext(
        "stock below the buffer commitment on %(short)s of %(num)s product line: %(lines)s",
        "stock below the buffer commitment on %(short)s of %(num)s product lines: %(lines)s",
        _int(a[1]), short=a[0], lines=_cover_list(a[2])) if len(a) < 4 else ngettext(
        "stock below the buffer commitment on %(short)s of %(num)s product line in the "
        "%(month)s report: %(lines)s",
        "stock below the buffer commitment on %(short)s of %(num)s product lines in the "
        "%(month)s report: %(lines)s",
        _int(a[1]), short=a[0], lines=_cover_list(a[2]), month=a[3]),
    "inventory_cover.none": lambda a: _(
        "no inventory reported in the last three months against the charter's buffer "
        "commitments"),
    "order_trend.fell": lambda a: _(
        "orders fell from %(before)s to %(now)s (the last 90 days against the 90 before)",
        before=a[0], now=a[1]),
    "order_trend.fell_late": lambda a: _(
        "orders fell from %(before)s to %(now)s (the last 90 days against the 90 before); "
        "%(late)s", before=a[0], now=a[1], late=ngettext(
            "%(num)s shipment past its ETA %(day)s, not delivered",
            "%(num)s shipments past their ETA, not delivered, the oldest due %(day)s",
            _int(a[2]), day=a[3])),
    "order_trend.none": lambda a: _("no order in the last 180 days"),
    "order_trend.late_shipments": lambda a: ngettext(
        "%(num)s shipment past its ETA %(day)s, not delivered",
        "%(num)s shipments past their ETA, not delivered, the oldest due %(day)s",
        _int(a[0]), day=a[1]),
    "competing_lines.declared": lambda a: ngettext(
        "%(num)s competing line declared, though the charter allows none: %(lines)s",
        "%(num)s competing lines declared, though the charter allows none: %(lines)s",
        _int(a[0]), lines=a[1]),
    "competing_lines.undeclared": lambda a: ngettext(
        "%(num)s competitor reported but not declared in the charter: %(names)s",
        "%(num)s competitors reported but not declared in the charter: %(names)s",
        _int(a[0]), names=a[1]),
    "overdue_actions.overdue": lambda a: ngettext(
        "%(num)s action item overdue, due %(day)s",
        "%(num)s action items overdue, the oldest due %(day)s", _int(a[0]), day=a[1]),
    "flagged_deals.flagged": lambda a: ngettext(
        "%(num)s deal registration flagged and undecided, or rejected in the last 180 days",
        "%(num)s deal registrations flagged and undecided, or rejected in the last 180 days",
        _int(a[0])),
}
REASON_ARGS = {"report_timeliness.missing_late": 3, "notes_compliance.meetings": 4,
               "notes_compliance.unrecorded": 5,
               "responsiveness.unanswered": 2, "target_attainment.below": 2,
               "inventory_cover.below": 3, "order_trend.fell": 2, "order_trend.fell_late": 4,
               "order_trend.late_shipments": 2,
               "competing_lines.declared": 2, "competing_lines.undeclared": 2,
               "overdue_actions.overdue": 2, "flagged_deals.flagged": 1}


# The words the server sends for statuses, kinds and severities, as a
# reader of each language says them (the `label` filter). The context names
# the family: "active" is a distributor's state in one and a charter's in
# another, and Vietnamese words them apart. A value not listed here (a
# newer server's) is shown as sent.
LABELS = {
    "distributor status": {
        "prospect": lazy_pgettext("distributor status", "prospect"),
        "onboarding": lazy_pgettext("distributor status", "onboarding"),
        "active": lazy_pgettext("distributor status", "active"),
        "at_risk": lazy_pgettext("distributor status", "at risk"),
        "terminated": lazy_pgettext("distributor status", "terminated"),
    },
    "charter status": {
        "draft": lazy_pgettext("charter status", "draft"),
        "active": lazy_pgettext("charter status", "active"),
        "superseded": lazy_pgettext("charter status", "superseded"),
        "expired": lazy_pgettext("charter status", "expired"),
        "terminated": lazy_pgettext("charter status", "terminated"),
    },
    "meeting kind": {
        "onboarding": lazy_pgettext("meeting kind", "onboarding"),
        "weekly": lazy_pgettext("meeting kind", "weekly check-in"),
        "monthly": lazy_pgettext("meeting kind", "monthly review"),
        "quarterly": lazy_pgettext("meeting kind", "quarterly review"),
        "annual": lazy_pgettext("meeting kind", "annual review"),
        "ad_hoc": lazy_pgettext("meeting kind", "ad hoc"),
    },
    "meeting status": {
        "scheduled": lazy_pgettext("meeting status", "scheduled"),
        "held": lazy_pgettext("meeting status", "held"),
        "missed": lazy_pgettext("meeting status", "missed"),
        "cancelled": lazy_pgettext("meeting status", "cancelled"),
    },
    "action status": {
        "open": lazy_pgettext("action status", "open"),
        "done": lazy_pgettext("action status", "done"),
        "cancelled": lazy_pgettext("action status", "cancelled"),
    },
    "notes status": {
        "on_time": lazy_pgettext("notes status", "on time"),
        "late": lazy_pgettext("notes status", "late"),
        "missing": lazy_pgettext("notes status", "missing"),
        "pending": lazy_pgettext("notes status", "pending"),
        "unrecorded": lazy_pgettext("notes status", "not recorded"),
    },
    "order status": {
        "placed": lazy_pgettext("order status", "placed"),
        "confirmed": lazy_pgettext("order status", "confirmed"),
        "shipped": lazy_pgettext("order status", "shipped"),
        "delivered": lazy_pgettext("order status", "delivered"),
        "delivered_short": lazy_pgettext("order status", "delivered short"),
        "cancelled": lazy_pgettext("order status", "cancelled"),
    },
    "shipment status": {
        "planned": lazy_pgettext("shipment status", "planned"),
        "in_transit": lazy_pgettext("shipment status", "in transit"),
        "delivered": lazy_pgettext("shipment status", "delivered"),
        "cancelled": lazy_pgettext("shipment status", "cancelled"),
    },
    "report status": {
        "draft": lazy_pgettext("report status", "draft"),
        "submitted": lazy_pgettext("report status", "submitted"),
        "reviewed": lazy_pgettext("report status", "reviewed"),
    },
    "plan status": {
        "draft": lazy_pgettext("plan status", "draft"),
        "proposed": lazy_pgettext("plan status", "proposed"),
        "approved": lazy_pgettext("plan status", "approved"),
        "rejected": lazy_pgettext("plan status", "rejected"),
        "superseded": lazy_pgettext("plan status", "superseded"),
    },
    "update kind": {
        "production": lazy_pgettext("update kind", "production"),
        "launch": lazy_pgettext("update kind", "launch"),
        "campaign": lazy_pgettext("update kind", "campaign"),
    },
    "document kind": {
        "price_sheet": lazy_pgettext("document kind", "price sheet"),
        "catalogue": lazy_pgettext("document kind", "catalogue"),
        "marketing": lazy_pgettext("document kind", "marketing"),
        "charter": lazy_pgettext("document kind", "charter"),
        "handbook": lazy_pgettext("document kind", "handbook"),
        "other": lazy_pgettext("document kind", "other"),
    },
    "severity": {
        "low": lazy_pgettext("severity", "low"),
        "normal": lazy_pgettext("severity", "normal"),
        "high": lazy_pgettext("severity", "high"),
        "critical": lazy_pgettext("severity", "critical"),
    },
    "escalation state": {
        "pending": lazy_pgettext("escalation state", "pending"),
        "overdue": lazy_pgettext("escalation state", "overdue"),
        "answered": lazy_pgettext("escalation state", "answered"),
        "closed": lazy_pgettext("escalation state", "closed"),
    },
    "lead stage": {
        "new": lazy_pgettext("lead stage", "new"),
        "qualified": lazy_pgettext("lead stage", "qualified"),
        "proposal": lazy_pgettext("lead stage", "proposal"),
        "negotiation": lazy_pgettext("lead stage", "negotiation"),
        "won": lazy_pgettext("lead stage", "won"),
        "lost": lazy_pgettext("lead stage", "lost"),
    },
    "registration": {
        "accepted": lazy_pgettext("registration", "accepted"),
        "flagged": lazy_pgettext("registration", "flagged"),
        "approved": lazy_pgettext("registration", "approved"),
        "rejected": lazy_pgettext("registration", "rejected"),
    },
    "report section": {
        "sales_by_line": lazy_pgettext("report section", "sales by product line"),
        "inventory_on_hand": lazy_pgettext("report section", "inventory on hand"),
        "pipeline": lazy_pgettext("report section", "pipeline"),
        "market_intelligence": lazy_pgettext("report section", "market intelligence"),
        "competitive_activity": lazy_pgettext("report section", "competitive activity"),
    },
    "buffer unit": {
        "weeks": lazy_pgettext("buffer unit", "weeks"),
        "units": lazy_pgettext("buffer unit", "units"),
    },
    "financing": {
        "distributor": lazy_pgettext("financing", "by the distributor"),
        "consignment": lazy_pgettext("financing", "consignment"),
        "shared": lazy_pgettext("financing", "shared"),
    },
    # Why a deal registration was flagged (proto Lead.flags).
    "lead flag": {
        "outside_territory": lazy_pgettext("lead flag", "outside your territory"),
        "outside_lines": lazy_pgettext("lead flag", "a product line your charter does not cover"),
        "exclusive_elsewhere": lazy_pgettext("lead flag",
                                             "another distributor holds this territory "
                                             "exclusively"),
        "carve_out": lazy_pgettext("lead flag", "a key account the exporter serves directly"),
        "similar_protected": lazy_pgettext("lead flag",
                                           "another distributor has registered a customer "
                                           "of a similar name"),
    },
    "interaction kind": {
        "call": lazy_pgettext("interaction kind", "call"),
        "visit": lazy_pgettext("interaction kind", "visit"),
        "email": lazy_pgettext("interaction kind", "e-mail"),
        "message": lazy_pgettext("interaction kind", "message"),
    },
}


# The titles and agenda items the server gives the cadence's series by
# default (migration 0016, liaison_cadence_kinds), per meeting kind, in the
# reader's language. A series' title is the kind's followed by " · " and
# the distributor's name. A title or item the exporter wrote is its own and
# is shown as written.
SERIES_TITLES = {
    "onboarding": ("Onboarding call", lazy_pgettext("meeting title", "Onboarding call")),
    "weekly": ("Weekly check-in", lazy_pgettext("meeting title", "Weekly check-in")),
    "monthly": ("Monthly performance review",
                lazy_pgettext("meeting title", "Monthly performance review")),
    "quarterly": ("Quarterly business review",
                  lazy_pgettext("meeting title", "Quarterly business review")),
    "annual": ("Annual strategic planning",
               lazy_pgettext("meeting title", "Annual strategic planning")),
}
SERIES_AGENDA = {
    "introductions and roles": lazy_pgettext("agenda item", "introductions and roles"),
    "charter walk-through": lazy_pgettext("agenda item", "charter walk-through"),
    "first orders and stock": lazy_pgettext("agenda item", "first orders and stock"),
    "open questions": lazy_pgettext("agenda item", "open questions"),
    "pipeline": lazy_pgettext("agenda item", "pipeline"),
    "orders": lazy_pgettext("agenda item", "orders"),
    "issues": lazy_pgettext("agenda item", "issues"),
    "monthly performance report": lazy_pgettext("agenda item", "monthly performance report"),
    "targets and attainment": lazy_pgettext("agenda item", "targets and attainment"),
    "inventory cover": lazy_pgettext("agenda item", "inventory cover"),
    "scorecard": lazy_pgettext("agenda item", "scorecard"),
    "charter commitments": lazy_pgettext("agenda item", "charter commitments"),
    "priorities for the next quarter": lazy_pgettext("agenda item",
                                                     "priorities for the next quarter"),
    "joint business plan": lazy_pgettext("agenda item", "joint business plan"),
    "targets for the year": lazy_pgettext("agenda item", "targets for the year"),
    "charter renewal": lazy_pgettext("agenda item", "charter renewal"),
}


def _variants(d: Mapping[str, Any], language: str) -> List[Mapping[str, Any]]:
    """Document d's translations into language (its primary subtag: "vi" finds
    a "vi-VN" variant too)."""
    want = language.replace("_", "-").split("-")[0].lower()
    return [v for v in d.get("variants") or []
            if v.get("language", "").split("-")[0].lower() == want]


def _variant(d: Mapping[str, Any], language: str) -> Optional[Mapping[str, Any]]:
    """The translation a title is shown from (the first with one), else the first, or None."""
    found = _variants(d, language)
    return next((v for v in found if v.get("title")), found[0] if found else None)


def _variant_title(d: Mapping[str, Any], language: str) -> str:
    """The own title of document d's translation into language, or ""."""
    v = _variant(d, language)
    return str(v["title"]) if v and v.get("title") else ""


def create_app(config: Optional[Mapping[str, Any]] = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["id"] = IdConverter
    settings = dict(os.environ)
    settings.update(config or {})
    if not settings.get("LIAISON_URL"):
        raise RuntimeError("set LIAISON_URL to liaisond's liaison://host:port")
    app.config.update(
        LIAISON_URL=settings["LIAISON_URL"],
        LIAISON_CA=settings.get("LIAISON_CA") or None,
        LIAISON_SERVER_NAME=settings.get("LIAISON_SERVER_NAME") or None,
        SECURE_COOKIES=settings.get("PORTAL_SECURE_COOKIES", "1") != "0",
        BABEL_TRANSLATION_DIRECTORIES=_compile_catalogues(),
        BABEL_DEFAULT_LOCALE="en",
        # The largest text the server takes (a meeting note, 100,000
        # characters: up to 400,000 bytes of UTF-8, each byte of which may
        # take three URL-encoded) with the rest of its form: within 2 MiB.
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        CLIENT_ADDRESS=settings.get("PORTAL_CLIENT_ADDRESS", "0") == "1",
    )
    if not app.config["CLIENT_ADDRESS"]:
        # Said once at start: an operator who left it out finds out here,
        # not when one visitor's 50 wrong passwords lock every user out.
        app.logger.warning(
            "PORTAL_CLIENT_ADDRESS is not 1: liaisond sees every sign-in through this portal as"
            " coming from the portal's own address, so 50 failed sign-ins by anyone in 15"
            " minutes (liaisond's defaults) lock every user of it out; list this portal in"
            " liaisond's trusted_proxies and set PORTAL_CLIENT_ADDRESS=1")
    hops = int(settings.get("PORTAL_PROXY_HOPS", "0") or "0")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]
    db_path = settings.get("PORTAL_SESSION_DB")
    if not db_path:
        os.makedirs(app.instance_path, exist_ok=True)
        db_path = os.path.join(app.instance_path, "sessions.sqlite3")
    store = SessionStore(db_path)
    store.prune()
    babel = Babel(app)

    @babel.localeselector
    def pick_locale() -> str:
        chosen = (g.get("session") or {}).get("lang")
        if chosen in LANGUAGES:
            return chosen
        return request.accept_languages.best_match(LANGUAGES) or "en"

    # ---------------- sessions, CSRF, headers ----------------

    @app.before_request
    def load_session() -> Optional[Response]:
        # Style sheets and images need no session: a cookieless request for
        # one makes none.
        if request.endpoint == "static":
            return None
        g.sid = request.cookies.get(COOKIE)
        g.session = store.get(g.sid)
        g.new_sid = None
        if g.session is None:
            g.sid = g.new_sid = store.create()
            g.session = store.get(g.sid)
        if request.method == "POST":
            sent = request.form.get("csrf_token", "")
            if not secrets.compare_digest(sent, g.session["csrf"]):
                if (request.endpoint == "login" and same_site_post() and g.session["token"]
                        and not g.new_sid):
                    # Signed in meanwhile in another tab, whose sign-in renewed the token:
                    # that sign-in stands ("your session has ended" was said, a review).
                    return redirect(url_for("dashboard"), 303)
                if request.endpoint == "login" and same_site_post():
                    # The sign-in page left open past its session's idle time
                    # (overnight): an error page lost the organisation and
                    # e-mail typed (a try-out). The form again, with this
                    # request's new session and its token.
                    form = {"tenant": request.form.get("tenant", "").strip(),
                            "email": request.form.get("email", "").strip()}
                    return _page("login.html", 400, form=form, notice="",
                                 error=_("Your session has ended: sign in again."))
                if g.new_sid:
                    # A refused form leaves the browser's cookie as it was: a
                    # form posted from another site comes without it (SameSite),
                    # and a new session's cookie put in its place signed the user
                    # out of every tab (a try-out). Pages that follow (the sign-in
                    # page) make their own.
                    store.delete(g.new_sid)
                    g.new_sid = None
                if sent and not g.session["token"] and request.endpoint not in (
                        "login", "logout", "language", None):
                    # A page's form with a token, sent by a session that is
                    # not signed in: it signed out (in another tab) or ended
                    # since (idle). Nothing is done (unsent_form).
                    return unsent_form()
                return _page("error.html", 400, title=_("This form has expired"),
                             message=_("The form was not sent from this page, or it is too "
                                       "old. Go back, reload the page and try again."))
        return None

    def same_site_post() -> bool:
        """Whether the browser says this POST came from one of the portal's
        own pages. Fetch Metadata first: the browser's own verdict, true
        behind a proxy that sends its own Host, where Origin's host is not
        request.host (a review: every signed-out form there lost what was
        typed). Else Origin against the host and scheme asked for; a client
        that says neither (not a browser of today) is taken at its word."""
        site = request.headers.get("Sec-Fetch-Site")
        if site is not None:
            return site == "same-origin"
        origin = request.headers.get("Origin")
        if origin and origin != "null":
            parts = urllib.parse.urlsplit(origin)
            return (parts.netloc, parts.scheme) == (request.host, request.scheme)
        return True

    def unsent_form() -> Response:
        """The answer to a form sent by a session that is not signed in (it
        signed out in another tab, was idle too long, or ended on the
        server): nothing is done. What was typed in it is given back on a
        page to copy, with a link that signs in (in a new tab, so that the
        page stays) and goes back to the form's page: nothing typed is
        carried through the sign-in, and nothing is sent without the user
        sending it again. A form with nothing typed (a button), or one sent
        from another site, goes to sign in and then back to its page."""
        page = get_page(request.path)
        kept = _typed(request.form) if same_site_post() else []
        if not kept:
            return redirect(url_for("login", signed_out=1, next=page), 303)
        return _page("unsent.html", 401, kept=kept, minutes=IDLE_SECONDS // 60,
                     sign_in=url_for("login", next=page), page=page)

    @app.after_request
    def headers(resp: Response) -> Response:
        if g.get("new_sid"):
            resp.set_cookie(COOKIE, g.new_sid, httponly=True, samesite="Lax",
                            secure=app.config["SECURE_COOKIES"], path="/")
        # A page of the server's own (the printable handbook) brings its own, stricter one.
        if "Content-Security-Policy" not in resp.headers:
            resp.headers["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                "frame-ancestors 'none'; base-uri 'none'")
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["X-Frame-Options"] = "DENY"
        # Served over HTTPS (the Secure cookies say so): browsers keep to it
        # for a year, so a later link or typed http:// is not sent in the clear.
        if app.config["SECURE_COOKIES"]:
            resp.headers["Strict-Transport-Security"] = "max-age=31536000"
        if not request.path.startswith("/static/"):
            # After logout, Back must not show a page from the cache.
            resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.teardown_request
    def close_client(_exc: Optional[BaseException]) -> None:
        client = g.pop("client", None)
        if client is not None:
            sid = g.get("new_sid") or g.get("sid")
            if sid and client.read_after > g.session["read_after"]:
                store.wrote(sid, client.read_after)
            client.close()

    @app.context_processor
    def template_globals() -> Dict[str, Any]:
        # Where the language switch comes back to: this page, or for a
        # form's answer the page the form is on.
        here = request.full_path.rstrip("?") if request.method == "GET" else request.path
        return {"csrf_token": g.session["csrf"] if g.get("session") else "",
                "here": here,
                "me": g.get("identity"), "lang": str(pick_locale()),
                "languages": LANGUAGES}

    def api() -> liaison.Client:
        """The request's connection to liaisond, as the signed-in user."""
        if "client" not in g:
            g.client = liaison.Client(app.config["LIAISON_URL"], ca=app.config["LIAISON_CA"],
                                      server_name=app.config["LIAISON_SERVER_NAME"],
                                      token=g.session["token"] or None,
                                      client_name="liaison-portal")
            # This page reads what the session's earlier pages wrote, on any server.
            g.client.read_after = g.session["read_after"]
        return g.client

    def form_key() -> str:
        """The key a create form carries (a hidden field named key): the one
        it was sent with when it comes back refused (a refused create
        leaves no key on the server, so it is sent again with it), else a
        new one."""
        sent = request.form.get("key", "") if request.method == "POST" else ""
        if g.get("key_spent"):
            sent = ""
        return sent if re.fullmatch(r"[A-Za-z0-9_-]{16,64}", sent) else secrets.token_urlsafe(16)

    def create_once(method: str, req: Dict[str, Any]) -> Dict[str, Any]:
        """A create from a form, sent with the form's key as its idempotency
        key: the form sent twice (a double click, Back and send again, a
        reload of the answer) makes one record, the second answering what
        the first made. While the first is still being made the server
        answers ABORTED to the second: it waits for the first, a few
        seconds at most. A form without a key (a page from before keys)
        makes its record as before."""
        key = request.form.get("key", "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", key):
            return api().call(method, req)
        for attempt in range(20):
            try:
                return api().call(method, req, idempotency_key=key)
            except liaison.InvalidArgument as e:
                # The key made a record already, from this form as it was
                # first sent (Back, a change, send): the form comes back
                # with a new key, so sending it again makes a new record.
                if any(field == "idempotencyKey" for field, _reason in e.violations):
                    g.key_spent = True
                raise
            except liaison.Aborted:
                if attempt == 19:
                    raise
                time.sleep(0.25)
        raise AssertionError("unreachable")

    def signed_in() -> Dict[str, Any]:
        """The distributor user of this session, or a redirect to the login page."""
        if not g.session["token"]:
            abort(redirect(url_for("login", next=request.path)))
        g.identity = api().call("WhoAmI")["identity"]
        return g.identity

    def my_distributor() -> Dict[str, Any]:
        """The signed-in user's distributor, read once a request."""
        if "distributor" not in g:
            g.distributor = api().call("GetDistributor",
                                       {"id": g.identity["distributorId"]})["distributor"]
        return g.distributor

    def my_zone() -> str:
        """The signed-in distributor's time zone: its people read times in it."""
        return my_distributor()["timeZone"]

    def my_currency() -> str:
        """The currency a new order or report starts in: its country's (VND
        for Viet Nam), USD when Babel knows none."""
        found = get_territory_currencies(my_distributor().get("country", ""), tender=True)
        return found[0] if found else "USD"

    def orderable_products() -> List[Dict[str, Any]]:
        """The products the order form suggests: live ones, at most 500;
        none when they cannot be read, so that a refused form still comes
        back with what was typed."""
        try:
            return list(itertools.islice(api().items("ListProducts", {}, page_size=PAGE_SIZE),
                                         500))
        except (liaison.Unavailable, liaison.DeadlineExceeded, liaison.ResourceExhausted):
            return []

    def line_minimums() -> Dict[str, int]:
        """The active charter's minimum order per product line (its inventory
        commitments), by line id: what an order's lines of that product line
        reach together. Empty without an active charter, or when it cannot be
        read: the form is still shown, the server still checks."""
        try:
            charter = api().call("GetCharter", {"distributorId": g.identity["distributorId"]})
        except (liaison.NotFound, liaison.PermissionDenied, liaison.Unavailable,
                liaison.DeadlineExceeded, liaison.ResourceExhausted):
            return {}
        charter = charter.get("charter", {})
        if charter.get("status") != "active":
            return {}
        return {str(cm.get("productLineId")): int(cm.get("moq") or 0)
                for cm in charter.get("commitments", [])}

    def my_today() -> dt.date:
        """Today in the distributor's time zone, not the portal server's: a
        month or year offered by default is the reader's. By the service's
        clock (the distributor's localToday), which the server's rules use:
        the portal host's own clock said "will begin" of a relationship three
        months old on a server whose clock was set ahead (a try-out)."""
        try:
            return dt.date.fromisoformat(my_distributor().get("localToday", ""))
        except ValueError:
            pass
        try:
            return dt.datetime.now(ZoneInfo(my_zone())).date()
        except (KeyError, ValueError):
            return dt.datetime.now(dt.timezone.utc).date()

    def newest(method: str, request_: Dict[str, Any], field: str) -> List[Dict[str, Any]]:
        """The newest PAGE_SIZE items of a list the server gives oldest first,
        newest first. The first page alone would be the oldest ones."""
        keep: collections.deque = collections.deque(maxlen=PAGE_SIZE)
        for item in itertools.islice(api().items(method, request_, page_size=500), NEWEST_SCAN):
            keep.append(item)
        return list(reversed(keep))

    def newest_page(method: str, request_: Dict[str, Any], field: str,
                    before: int = 0) -> tuple:
        """A page of a list the server gives oldest first (by id), newest
        first: the newest PAGE_SIZE items with an id below before (0: from
        the newest), and the id the next, older page goes below (0: none is
        left). An id, not an offset: an item made meanwhile shifts nothing."""
        keep: collections.deque = collections.deque(maxlen=PAGE_SIZE + 1)
        for item in itertools.islice(api().items(method, request_, page_size=500), NEWEST_SCAN):
            if before and int(item["id"]) >= before:
                break
            keep.append(item)
        older = 0
        if len(keep) > PAGE_SIZE:
            keep.popleft()
            older = int(keep[0]["id"])
        return list(reversed(keep)), older

    def bad_link() -> Response:
        """The page for a list's link to more of it that the portal did not make."""
        return _page("error.html", 400, title=_("This link is not valid"),
                     message=_("This link to more of the list was not made by the portal, or is "
                               "out of date: open the list from the menu."))

    def link_before() -> int:
        """The id the query string's ?before= (a newest-first list's "Older"
        link) names: 0 when none is given; a 400 page for one that is no id."""
        text = request.args.get("before", "")
        if not text:
            return 0
        before = _whole(text)
        if before is None or not 1 <= before <= INT64_MAX:
            abort(bad_link())
        return before

    def server_page(method: str, request_: Dict[str, Any], field: str) -> tuple:
        """One page of a list in the server's order: the first, or the one
        the query string's ?cursor= names (the server's cursor, from the
        page's "More" link); and the next page's cursor, "" on the last. A
        cursor that is none, or one the server refuses (forged, of another
        list or of other filters: INVALID_ARGUMENT), is a 400 page."""
        cursor = _cursor(request.args.get("cursor", ""))
        if cursor is None:
            abort(bad_link())
        page: Dict[str, Any] = {"pageSize": PAGE_SIZE}
        if cursor:
            page["cursor"] = cursor
        try:
            out = api().call(method, dict(request_, page=page))
        except liaison.InvalidArgument as e:
            if cursor and (not e.violations or any(f.startswith("page")
                                                   for f, _why in e.violations)):
                abort(bad_link())
            raise
        return out.get(field, []), out.get("page", {}).get("nextCursor", "")

    def _page(template: str, status: int = 200, **ctx: Any) -> Response:
        return Response(render_template(template, **ctx), status=status,
                        content_type="text/html; charset=utf-8")

    # ---------------- Liaison errors as pages ----------------

    def _tenant_suspended(e: liaison.Error) -> bool:
        """Whether liaisond refused the call because the tenant is suspended."""
        return "tenant is suspended" in (e.message or "")

    def _suspended_message() -> str:
        return _("This organisation's access to Liaison is suspended by the service's "
                 "operator: nothing can be seen or sent until it is resumed. Ask the "
                 "exporter you work with.")

    @app.errorhandler(liaison.Error)
    def liaison_error(e: liaison.Error) -> Response:
        if isinstance(e, liaison.Unauthenticated):
            # The session ended on the server (it expired, was revoked, the
            # user was disabled): signed in again, the user comes back to
            # this page, or for a form to the page it is on, told that what
            # it sent was not saved.
            store.update(g.sid, token="", identity="")
            if request.method == "POST":
                return unsent_form()
            return redirect(url_for("login", expired=1,
                                    next=get_page(request.full_path.rstrip("?"))))
        if isinstance(e, liaison.NotFound):
            return not_found(e)
        if isinstance(e, (liaison.InvalidArgument, liaison.OutOfRange)):
            return _page("error.html", 400, title=_("This request is not valid"),
                         message=_sentence(e))
        if isinstance(e, (liaison.FailedPrecondition, liaison.AlreadyExists)):
            return _page("error.html", 409, title=_("This cannot be done now"),
                         message=_sentence(e))
        if isinstance(e, liaison.PermissionDenied) and _tenant_suspended(e):
            # Not the user's rights: the whole organisation is refused until
            # the operator resumes it, and "your account may not" sends them
            # to the wrong person.
            return _page("error.html", 403, title=_("Access suspended"),
                         message=_suspended_message())
        if isinstance(e, liaison.PermissionDenied):
            return _page("error.html", 403, title=_("Not allowed"),
                         message=_("Your account may not see or do this."))
        if isinstance(e, (liaison.Unavailable, liaison.DeadlineExceeded,
                          liaison.ResourceExhausted)):
            return _page("error.html", 503, title=_("The service is unavailable"),
                         message=_("The service is unavailable, try again in a moment."))
        app.logger.error("liaison call failed: %s", e)
        return _page("error.html", 500, title=_("Something went wrong"),
                     message=_("The request could not be completed (%(code)s).",
                               code=e.code_name))

    def error_menu() -> None:
        """The signed-in header on an error page: a 404 or 405 of an address
        no view took had no menu and no Sign out, so that the user thought
        they were signed out, and the 405 sent them to a menu it did not
        show (a try-out)."""
        if g.get("identity") is None and g.get("session") and g.session["token"]:
            try:
                g.identity = api().call("WhoAmI")["identity"]
            except liaison.Error:
                pass

    @app.errorhandler(404)
    def not_found(_e: Any) -> Response:
        error_menu()
        return _page("error.html", 404, title=_("Not found"),
                     message=_("There is nothing here, or it is not yours to see."))

    @app.errorhandler(405)
    def wrong_method(e: Any) -> Response:
        error_menu()
        resp = _page("error.html", 405, title=_("This address is not a page"),
                     message=_("This address only takes a form sent from the portal. "
                               "Open the page from the menu."))
        if getattr(e, "valid_methods", None):
            resp.headers["Allow"] = ", ".join(e.valid_methods)
        return resp

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        """Any other HTTP error as the portal's own page, not Werkzeug's."""
        if e.code is None or e.response is not None:
            return e.get_response()  # one already made (a redirect given to abort())
        error_menu()
        return _page("error.html", e.code, title=_("Something went wrong"),
                     message=_("The request could not be completed (%(code)s).",
                               code="%d %s" % (e.code, e.name)))

    @app.errorhandler(413)
    def too_large(_e: Any) -> Response:
        error_menu()
        return _page("error.html", 413, title=_("Too large"),
                     message=_("What was sent is larger than this form takes."))

    # ---------------- formatting ----------------

    @app.template_filter("money")
    def money(minor: Any, currency: str, blank: bool = False) -> str:
        """blank: a dash for none, a deal's value not known yet (the CLI's "-"), where "₫0"
        read as a deal worth nothing (a try-out)."""
        if blank and not int(minor or 0):
            return "—"
        digits = get_currency_precision(currency or "USD")
        amount = decimal.Decimal(int(minor or 0)).scaleb(-digits)
        return format_currency(amount, currency or "USD", locale=str(pick_locale()))

    # A reason standing alone above a form, not after a field's name, starts as a sentence
    # does: "biểu mẫu này đã được gửi…" stood in lower case at the top (a try-out).
    app.add_template_filter(_capitalised, "sentence")

    # Not "count", Jinja's own name for length.
    @app.template_filter("figure")
    def figure(n: Any, blank: bool = False) -> str:
        """A count of units as the reader's language writes it (1.000 in Vietnamese): they
        were bare digits beside amounts so written (a try-out). blank: nothing for none."""
        if blank and not n:
            return ""
        try:
            return format_decimal(int(n or 0), locale=str(pick_locale()))
        except (TypeError, ValueError):
            return str(n)  # what a refused form had typed, shown as it was

    @app.template_filter("when")
    def when(rfc3339: str, zone: str = "UTC") -> str:
        """A time as the reader's language writes a day and a time of day, without the
        seconds babel's medium format gives ("15:30:00, 12 thg 12, 2026" beside the
        page's "15:00 – 15:30": a try-out)."""
        if not rfc3339:
            return ""
        t = dt.datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))
        t = t.astimezone(ZoneInfo(zone or "UTC"))
        loc = str(pick_locale())
        return str(get_datetime_format("medium", locale=loc)).replace("'", "").replace(
            "{0}", format_time(t, "short", locale=loc)).replace(
            "{1}", format_date(t, "medium", locale=loc))

    @app.template_filter("due")
    def due(item: Mapping[str, Any]) -> str:
        """An action item's due time as its people read it. One due on a day
        is due at the end of that day, the midnight after it in the
        distributor's zone ("2026-11-26 00:00"): that is the day itself,
        2026-11-25. Another time is shown with its zone."""
        local, zone = item.get("localDueAt", ""), item.get("timeZone", "")
        m = re.fullmatch(r"([0-9]{4}-[0-9]{2}-[0-9]{2}) 00:00", local)
        if m:
            try:
                return (dt.date.fromisoformat(m.group(1)) - dt.timedelta(days=1)).isoformat()
            except ValueError:
                pass
        return "%s (%s)" % (local, zone) if zone else local

    @app.template_filter("actor")
    def actor(who: str) -> str:
        """An audit actor ("user:8 an@example.com") as people know it: the e-mail."""
        return re.sub(r"^user:[0-9]+ ", "", who or "")

    @app.template_filter("reason")
    def reason(r: Mapping[str, Any]) -> str:
        """A health reason in the reader's language: the server's English
        sentence, or for another language the sentence its code words; a
        code this portal does not know (or a score stored before codes)
        keeps the English."""
        code, args = r.get("code", ""), list(r.get("args", []))
        if str(pick_locale()) == "en" or code not in REASONS or len(args) < REASON_ARGS.get(
                code, 0):
            return r.get("detail", "")
        return REASONS[code](args)

    @app.template_filter("label")
    def label(value: str, family: str) -> str:
        """A status, kind or severity of family (a key of LABELS) in the reader's language."""
        return str(LABELS.get(family, {}).get(value, value or ""))

    @app.template_filter("meeting_title")
    def meeting_title(m: Mapping[str, Any]) -> str:
        """A meeting's title in the reader's language when it is its
        series' default (SERIES_TITLES); as written otherwise."""
        title = m.get("title", "")
        english, shown = SERIES_TITLES.get(m.get("kind", ""), ("", ""))
        if english and (title == english or title.startswith(english + " · ")):
            return str(shown) + title[len(english):]
        return title

    @app.template_filter("agenda_item")
    def agenda_item(item: str, kind: str) -> str:
        """An item of a series meeting's agenda in the reader's language when
        it is one of the server's defaults (SERIES_AGENDA), or the item an
        upstream update's publication adds to the next monthly review
        (migration 0033: "Upstream update: " and its title)."""
        m = re.fullmatch(r"Upstream update: (.+)", item, re.S)
        if m:
            return _("Upstream update: %(title)s", title=m.group(1))
        if kind in SERIES_TITLES:
            return str(SERIES_AGENDA.get(item, item))
        return item

    @app.template_filter("doc_title")
    def doc_title(d: Mapping[str, Any]) -> str:
        """A document's title in the reader's language: its translation's own
        title (AddTranslation's title) when there is one, else as written."""
        return _variant_title(d, str(pick_locale())) or d.get("title", "")

    @app.template_filter("reader_variant")
    def reader_variant(d: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
        """The translation of d into the reader's language, when it is not d's own: the list
        showed its title beside the original's language and version, and a stale Vietnamese
        handbook read as a current one (a try-out)."""
        v = _variant(d, str(pick_locale()))
        return v if v and v.get("language") != d.get("language") else None

    @app.template_filter("language_name")
    def language_name(tag: str) -> str:
        try:
            return Locale.parse(tag.replace("-", "_")).get_display_name(str(pick_locale())) or tag
        except (ValueError, TypeError, LookupError, UnknownLocaleError):
            # A language Babel has no data for (Bislama, bi): its code.
            return tag

    # ---------------- pages ----------------

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Response:
        form = {"tenant": "", "email": ""}
        error = _("Your session has ended: sign in again.") if request.args.get("expired") else ""
        if request.args.get("signed_out"):
            error = _("You were signed out (in another tab, or after a while), so what you "
                      "sent was not saved. Sign in again to go back to the page.")
        # Said on the page the user's own sign-out leads to (its address
        # asks for it): that page looked the same as before signing in, with
        # nothing to show the sign-out had worked.
        notice = (_("You are signed out.") if request.args.get("bye") and
                  request.method == "GET" and not g.session["token"] else "")
        # Signed in already, the form was shown bare, as if the session had
        # ended: the page asked for goes on (a session the server ended has
        # no token here, so this never loops).
        if request.method == "GET" and g.session["token"]:
            return redirect(_local_path(request.args.get("next", "")) or url_for("dashboard"))
        if request.method == "POST":
            form = {"tenant": request.form.get("tenant", "").strip(),
                    "email": request.form.get("email", "").strip()}
            password = request.form.get("password", "")
            if not (form["tenant"] and form["email"] and password):
                # A browser that skips "required" sent a field empty: "not
                # right" would send the user looking for a typing mistake.
                error = _("Enter your organisation, e-mail and password.")
                return _page("login.html", 400, form=form, error=error, notice="")
            try:
                token = api().login(form["tenant"], form["email"], password,
                                    client_address=client_address())
                ident = api().call("WhoAmI")["identity"]
            except (liaison.Unauthenticated, liaison.InvalidArgument):
                error = _("The organisation, e-mail or password is not right.")
            except liaison.PermissionDenied as e:
                if "this login is disabled" in (e.message or ""):
                    # The right password of a disabled user: "not right" sent them
                    # trying again until the account locked.
                    error = _("This login is disabled. Ask the exporter you work with to "
                              "enable it again.")
                elif _tenant_suspended(e):
                    error = _suspended_message()
                else:
                    raise
            except liaison.ResourceExhausted as e:
                # A lock after failures, or passwords being checked for
                # others at this moment: only the first is the user's doing.
                said = re.search(r"try again in ([0-9]+) minute", e.message)
                minutes = int(said[1]) if said else -(-e.retry_after_ms // 60000)
                error = ((ngettext("Too many attempts: wait %(num)d minute and try again.",
                                   "Too many attempts: wait %(num)d minutes and try again.",
                                   minutes) if minutes > 0 else
                          _("Too many attempts: wait a few minutes and try again."))
                         if "failed log-ins" in e.message else
                         # A field past the server's bound of a request (a pasted
                         # 20,000-character password): no moment later helps.
                         _("The organisation, e-mail or password is not right.")
                         if "exceeds the server's limit" in e.message else
                         _("Many people are signing in right now: try again in a moment."))
            else:
                if not ident.get("distributorId"):
                    api().logout()
                    error = _("This portal is for distributors' staff. Exporter staff use "
                              "the Liaison command line or their own tools.")
                else:
                    sid = store.rotate(g.sid)
                    store.update(sid, token=token)
                    g.new_sid = sid
                    return redirect(_local_path(request.args.get("next", ""))
                                    or url_for("dashboard"))
        return _page("login.html", 401 if error and request.method == "POST" else 200,
                     form=form, error=error, notice=notice)

    def client_address() -> str:
        """The user's own address for liaisond's log-in limits, when this
        portal is one of its trusted proxies; "" otherwise, and when what
        the proxies in front said is not an IP address."""
        if not app.config["CLIENT_ADDRESS"]:
            return ""
        try:
            return str(ipaddress.ip_address(request.remote_addr or ""))
        except ValueError:
            return ""

    @app.route("/logout", methods=["GET", "POST"])
    def logout() -> Response:
        """POST signs out. GET (a bookmark, a typed address) cannot, a form's
        CSRF token being what shows the user asked: it asks, or goes to
        the sign-in page when nobody is signed in."""
        if request.method == "GET":
            if not g.session["token"]:
                return redirect(url_for("login"))
            signed_in()
            return _page("logout.html")
        if g.session["token"]:
            try:
                api().logout()
            except liaison.Error:
                pass  # the session is forgotten here either way
        # The language the reader chose outlives the session: it is a
        # preference of the browser, not something of the account's.
        lang = g.session.get("lang")
        store.delete(g.sid)
        g.new_sid = store.create()
        if lang:
            store.update(g.new_sid, lang=lang)
        return redirect(url_for("login", bye=1))

    def password_reason(why: str) -> Optional[str]:
        """The server's reason for a new password (auth_password_problem), as a sentence."""
        return {
            "must be at least 12 characters":
                _("The new password must be at least 12 characters."),
            "must not be only spaces": _("The new password must not be only spaces."),
            "must not hold control characters (a tab, a line break or the like)":
                _("The new password must not hold control characters (a tab, a line break or "
                  "the like)."),
            "must not be one character repeated":
                _("The new password must not be one character repeated."),
            "must be at most 128 bytes": _("The new password must be at most 128 bytes."),
            "must not be the current one": _("The new password must not be the current one."),
        }.get(why)

    @app.route("/password", methods=["GET", "POST"])
    def password() -> Response:
        """The user's own password: the one the exporter chose and sent stayed in use, as
        only the command line changed it (a try-out). The current one is asked for, and
        the user's other sessions end (ChangePassword); this one goes on."""
        signed_in()
        error, done = "", False
        if request.method == "POST":
            current = request.form.get("current", "")
            new = request.form.get("new", "")
            if not (current and new and request.form.get("again", "")):
                error = _("Enter your current password and the new one twice.")
            elif new != request.form.get("again", ""):
                error = _("The two new passwords are not the same.")
            # Said here: past the library's bound of a request, a pasted 20,000 characters
            # came back as "too many attempts". No stored password is past 128 bytes.
            elif len(current.encode()) > 128:
                error = _("The current password is not right.")
            elif len(new.encode()) > 128:
                error = _("The new password must be at most 128 bytes.")
            else:
                try:
                    api().call("ChangePassword", {"currentPassword": current,
                                                  "newPassword": new})
                    done = True
                except liaison.InvalidArgument as e:
                    said = dict(e.violations)
                    error = (_("The current password is not right.")
                             if "currentPassword" in said else
                             password_reason(said.get("newPassword", "")) or _sentence(e))
                except liaison.ResourceExhausted as e:
                    # As at sign-in: only a lock after failures is the user's doing; passwords
                    # being checked for others at this moment was told "too many attempts".
                    said = re.search(r"try again in ([0-9]+) minute", e.message)
                    minutes = int(said[1]) if said else -(-e.retry_after_ms // 60000)
                    error = ((ngettext("Too many attempts: wait %(num)d minute and try again.",
                                       "Too many attempts: wait %(num)d minutes and try again.",
                                       minutes) if minutes > 0 else
                              _("Too many attempts: wait a few minutes and try again."))
                             if "failed log-ins" in e.message else
                             _("Many people are signing in right now: try again in a moment."))
        return _page("password.html", 400 if error else 200, error=error, done=done)

    @app.route("/language", methods=["POST"])
    def language() -> Response:
        lang = request.form.get("lang", "")
        if lang in LANGUAGES:
            store.update(g.sid, lang=lang)
        return redirect(get_page(_local_path(request.form.get("next", "")) or "/"))

    def get_page(target: str) -> str:
        """target (a local path, with its query) when a GET of it is a page;
        else the nearest page above it: a form's address (/meetings/7/notes,
        /reports/2/save) gives the page the form is on (/meetings/7), and
        one with no page above it the start page."""
        path, _sep, query = target.partition("?")
        adapter = app.url_map.bind("localhost")
        while path not in ("", "/"):
            try:
                endpoint, _args = adapter.match(path, method="GET")
                if endpoint not in ("logout", "static"):
                    return path + ("?" + query if query else "")
            except HTTPException:
                pass
            path, query = path.rsplit("/", 1)[0], ""
        return url_for("dashboard")

    @app.route("/")
    def dashboard() -> Response:
        me = signed_in()
        did = me["distributorId"]
        c = api()
        dist = c.call("GetDistributor", {"id": did})["distributor"]
        try:
            charter = c.call("GetCharter", {"distributorId": did})["charter"]
        except liaison.NotFound:
            charter = None
        # A page of contacts at a time (?cursor=: the "More" link): one page
        # alone left whoever came after the fiftieth out without a word.
        contacts, more = server_page("ListContacts", {"distributorId": did}, "contacts")
        began = _charter_began(charter or {})
        return _page("dashboard.html", dist=dist, charter=charter, contacts=contacts,
                     more=more, paged=bool(request.args.get("cursor")),
                     began=began, began_past=began <= my_today().isoformat())

    @app.route("/meetings")
    def meetings() -> Response:
        """The schedule from the last month on; with ?past=1 the meetings of
        the last PAST_DAYS days, newest first: a held meeting to add notes
        to is found there however long ago it was."""
        me = signed_in()
        past = request.args.get("past") == "1"
        try:
            here = ZoneInfo(my_zone())
        except (KeyError, ValueError):
            here = dt.timezone.utc
        # From the start of that day where the distributor is, a day by the service's clock.
        since = dt.datetime.combine(my_today() - dt.timedelta(days=PAST_DAYS if past else 31),
                                    dt.time(), here).astimezone(dt.timezone.utc)
        # The server pages in time order (by start, then id), so the pages
        # read one after another are the schedule itself; past MEETING_PAGES
        # it is the furthest meetings that are left out.
        items: List[Dict[str, Any]] = []
        req: Dict[str, Any] = {"distributorId": me["distributorId"],
                               "from": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                               "page": {"pageSize": PAGE_SIZE}}
        if past:
            # Now, by this host's clock while it agrees with the service's on the day; a
            # service clock set to another day (tests, demos) has that day whole, where the
            # distributor is.
            now = dt.datetime.now(dt.timezone.utc)
            if now.astimezone(here).date() != my_today():
                now = dt.datetime.combine(my_today() + dt.timedelta(days=1), dt.time(),
                                          here).astimezone(dt.timezone.utc)
            req["to"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        for _page_no in range(MEETING_PAGES):
            out = api().call("ListMeetings", req)
            items += out.get("meetings", [])
            cursor = out.get("page", {}).get("nextCursor")
            if not cursor:
                break
            req["page"]["cursor"] = cursor
        if past:
            items.reverse()
        return _page("meetings.html", meetings=items, past=past, past_days=PAST_DAYS)

    def note_languages() -> List[str]:
        """The languages a note may be marked as written in, the one offered
        first: the distributor's own (its first is what its people write
        in), then the reader's and English. A fixed Vietnamese, English,
        Japanese list marked a Japanese note from an English page as English
        and had no way to say Thai."""
        langs = my_distributor().get("languages", [])
        return list(dict.fromkeys(list(langs) + [str(pick_locale()), "en"]))

    def meeting_actions(mid: int) -> Dict[str, Any]:
        """The action items written down at a meeting, what falls due first
        first: a page of them, and whether there are more (a try-out found
        them on no meeting's page)."""
        out = api().call("ListActionItems", {"meetingId": mid, "page": {"pageSize": PAGE_SIZE}})
        return {"items": out.get("actionItems", []),
                "more_items": PAGE_SIZE if out.get("page", {}).get("nextCursor") else 0}

    @app.route("/meetings/<id:mid>")
    def meeting(mid: int) -> Response:
        signed_in()
        m = api().call("GetMeeting", {"id": mid})["meeting"]
        # ?noted=1: a note was just added (or had been, the form sent twice).
        notice = _("Your note is added.") if request.args.get("noted") else ""
        return _page("meeting.html", m=m, key=form_key(), note_langs=note_languages(),
                     notice=notice, **meeting_actions(mid))

    @app.route("/meetings/<id:mid>/notes", methods=["POST"])
    def meeting_note(mid: int) -> Response:
        signed_in()
        body = request.form.get("body", "").strip()
        lang = request.form.get("language", "").strip()
        try:
            create_once("AddMeetingNote", {"meetingId": mid, "body": body, "language": lang})
        except (liaison.InvalidArgument, liaison.FailedPrecondition) as e:
            m = api().call("GetMeeting", {"id": mid})["meeting"]
            return _page("meeting.html", 400, m=m, note_error=_sentence(e), note_body=body,
                         key=form_key(), note_langs=note_languages(), note_lang=lang,
                         **meeting_actions(mid))
        return redirect(url_for("meeting", mid=mid, noted=1), 303)

    @app.route("/escalations")
    def escalations() -> Response:
        me = signed_in()
        items = newest("ListEscalations", {"distributorId": me["distributorId"]}, "escalations")
        # ?answered=1: an answer was just sent (or had been already).
        notice = _("Your answer is sent.") if request.args.get("answered") else ""
        return _page("escalations.html", items=items,
                     errors={}, zone=my_zone(), notice=notice)

    @app.route("/escalations/<id:eid>/answer", methods=["POST"])
    def escalation_answer(eid: int) -> Response:
        me = signed_in()
        text = request.form.get("text", "").strip()
        try:
            api().call("RespondEscalation", {"id": eid, "text": text})
        except (liaison.InvalidArgument, liaison.FailedPrecondition) as e:
            items = newest("ListEscalations", {"distributorId": me["distributorId"]},
                           "escalations")
            # Sent twice (a double click, Back and again): answered already
            # with this very text, and the same confirmation comes. Another
            # text (a second tab, a stale form) was not sent, and is said so:
            # it was confirmed as sent and dropped (a try-out).
            answered = e.message == "this escalation request is already answered"
            given = [x.get("response", "").strip() for x in items
                     if x.get("id") == eid and x.get("state") == "answered"]
            if not answered or given != [text]:
                return _page("escalations.html", 400, items=items,
                             errors={eid: _(
                                 "This request was answered already, with the answer shown:"
                                 " yours was not sent.") if answered and given
                                 else _sentence(e)},
                             answers={eid: text}, zone=my_zone())
        return redirect(url_for("escalations", answered=1), 303)

    def actions_page(status: int = 200, **ctx: Any) -> Response:
        """Its open action items, what falls due first first, a page at a
        time (?cursor=: the "More" link)."""
        items, more = server_page("ListActionItems", {
            "distributorId": g.identity["distributorId"], "status": "open"}, "actionItems")
        return _page("actions.html", status, items=items, more=more,
                     paged=bool(request.args.get("cursor")), **ctx)

    @app.route("/actions")
    def actions() -> Response:
        signed_in()
        # ?done=1: an item was just closed (done by now, or done already).
        notice = _("The action item is marked done.") if request.args.get("done") else ""
        return actions_page(notice=notice)

    @app.route("/actions/<id:aid>/done", methods=["POST"])
    def action_done(aid: int) -> Response:
        """Closes an item and says so. Sent twice (a double click, Back and
        send again, a second tab) the item is done already: that is what
        was asked, and the same confirmation comes. Another refusal (an
        item of the exporter's people, a cancelled one) comes back on the
        list in words, not as an error page."""
        signed_in()
        try:
            api().call("CompleteActionItem", {"id": aid})
        except liaison.FailedPrecondition as e:
            if not e.message.startswith("the action item is done;"):
                return actions_page(409, error=_why(e.message))
        except liaison.PermissionDenied as e:
            if _tenant_suspended(e):
                raise
            return actions_page(403, error=_why(e.message))
        return redirect(url_for("actions", done=1), 303)

    @app.route("/health")
    def health() -> Response:
        """Its own relationship health, as the exporter sees it: the stored
        score, the reasons it lost points, and the trend on a 0-100 scale."""
        me = signed_in()
        h = api().call("GetDistributorHealth", {"distributorId": me["distributorId"],
                                                "historyLimit": 30})["health"]
        blocks = "▁▂▃▄▅▆▇█"
        trend = "".join(blocks[(max(0, min(100, p.get("score", 0))) * 14 + 100) // 200]
                        for p in h.get("history", []))
        return _page("health.html", h=h, trend=trend, zone=my_zone())

    @app.route("/customers")
    def customers() -> Response:
        me = signed_in()
        # The server shows a distributor user its own customers: those it owns
        # and those of its deals (a deal's customer is the distributor's), a
        # page at a time (?cursor=: the "More" link, which keeps the search).
        q = request.args.get("q", "")[:200]
        items, more = server_page("ListKeyAccounts", {"distributorId": me["distributorId"],
                                                      "name": q}, "accounts")
        return _page("customers.html", accounts=items, q=q, more=more,
                     paged=bool(request.args.get("cursor")))

    def relationship_ended() -> bool:
        """Whether the signed-in user's distributor is terminated: it takes no
        new deal nor order, so their forms are not offered (a try-out was
        given them, typed, and was refused)."""
        did = g.identity["distributorId"]
        return api().call("GetDistributor", {"id": did})["distributor"].get(
            "status") == "terminated"

    @app.route("/leads")
    def leads() -> Response:
        """Its deals, newest first (the server lists them oldest first),
        PAGE_SIZE at a time: ?before= (the "Older deals" link) names the
        oldest deal the page before showed."""
        me = signed_in()
        before = link_before()
        items, older = newest_page("ListLeads", {"distributorId": me["distributorId"]},
                                   "leads", before)
        return _page("leads.html", leads=items, older=older, paged=bool(before),
                     ended=relationship_ended())

    def amount_value(text: str, currency: str, example: str) -> tuple:
        """An amount as typed in currency, a deal's value or an order line's
        price: (its minor units, ""), or (None, why not), where example is
        the words for text that is no amount at all ("an amount, 0 or more,
        e.g. %(example)s"). 0 is a value: a deal registered without one has
        0, not yet known."""
        locale = str(pick_locale())
        value = _minor(text, currency, locale)
        # The server's bound (10^15 minor units), in the currency: the
        # largest integer was said here, then the server's bare figure.
        if (value or 0) > FIGURE_MAX or (value is None and _too_large_amount(
                text, currency, locale)):
            return None, _("at most %(amount)s", amount=money(FIGURE_MAX, currency))
        if value is not None:
            return value, ""
        if _decimals_refused(text, currency, locale):
            return None, _decimals_said(currency, locale)
        return None, example % {"example": _amount_example(currency, locale)}

    def deal_value(text: str, currency: str) -> tuple:
        """A deal's value as typed, the new-deal form's and the correction's alike."""
        return amount_value(text, currency, _("an amount, 0 or more, e.g. %(example)s"))

    def deal_close_error(text: str) -> str:
        """Why a deal's expected close as typed is none ("" when it is one,
        or is empty): the new-deal form's and the correction's alike."""
        if not text:
            return ""
        try:
            ok = bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text)
                      ) and 1900 <= dt.date.fromisoformat(text).year <= 2999
        except ValueError:
            ok = False
        return "" if ok else _no_such_day(text) or _("a date as YYYY-MM-DD, 1900 to 2999")

    def deal_currency() -> str:
        """The currency a new deal starts in: its most recent deal's, else its
        most recent order's, else its country's (my_currency). A Vietnamese
        distributor selling in VND was offered USD, and a new one with no
        deal or order yet still was (a try-out)."""
        did = g.identity["distributorId"]
        for method, field in (("ListLeads", "leads"), ("ListOrders", "orders")):
            recent, _older = newest_page(method, {"distributorId": did}, field)
            for item in recent:
                if item.get("currency"):
                    return item["currency"]
        return my_currency()

    @app.route("/leads/new", methods=["GET", "POST"])
    def lead_new() -> Response:
        me = signed_in()
        if relationship_ended():
            return redirect(url_for("leads"), 303)
        lines = [ln for ln in api().call("ListProductLines", {"page": {"pageSize": PAGE_SIZE}})
                 .get("productLines", []) if not ln.get("retired")]
        # The lines its charter covers: a deal for another is refused by the server (the
        # form listed every line of the catalogue, a try-out).
        try:
            charter = api().call("GetCharter", {"distributorId": me["distributorId"]})["charter"]
        except liaison.NotFound:
            charter = {}
        if charter.get("status") == "active" and not charter.get("fullCoverage"):
            covered = set(charter.get("coveredLineIds", []))
            lines = [ln for ln in lines if ln["id"] in covered]
        form: Dict[str, Any] = {"currency": "", "country": "", "lines": []}
        if request.method == "GET":
            # Where it sells, in its money: its own country is the first guess.
            form["country"] = my_distributor().get("country", "")
            form["currency"] = deal_currency()
        errors: Dict[str, str] = {}
        if request.method == "POST":
            form = {k: request.form.get(k, "").strip() for k in
                    ("account_name", "country", "region", "industry", "title", "value",
                     "currency", "expected_close")}
            picked = [_whole(x) for x in request.form.getlist("lines")]
            form["lines"] = [n for n in picked if n]
            req = {"distributorId": me["distributorId"], "accountName": form["account_name"],
                   "country": form["country"].upper(), "region": form["region"].upper(),
                   "industry": form["industry"], "title": form["title"],
                   "currency": form["currency"].upper(),
                   "expectedClose": form["expected_close"], "productLineIds": form["lines"]}
            # Every field's own error at once, before the server (which
            # names only the first it finds): what is missing or too long.
            for name, wire, bound, required in (
                    ("account_name", "accountName", 200, True), ("title", "title", 200, True),
                    ("industry", "industry", 100, False), ("country", "country", 2, True),
                    ("currency", "currency", 3, True)):
                if required and not form[name]:
                    errors[wire] = _("required")
                elif len(form[name]) > bound and wire not in ("country", "currency"):
                    errors[wire] = _("at most %(n)s characters", n=bound)
            # Known to Babel too, or a mistyped currency was named only once the country was
            # right, one round trip later (a try-out); the server still has the last word.
            if form["country"] and not (re.fullmatch(r"[A-Za-z]{2}", form["country"])
                                        and form["country"].upper() in Locale("en").territories):
                errors["country"] = _("not an ISO 3166-1 alpha-2 country code")
            if form["currency"] and not (re.fullmatch(r"[A-Za-z]{3}", form["currency"])
                                         and _is_money(form["currency"].upper())):
                errors["currency"] = _("not an ISO 4217 currency code")
            # A box's value no list gives (a hand-made post): dropped, the deal
            # was registered for fewer lines than were sent.
            if len(form["lines"]) != len(picked):
                errors["productLineIds"] = _("not one of the product lines listed")
            why = deal_close_error(form["expected_close"])
            if why:
                errors["expectedClose"] = why
            # No value typed: a deal whose value is not known yet, 0.
            value, why = deal_value(form["value"] or "0", form["currency"])
            if value is None:
                errors["valueMinor"] = why
            else:
                req["valueMinor"] = value
            if not errors:
                try:
                    lead = create_once("RegisterLead", req)["lead"]
                    return redirect(url_for("lead", lid=lead["id"]))
                except liaison.InvalidArgument as e:
                    errors = _form_errors(e) or {"": _why(e.message)}
                except (liaison.FailedPrecondition, liaison.AlreadyExists) as e:
                    errors[""] = _why(e.message)
        return _page("lead_new.html", 400 if errors else 200, form=form, lines=lines,
                     errors=errors, key=form_key())

    def lead_page(lid: int, status: int = 200, **ctx: Any) -> Response:
        lead_ = api().call("GetLead", {"id": lid})["lead"]
        talks = newest("ListInteractions", {"leadId": lid}, "interactions")
        return _page("lead.html", status, lead=lead_, zone=my_zone(), key=form_key(),
                     interactions=talks, **ctx)

    @app.route("/leads/<id:lid>")
    def lead(lid: int) -> Response:
        signed_in()
        # ?corrected=1: the deal was just corrected.
        return lead_page(lid, notice=_("The deal is corrected.")
                         if request.args.get("corrected") else "")

    @app.route("/leads/<id:lid>/stage", methods=["POST"])
    def lead_stage(lid: int) -> Response:
        """Moves the lead; won and lost, which are final, only once the
        user has said so on a second step (a slip of the list's choice
        closed a deal for good)."""
        signed_in()
        stage = request.form.get("stage", "")
        if stage in ("won", "lost") and request.form.get("confirm") != stage:
            lead_ = api().call("GetLead", {"id": lid})["lead"]
            # Nor is a move asked about that the server refuses (a lead
            # closed already, a flagged registration won, a rejected one
            # other than lost): its refusal is the answer.
            refused = (lead_.get("stage") in ("won", "lost")
                       or (stage == "won" and lead_.get("registration") == "flagged")
                       or (stage != "lost" and lead_.get("registration") == "rejected"))
            if not refused:
                return lead_page(lid, confirm_stage=stage)
        try:
            api().call("SetLeadStage", {"id": lid, "stage": stage})
        except (liaison.InvalidArgument, liaison.FailedPrecondition) as e:
            return lead_page(lid, 400, stage_error=_sentence(e))
        return redirect(url_for("lead", lid=lid))

    @app.route("/leads/<id:lid>/correct", methods=["POST"])
    def lead_correct(lid: int) -> Response:
        """Corrects the deal's value (in its own currency) and expected close
        (UpdateLead): a mistyped value, a close date that slipped. A field
        left empty stays as it was."""
        signed_in()
        currency = api().call("GetLead", {"id": lid})["lead"].get("currency", "")
        form = {k: request.form.get(k, "").strip() for k in ("value", "expected_close")}
        req: Dict[str, Any] = {"id": lid}
        errors: Dict[str, str] = {}
        # Read and worded as the new-deal form reads them (deal_value,
        # deal_close_error); a field left empty stays as it is.
        if form["value"]:
            value, why = deal_value(form["value"], currency)
            if value is None:
                errors["value.valueMinor"] = why
            else:
                req["value"] = {"valueMinor": value}
        if form["expected_close"]:
            why = deal_close_error(form["expected_close"])
            if why:
                errors["expectedClose"] = why
            req["expectedClose"] = form["expected_close"]
        if not form["value"] and not form["expected_close"]:
            errors[""] = _("nothing to change: give a value or an expected close date")
        if not errors:
            try:
                api().call("UpdateLead", req)
                return redirect(url_for("lead", lid=lid, corrected=1), 303)
            except liaison.InvalidArgument as e:
                errors = _form_errors(e) or {"": _why(e.message)}
            except liaison.FailedPrecondition as e:
                errors[""] = _why(e.message)
        return lead_page(lid, 400, correct_errors=errors, correct_form=form)

    @app.route("/leads/<id:lid>/interactions", methods=["POST"])
    def lead_interaction(lid: int) -> Response:
        signed_in()
        form = {"kind": request.form.get("kind", ""), "summary": request.form.get(
            "summary", "").strip()}
        try:
            create_once("CreateInteraction", {"leadId": lid, "kind": form["kind"],
                                              "summary": form["summary"]})
        except liaison.InvalidArgument as e:
            return lead_page(lid, 400, interaction_error=_sentence(e), form=form)
        return redirect(url_for("lead", lid=lid))

    @app.route("/orders")
    def orders() -> Response:
        """Its orders, newest first (the server lists them oldest first, by
        id), PAGE_SIZE at a time: ?before= (the "Older orders" link) names
        the oldest order the page before showed, as the deals' list does."""
        me = signed_in()
        before = link_before()
        items, older = newest_page("ListOrders", {"distributorId": me["distributorId"]},
                                   "orders", before)
        return _page("orders.html", orders=items, older=older, paged=bool(before),
                     zone=my_zone(), ended=relationship_ended())

    @app.route("/orders/new", methods=["GET", "POST"])
    def order_new() -> Response:
        signed_in()
        if relationship_ended():
            return redirect(url_for("orders"), 303)
        rows = [{"sku": "", "quantity": "", "price": ""} for _ in range(ORDER_LINES)]
        form: Dict[str, Any] = {"currency": my_currency(), "note": "", "rows": rows}
        errors: Dict[str, str] = {}
        if request.method == "POST":
            form = {"currency": request.form.get("currency", "").strip().upper(),
                    "note": request.form.get("note", "").strip(),
                    "rows": [{"sku": request.form.get("sku%d" % i, "").strip(),
                              "quantity": request.form.get("quantity%d" % i, "").strip(),
                              "price": request.form.get("price%d" % i, "").strip()}
                             for i in range(ORDER_LINES)]}
            lines = []
            for i, row in enumerate(form["rows"]):
                if not (row["sku"] or row["quantity"] or row["price"]):
                    continue
                # In the row's order, SKU first: a missing SKU was told after the price,
                # and a quantity past the bound as "above 0" (a try-out).
                if not row["sku"]:
                    errors["lines[%d].sku" % len(lines)] = _("required")
                typed = _plain_count(row["quantity"], str(pick_locale()))
                qty = _whole(typed) or 0
                if re.fullmatch(r"[0-9]+", typed) and int(typed) > ORDER_MAX_QUANTITY:
                    errors["lines[%d].quantity" % len(lines)] = _(
                        "a whole number from 1 to %(n)s", n=ORDER_MAX_QUANTITY)
                    qty = 0
                elif not qty:
                    errors["lines[%d].quantity" % len(lines)] = _("a whole number above 0")
                price, why = amount_value(row["price"], form["currency"],
                                          _("a price, e.g. %(example)s"))
                if why:
                    errors["lines[%d].unitPriceMinor" % len(lines)] = why
                lines.append({"sku": row["sku"], "quantity": qty, "unitPriceMinor": price or 0,
                              "row": i})
            if not lines:
                errors[""] = _("Give at least one line: a SKU, a quantity and a unit price.")
            if not errors:
                try:
                    o = api().call("PlaceOrder", {
                        "currency": form["currency"], "note": form["note"],
                        "idempotencyKey": request.form.get("key", ""),
                        "lines": [{k: v for k, v in ln.items() if k != "row"}
                                  for ln in lines]})["order"]
                    return redirect(url_for("order", oid=o["id"]))
                except (liaison.InvalidArgument, liaison.FailedPrecondition) as e:
                    errors = _form_errors(e) or {"": _sentence(e)}
                    # Its key placed an order already: sent again, the form
                    # (changed since) is a new order, under a new key.
                    if any(f == "idempotencyKey" for f, _reason in e.violations):
                        g.key_spent = True
            # Field errors name the n-th line sent; show them on the form's row,
            # each with its box's name (a quantity and a price both wrong
            # showed one of them, and "at least 1" did not say of what).
            # Every other one the server gives (the note's, or a field this
            # form does not know) is listed with its field.
            boxes = {"quantity": _("Quantity"), "unitPriceMinor": _("Unit price"),
                     "sku": _("SKU"), "productId": _("SKU")}
            by_row: Dict[int, List[str]] = {}
            others: List[tuple] = []
            for field, why in errors.items():
                m = re.match(r"lines\[(\d+)\](?:\.(\w+))?", field)
                if m and int(m.group(1)) < len(lines):
                    box = boxes.get(m.group(2) or "")
                    by_row.setdefault(lines[int(m.group(1))]["row"], []).append(
                        "%s: %s" % (box, why) if box else why)
                elif field not in ("", "currency"):
                    others.append((_field_name(field), why))
            return _page("order_new.html", 400, form=form, errors=errors, by_row=by_row,
                         others=others, key=secrets.token_urlsafe(16) if g.get("key_spent")
                         else request.form.get("key", ""), products=orderable_products(),
                         line_min=line_minimums())
        return _page("order_new.html", form=form, errors=errors, by_row={}, others=[],
                     key=secrets.token_urlsafe(16), products=orderable_products(),
                     line_min=line_minimums())

    def order_page(oid: int, status: int = 200, o: Optional[Mapping[str, Any]] = None,
                   **ctx: Any) -> Response:
        """The order's page; o: the order as the caller read it already."""
        o = o or api().call("GetOrder", {"id": oid})["order"]
        ships = api().call("ListShipments", {"orderId": oid,
                                             "page": {"pageSize": PAGE_SIZE}}).get("shipments", [])
        # Staff may book a distributor's order on the exporter's own deal: its link led to
        # "Not found" (a try-out), so such a deal is named without one.
        deal_open = False
        if o.get("leadId"):
            try:
                api().call("GetLead", {"id": o["leadId"]})
                deal_open = True
            except liaison.NotFound:
                pass
        return _page("order.html", status, o=o, shipments=ships, zone=my_zone(),
                     deal_open=deal_open, **ctx)

    @app.route("/orders/<id:oid>")
    def order(oid: int) -> Response:
        signed_in()
        # ?cancelled=1: the order was just cancelled (or was already).
        return order_page(oid, notice=_("The order is cancelled.")
                          if request.args.get("cancelled") else "")

    @app.route("/orders/<id:oid>/cancel", methods=["POST"])
    def order_cancel(oid: int) -> Response:
        """Cancels the order and says so. Sent twice (a double click, Back
        and the button again) the order is cancelled already: that is what
        was asked, and the same confirmation comes, not a refusal. A
        cancellation is final, so it is made only once the user has said so
        on a second step (it was one click, where won and lost asked);
        an order the server would refuse to cancel is not asked about."""
        signed_in()
        if request.form.get("confirm") != "cancel":
            o = api().call("GetOrder", {"id": oid})["order"]
            if o.get("status") in ("placed", "confirmed"):
                return order_page(oid, o=o, confirm_cancel=True)
        try:
            api().call("SetOrderStatus", {"id": oid, "status": "cancelled"})
        except (liaison.InvalidArgument, liaison.FailedPrecondition) as e:
            if api().call("GetOrder", {"id": oid})["order"].get("status") != "cancelled":
                return order_page(oid, 400, error=_sentence(e))
        return redirect(url_for("order", oid=oid, cancelled=1), 303)

    # ---------------- monthly reports and targets ----------------

    @app.route("/reports", methods=["GET", "POST"])
    def reports() -> Response:
        me = signed_in()
        error, period = "", request.form.get("period", "").strip()
        if request.method == "POST":
            try:
                r = api().call("OpenReport", {"period": period})["report"]
                return redirect(url_for("report", rid=r["id"]))
            except (liaison.InvalidArgument, liaison.FailedPrecondition) as e:
                error = _sentence(e)
        this_month, first = my_today().strftime("%Y-%m"), first_report_month()
        if not period:
            # A month that has not begun is refused by OpenReport: the form
            # starts empty and the page says when the first one opens.
            period = max(_month_before(my_today()), first)
            period = "" if period > this_month else period
        page = {"distributorId": me["distributorId"], "page": {"pageSize": PAGE_SIZE}}
        items = newest("ListReports", {"distributorId": me["distributorId"]}, "reports")
        # The months over whose report is not in, each with its way to it: a month none was
        # opened for was in no list (a try-out). Ten years of them at most.
        owed = list(itertools.islice(api().items("ListReportsOwed", {
            "distributorId": me["distributorId"]}, page_size=120), 120))
        for o in owed:
            # A variable, not a literal: Jinja folds 'draft'|label(...) once, in the language
            # of the first reader after start (a try-out).
            o["status"] = "draft" if o.get("reportId") else ""
        targets = api().call("ListTargets", page).get("targets", [])
        return _page("reports.html", 400 if error else 200, reports=items, owed=owed,
                     targets=targets, error=error, period=period, zone=my_zone(),
                     first=first if first > this_month else "")

    def first_report_month() -> str:
        """The first month the relationship reports on (YYYY-MM), as
        OpenReport reckons it. Last month offered before the relationship
        began was refused by OpenReport as a month before it (a try-out of a
        new distributor)."""
        return relationship_began()[:7]

    def relationship_began() -> str:
        """The day the relationship begins (YYYY-MM-DD): the earliest grant
        of the active charter, else its activation; "" without an active
        charter."""
        try:
            charter = api().call("GetCharter", {"distributorId": g.identity["distributorId"]})[
                "charter"]
        except liaison.NotFound:
            return ""
        return _charter_began(charter)

    def report_page(rid: int, status: int = 200, typed: Optional[Dict[str, Any]] = None,
                    **ctx: Any) -> Response:
        """The report, and for a draft the form over the product lines its
        charter covers and those it holds figures for: refilled with what
        was typed when it was refused."""
        r = api().call("GetReport", {"id": rid})["report"]
        try:
            charter = api().call("GetCharter", {"distributorId": r["distributorId"]})["charter"]
        except liaison.NotFound:
            charter = {}
        covered = set(charter.get("coveredLineIds", []))
        # A line the report holds figures for stays on the form though the
        # charter no longer covers it (amended after the month) or the line
        # was retired: the form saves every line it shows, and one left off
        # lost the month's figures on the next Save or Submit.
        held = {s["productLineId"]: s.get("productLineCode", "")
                for s in r.get("sales", []) + r.get("inventory", [])}
        lines = [ln for ln in api().call("ListProductLines", {"page": {"pageSize": PAGE_SIZE}})
                 .get("productLines", []) if ln["id"] in held or not ln.get("retired")
                 and (charter.get("fullCoverage") or ln["id"] in covered)]
        listed = {ln["id"] for ln in lines}
        lines += [{"id": line, "code": code, "name": ""} for line, code in held.items()
                  if line not in listed]
        # Said beside such a line, so that nobody empties it thinking it an error.
        uncovered = {line for line in held
                     if not charter.get("fullCoverage") and line not in covered}
        # A figure of 0 is left out of the answer (proto3 JSON): a line the
        # report holds shows it as 0, not as a field never filled in. Each
        # line keeps its own currency, and its revenue is shown in that
        # currency's minor units: one currency for the whole form relabelled
        # a USD line as VND when saved.
        locale = str(pick_locale())
        sales = {s["productLineId"]: dict(s, units=str(s.get("units", 0)), revenue=_form_amount(
            s.get("revenueMinor", 0), s.get("currency", ""), locale),
            currency=s.get("currency", "")) for s in r.get("sales", [])}
        stock = {s["productLineId"]: dict(s, unitsOnHand=str(s.get("unitsOnHand", 0)))
                 for s in r.get("inventory", [])}
        # A line with no figures yet starts in the currency most of the
        # report's lines are in, else the distributor's.
        used = collections.Counter(s.get("currency", "") for s in r.get("sales", [])
                                   if s.get("currency"))
        currency = used.most_common(1)[0][0] if used else my_currency()
        if typed is not None and r.get("status") == "draft":
            sales, stock = typed["sales"], typed["stock"]
            # The revision the form was first made from, not the report's
            # newest: a form refilled after a refusal must not overwrite a
            # save another user made in between.
            r = dict(r, marketIntelligence=typed["marketIntelligence"],
                     competition=typed["competition"], revision=typed["revision"],
                     nothingToReport=typed["nothingToReport"])
        return _page("report.html", status, r=r, lines=lines, uncovered=uncovered, sales=sales,
                     stock=stock, currency=currency, zone=my_zone(), **ctx)

    # The sections of a monthly report, in the order the form shows its "nothing to report"
    # boxes.
    REPORT_SECTIONS = ("sales_by_line", "inventory_on_hand", "pipeline", "market_intelligence",
                       "competitive_activity")

    @app.route("/reports/<id:rid>")
    def report(rid: int) -> Response:
        signed_in()
        # ?saved=1: the draft was just saved.
        return report_page(rid, notice=_("The draft is saved.")
                           if request.args.get("saved") else "")

    def line_codes() -> Dict[str, str]:
        """Product line ids (as a form names them) to their codes."""
        return {str(ln["id"]): ln["code"] for ln in api().items("ListProductLines", {},
                                                                page_size=PAGE_SIZE)}

    def save_report_form(rid: int) -> Optional[Response]:
        """Saves the report's form as sent: sales and stock per line, market
        intelligence and competitive activity (the pipeline keeps what the
        report has). None when saved; refused, by this form or by the
        server, the form again with what was typed and why."""
        f = request.form
        locale = str(pick_locale())
        sales, stock, errors = [], [], []
        typed: Dict[str, Any] = {
            "sales": {}, "stock": {},
            "marketIntelligence": f.get("market_intelligence", "").strip(),
            "revision": _whole(f.get("revision", "")) or 0}
        # A report's revisions start at 1, and 0 saves whatever the report
        # now holds: a revision missing or out of range was sent as 0, and
        # another user's save in between was overwritten (a try-out).
        if not 1 <= typed["revision"] <= 2**32 - 1:
            errors.append(_("This form does not say which save of the report it was made from: "
                            "open the report again and enter your changes there."))
        for key in f:
            if not key.startswith("units_"):
                continue
            line = key[6:]
            units, revenue = f.get(key, "").strip(), f.get("revenue_" + line, "").strip()
            on_hand = f.get("onhand_" + line, "").strip()
            # Each line's own currency; a form from before lines had one
            # sends one for them all.
            typed_currency = f.get("currency_" + line, f.get("currency", "")).strip()
            currency = typed_currency.upper()
            typed["sales"][_whole(line) or line] = {"units": units, "revenue": revenue,
                                                    "currency": typed_currency}
            typed["stock"][_whole(line) or line] = {"unitsOnHand": on_hand}
            if (units or revenue) and not currency:
                errors.append(_("%(line)s: give the currency of its revenue (ISO 4217, e.g. "
                                "VND or USD).", line=line_codes().get(str(line), line)))
            elif not revenue and (_whole(_plain_count(units, locale)) or 0) > 0:
                # Units sold with the revenue left blank were saved at no revenue,
                # a slip that attainment took for a fact (a try-out).
                errors.append(_("%(line)s: give the revenue of the units sold (0 for none).",
                                line=line_codes().get(str(line), line)))
            elif units or revenue:
                # A revenue alone is none sold (0), as the table shows it.
                units = _plain_count(units, locale)
                count = _whole(units or "0")
                minor = _minor(revenue or "0", currency, locale)
                if _too_large_whole(units) or (currency and _too_large_amount(
                        revenue, currency, locale)):
                    count = minor = FIGURE_MAX + 1
                if count is not None and minor is None and _decimals_refused(
                        revenue, currency, locale):
                    code = line_codes().get(str(line), line)
                    example = _amount_example(currency, locale)
                    digits = get_currency_precision(currency)
                    if digits:
                        errors.append(ngettext(
                            "%(line)s: revenue in %(currency)s allows at most %(num)s decimal, "
                            "e.g. %(example)s.",
                            "%(line)s: revenue in %(currency)s allows at most %(num)s "
                            "decimals, e.g. %(example)s.", digits, line=code,
                            currency=currency, example=example))
                    else:
                        errors.append(_("%(line)s: revenue in %(currency)s has no decimals: "
                                        "a whole amount, e.g. %(example)s.", line=code,
                                        currency=currency, example=example))
                elif count is not None and minor is None and not revenue.startswith(("-", "−")):
                    # The units were fine: "52.000.000" as revenue in English blamed both
                    # (a try-out).
                    errors.append(_("%(line)s: the revenue %(typed)s is not an amount as this "
                                    "page's language writes one, e.g. %(example)s.",
                                    line=line_codes().get(str(line), line), typed=revenue,
                                    example=_amount_example(currency, locale)))
                elif count is None or minor is None:
                    errors.append(_("%(line)s: units are a whole number, 0 or more, and revenue "
                                    "an amount, e.g. %(example)s.",
                                    line=line_codes().get(str(line), line),
                                    example=_amount_example(currency, locale)))
                elif count > FIGURE_MAX or minor > FIGURE_MAX:
                    # The server would say "at most 1000000000000000" of a field
                    # path, in minor units: say which line, in the currency.
                    code = line_codes().get(str(line), line)
                    errors.append(_("%(line)s: at most %(units)s units and %(amount)s of revenue.",
                                    line=code, units=format_decimal(FIGURE_MAX,
                                                                    locale=str(pick_locale())),
                                    amount=money(FIGURE_MAX, currency)))
                else:
                    sales.append({"productLineId": line, "units": count,
                                  "revenueMinor": minor, "currency": currency})
            if on_hand:
                on_hand = _plain_count(on_hand, locale)
                held = _whole(on_hand)
                if _too_large_whole(on_hand):
                    errors.append(_("%(line)s: at most %(units)s units of stock on hand.",
                                    line=line_codes().get(str(line), line),
                                    units=format_decimal(FIGURE_MAX, locale=str(pick_locale()))))
                    continue
                if held is None:
                    errors.append(_("%(line)s: stock on hand is a whole number, 0 or more.",
                                    line=line_codes().get(str(line), line)))
                    continue
                stock.append({"productLineId": line, "unitsOnHand": held})
        # Each competitor keeps the product line it was reported against (the
        # CLI and the binding set one): the form carries it along, so that a
        # save from here does not silently drop it.
        lines_of = f.getlist("competitor_line")
        competition = []
        for i, (c, a) in enumerate(zip(f.getlist("competitor"), f.getlist("activity"))):
            if not (c.strip() or a.strip()):
                continue
            row = {"competitor": c.strip(), "activity": a.strip()}
            held = _whole(lines_of[i].strip()) if i < len(lines_of) else None
            if held:
                row["productLineId"] = held
            competition.append(row)
        typed["competition"] = competition
        # "Nothing to report this month" for a section the form leaves empty: a month with no
        # sale or no competitor seen could not be submitted but with a made-up row. A box
        # ticked beside content is the content's, as the server would refuse both.
        carried = {"sales_by_line": sales, "inventory_on_hand": stock,
                   "market_intelligence": typed["marketIntelligence"],
                   "competitive_activity": competition}
        nothing = [x for x in REPORT_SECTIONS if x in f.getlist("nothing")
                   and not carried.get(x)]
        typed["nothingToReport"] = nothing
        replaced = ["sales_by_line", "inventory_on_hand", "market_intelligence",
                    "competitive_activity"]
        # The pipeline is not on the form: it is replaced (by nothing) only when its box is
        # ticked, or unticked after it was, so that a report with opportunities keeps them.
        if "pipeline" in nothing or "pipeline" in f.getlist("was_nothing"):
            replaced.append("pipeline")
        if errors:
            return report_page(rid, 400, typed, error=" ".join(dict.fromkeys(errors)))
        try:
            # The revision the form was made from: a report saved meanwhile
            # by another of the distributor's users is not overwritten.
            api().call("SaveReport", {
                "id": rid, "ifRevision": min(typed["revision"], 2**32 - 1),
                "sections": replaced, "nothingToReport": nothing,
                "sales": sales, "inventory": stock, "competition": competition,
                "marketIntelligence": typed["marketIntelligence"]})
        except (liaison.InvalidArgument, liaison.OutOfRange, liaison.FailedPrecondition) as e:
            # A line's currency the server refuses is named by its line, not
            # by its place in what was sent ("sales[1].currency").
            codes = line_codes() if e.violations else {}
            said = []
            for field, why in e.violations:
                m = re.fullmatch(r"sales\[([0-9]+)\]\.currency", field)
                if m and int(m[1]) < len(sales):
                    said.append("%s: %s" % (_("%(line)s, currency", line=codes.get(
                        str(sales[int(m[1])]["productLineId"]), "")), _why(why, field)))
                elif _field_name(field, None):
                    said.append("%s: %s" % (_field_name(field), _why(why, field)))
                else:
                    said.append(_why(why, field))
            return report_page(rid, 400, typed, error="; ".join(said) or _sentence(e))
        return None

    @app.route("/reports/<id:rid>/save", methods=["POST"])
    def report_save(rid: int) -> Response:
        signed_in()
        return save_report_form(rid) or redirect(url_for("report", rid=rid, saved=1), 303)

    def open_pipeline() -> List[Dict[str, Any]]:
        """The distributor's open leads as a report's pipeline, as the server
        fills it when the report is opened: neither won nor lost, nor a
        rejected registration, in the order they were made, at most 200."""
        rows = []
        for ld in sorted(api().items("ListLeads", {}, page_size=PAGE_SIZE),
                         key=lambda ld: int(ld["id"])):
            if ld.get("stage") in ("won", "lost") or ld.get("registration") == "rejected":
                continue
            rows.append({"leadId": ld["id"], "title": ld["title"], "stage": ld["stage"],
                         "valueMinor": ld.get("valueMinor", 0),
                         "currency": ld.get("currency") or "USD",
                         "expectedClose": ld.get("expectedClose", "")})
        return rows[:200]

    def refresh_pipeline(rid: int, only_if_empty: bool) -> None:
        """Replaces the draft's pipeline with the open leads of today. The
        pipeline is taken from the leads when a report is first opened, and
        the portal has no form for it: a report opened before a deal was
        registered (or whose deals moved on) could otherwise never carry the
        pipeline the charter requires, and could not be submitted here. A
        pipeline declared to have nothing to report is the distributor's
        answer, and is submitted as it was reviewed."""
        if only_if_empty:
            held = api().call("GetReport", {"id": rid})["report"]
            if held.get("pipeline") or "pipeline" in (held.get("nothingToReport") or []):
                return
        rows = open_pipeline()
        if rows or not only_if_empty:
            api().call("SaveReport", {"id": rid, "sections": ["pipeline"], "pipeline": rows})

    @app.route("/reports/<id:rid>/pipeline", methods=["POST"])
    def report_pipeline(rid: int) -> Response:
        """Saves what the form holds, then takes the pipeline from the open
        leads again."""
        signed_in()
        refused = save_report_form(rid)
        if refused is not None:
            return refused
        try:
            refresh_pipeline(rid, only_if_empty=False)
        except (liaison.InvalidArgument, liaison.FailedPrecondition) as e:
            return report_page(rid, 400, error=_sentence(e))
        return redirect(url_for("report", rid=rid))

    @app.route("/reports/<id:rid>/submit", methods=["POST"])
    def report_submit(rid: int) -> Response:
        """Submits the draft; sent from the draft's form, what it holds is
        saved first, so that figures typed and not yet saved are neither
        lost nor missing from what the exporter gets."""
        me = signed_in()
        # Sent twice (a double click, or a second tab): the second was refused as a save made
        # after the page, "nothing you typed here was saved", though the first had saved and
        # submitted it all (a try-out). Submitted by this reader already, it is said so.
        if "revision" in request.form or "currency" in request.form:
            now = api().call("GetReport", {"id": rid})["report"]
            by = re.match(r"user:([0-9]+)\b", now.get("submittedBy", ""))
            if now.get("status") == "submitted" and by and by[1] == str(me.get("userId")):
                return report_page(rid, 200, already=_(
                    "You had already submitted this report (in another tab, or by sending the "
                    "form twice): this submission changed nothing."))
            refused = save_report_form(rid)
            if refused is not None:
                return refused
        try:
            refresh_pipeline(rid, only_if_empty=True)
            api().call("SubmitReport", {"id": rid})
        except (liaison.InvalidArgument, liaison.FailedPrecondition) as e:
            # Alone on the page, the reason is a sentence of its own.
            return report_page(rid, 400, error=_capitalised(_sentence(e)))
        return redirect(url_for("report", rid=rid))

    # ---------------- the joint business plan ----------------

    # A plan's form: at least PLAN_ROWS rows of each, and PLAN_SPARE empty ones.
    PLAN_ROWS = 5
    PLAN_SPARE = 3

    @app.route("/plans", methods=["GET", "POST"])
    def plans() -> Response:
        """Its plans for a year, every revision; a new revision is opened here."""
        me = signed_in()
        error = ""
        began = relationship_began()
        year = (request.form.get("year") or request.args.get("year") or "").strip()
        if not year:
            # This year's plans, or, when it has none, the coming year's if
            # it has some: in December "no plan this year" hid the approved
            # plan for January on (a try-out).
            year = str(my_today().year)
            if not api().call("ListPlans", {"distributorId": me["distributorId"], "year": int(year),
                                            "page": {"pageSize": 1}}).get("plans") and \
                    api().call("ListPlans", {"distributorId": me["distributorId"],
                                             "year": int(year) + 1,
                                             "page": {"pageSize": 1}}).get("plans"):
                year = str(int(year) + 1)
            # A relationship that starts in a year to come plans from that year.
            elif began and int(began[:4]) > int(year):
                year = began[:4]
        # Year 0 would list every year's plans (ListPlans' "any year").
        if not re.fullmatch(r"[0-9]{4}", year) or not 2000 <= int(year) <= 2100:
            error, year = (_("The year is four digits, from 2000 to 2100, e.g. 2027."),
                           str(my_today().year))
        elif request.method == "POST" and not request.form.get("year", "").strip():
            # A new revision is for the year the form names: with none, this
            # year's was opened without a word (a try-out).
            error = _("Give the year of the plan, e.g. %(year)s.", year=year)
        elif request.method == "POST":
            try:
                p = api().call("CreatePlan", {"year": int(year)})["plan"]
                return redirect(url_for("plan", pid=p["id"]))
            except (liaison.InvalidArgument, liaison.FailedPrecondition,
                    liaison.AlreadyExists) as e:
                error = _sentence(e)
        items = api().call("ListPlans", {"distributorId": me["distributorId"],
                                         "year": int(year),
                                         "page": {"pageSize": PAGE_SIZE}}).get("plans", [])
        # In the last quarter the coming year's plan is the one to draft:
        # it is offered beside this year's.
        today = my_today()
        next_year = str(today.year + 1) if today.month >= 10 and year == str(today.year) else ""
        # A year before the relationship is refused: it is not offered (a try-out drafted 2026
        # for a relationship starting in 2027, and was told in English).
        first_year = began[:4] if began and began[:4] > year else ""
        if first_year and next_year < began[:4]:
            next_year = ""
        return _page("plans.html", 400 if error else 200, plans=list(reversed(items)),
                     year=year, error=error, zone=my_zone(), next_year=next_year,
                     first_year=first_year, began=began,
                     began_past=began <= today.isoformat())

    def plan_page(pid: int, status: int = 200, typed: Optional[Dict[str, Any]] = None,
                  **ctx: Any) -> Response:
        """A revision; a draft or declined one with its form (refilled with
        what was typed when it was refused): a row for every goal and
        initiative it has and PLAN_SPARE empty ones; a proposal of the
        exporter's with approve and decline."""
        p = api().call("GetPlan", {"id": pid})["plan"]
        owners = {it.get("ownerUserId"): it.get("ownerEmail", "")
                  for it in p.get("initiatives", [])}
        # What was typed refills the form; a plan proposed or decided since
        # has no form, and shows what it holds, not the rows typed (a review:
        # they stood above Approve as if they were the proposal).
        if typed and p.get("status") in ("draft", "rejected"):
            p = dict(p, **typed)
        lines = [ln for ln in api().call("ListProductLines", {"page": {"pageSize": PAGE_SIZE}})
                 .get("productLines", []) if not ln.get("retired")]
        goals = [gl if "revenue" in gl else dict(gl, revenue=_form_amount(
            gl.get("revenueMinor", 0), gl["currency"], str(pick_locale()))
            if gl.get("currency") else "") for gl in p.get("goals", [])]
        goals += [{}] * max(PLAN_SPARE, PLAN_ROWS - len(goals))
        initiatives = [dict(it, ownerEmail=it.get("ownerEmail") or owners.get(
            it.get("ownerUserId"), "")) for it in p.get("initiatives", [])]
        initiatives += [{}] * max(PLAN_SPARE, PLAN_ROWS - len(initiatives))
        return _page("plan.html", status, p=p, lines=lines, goals=goals,
                     initiatives=initiatives, zone=my_zone(), **ctx)

    @app.route("/plans/<id:pid>")
    def plan(pid: int) -> Response:
        signed_in()
        # ?done=: what the form the user just sent did. A save showed the page as it was
        # before, and the user could not tell it was saved (a try-out).
        notices = {"save": _("The draft is saved."),
                   "propose": _("The plan is proposed to the exporter."),
                   "approve": _("The plan is approved."), "reject": _("The plan is declined.")}
        return plan_page(pid, notice=notices.get(request.args.get("done", ""), ""))

    def form_rows(form: Mapping[str, Any], prefix: str) -> List[int]:
        """The row numbers of a form's fields named prefix + number, in order:
        every row the page showed, however many."""
        rows = {int(m.group(1)) for m in (re.fullmatch(prefix + r"([0-9]{1,4})", k)
                                          for k in form) if m}
        return sorted(rows)

    @app.route("/plans/<id:pid>/save", methods=["POST"])
    def plan_save(pid: int) -> Response:
        """Goals per product line and period, and initiatives; empty rows are
        left out. An initiative keeps the owner it has (sent back with its
        row, and only one of the plan's own owners is taken); one added here
        is the signed-in user's."""
        me = signed_in()
        f = request.form
        goals, initiatives, errors = [], [], []
        # The version the form was made from stays with what was typed: a form
        # refused as stale and sent again is refused again, until reloaded.
        typed: Dict[str, Any] = {"goals": [], "initiatives": [],
                                 "version": f.get("version", "")[:10]}
        saved = api().call("GetPlan", {"id": pid})["plan"]
        plan_currency = next((gl["currency"] for gl in saved.get("goals", [])
                              if gl.get("currency")), "") or next(
            (f.get("goal_currency%d" % i, "").strip().upper()
             for i in form_rows(f, "goal_currency") if f.get("goal_currency%d" % i, "").strip()),
            "")
        for i in form_rows(f, "goal_(?:line|period|units|revenue|currency)"):
            line, period = f.get("goal_line%d" % i, ""), f.get("goal_period%d" % i, "").strip()
            units = f.get("goal_units%d" % i, "").strip()
            revenue = f.get("goal_revenue%d" % i, "").strip()
            currency = f.get("goal_currency%d" % i, "").strip().upper()
            if not (period or units or revenue):
                continue
            typed["goals"].append({"productLineId": _whole(line) or line,
                                   "period": period, "units": units, "revenue": revenue,
                                   "currency": currency})
            goal: Dict[str, Any] = {"productLineId": line, "period": period}
            n = len(typed["goals"])
            if units:
                units = _plain_count(units, str(pick_locale()))
                goal["units"] = _whole(units)
                if _too_large_whole(units):
                    errors.append(_("Goal %(n)s: at most %(max)s units.", n=n, max=format_decimal(
                        FIGURE_MAX, locale=str(pick_locale()))))
                elif goal["units"] is None:
                    errors.append(_("Goal %(n)s: units are a whole number, 0 or more.", n=n))
            if revenue:
                # The example in the currency the plan is in: the row's, else
                # the plan's other goals', else the distributor's country's.
                shown = currency or plan_currency or my_currency()
                minor = _minor(revenue, currency, str(pick_locale()))
                if currency and _too_large_amount(revenue, currency, str(pick_locale())):
                    errors.append(_("Goal %(n)s: revenue is at most %(amount)s.", n=n,
                                    amount=money(FIGURE_MAX, currency)))
                elif currency and _decimals_refused(revenue, currency, str(pick_locale())):
                    errors.append(_("Goal %(n)s: %(why)s.", n=n, why=_decimals_said(
                        currency, str(pick_locale()))))
                elif minor is None or not currency:
                    errors.append(_("Goal %(n)s: revenue is an amount with its currency, e.g. "
                                    "%(example)s %(currency)s.", n=n, currency=shown,
                                    example=_amount_example(shown, str(pick_locale()))))
                goal.update(revenueMinor=minor, currency=currency)
            goals.append(goal)
        owners = {it.get("ownerUserId") for it in saved.get("initiatives", [])}
        for i in form_rows(f, "init_(?:title|description|starts|due)"):
            title = f.get("init_title%d" % i, "").strip()
            about = f.get("init_description%d" % i, "").strip()
            starts, due = f.get("init_starts%d" % i, "").strip(), f.get("init_due%d" % i, "").strip()
            # A description alone is a row too: dropped, what was typed was lost (a try-out).
            if not (title or about or starts or due):
                continue
            owner = _whole(f.get("init_owner%d" % i, ""))
            if owner not in owners:
                owner = me["userId"]
            row = {"title": title, "description": about, "ownerUserId": owner,
                   "startsOn": starts, "dueOn": due}
            typed["initiatives"].append(row)
            initiatives.append(row)
        if errors:
            return plan_page(pid, 400, typed, error=" ".join(dict.fromkeys(errors)))
        try:
            api().call("SavePlan", {"id": pid, "goals": goals, "initiatives": initiatives,
                                    "ifVersion": typed["version"]})
        except liaison.FailedPrecondition as e:
            # A save from a page older than another tab's or colleague's
            # replaced all of theirs without a word (a try-out).
            if "this plan changed after your form was made" in str(e):
                status = api().call("GetPlan", {"id": pid})["plan"].get("status")
                if status not in ("draft", "rejected"):
                    return plan_page(pid, 409, typed, error=_(
                        "This plan changed after you opened this page (it is now %(status)s), "
                        "so nothing you typed here was saved",
                        status=str(LABELS["plan status"].get(status, status))))
                return plan_page(pid, 409, typed, error=_(
                    "This plan was saved again after you opened this page (in another tab, or "
                    "by a colleague), so nothing here was saved: what you typed is kept below "
                    "to copy; reload the plan to see what was saved, then enter your changes "
                    "again"))
            return plan_page(pid, 400, typed, error=_sentence(e))
        except liaison.InvalidArgument as e:
            return plan_page(pid, 400, typed, error=_sentence(e))
        return redirect(url_for("plan", pid=pid, done="save"), 303)

    @app.route("/plans/<id:pid>/<any(propose, approve, reject):step>", methods=["POST"])
    def plan_step(pid: int, step: str) -> Response:
        signed_in()
        req: Dict[str, Any] = {"id": pid}
        if step != "propose":
            req["comment"] = request.form.get("comment", "").strip()
        method = {"propose": "ProposePlan", "approve": "ApprovePlan", "reject": "RejectPlan"}
        try:
            api().call(method[step], req)
        except (liaison.InvalidArgument, liaison.FailedPrecondition,
                liaison.PermissionDenied) as e:
            return plan_page(pid, 400, error=_sentence(e))
        return redirect(url_for("plan", pid=pid, done=step), 303)

    # ---------------- upstream updates ----------------

    def shown_variant(u: Mapping[str, Any]) -> Dict[str, Any]:
        """The language, title and body of update u to show the reader: the
        variant in the reader's language when the exporter wrote one, else
        the update's own."""
        lang = str(pick_locale())
        shown = {"language": u.get("language", ""), "title": u.get("title", ""),
                 "body": u.get("body", "")}
        if shown["language"].split("-")[0].lower() != lang:
            for v in u.get("variants", []):
                if v.get("language", "").split("-")[0].lower() == lang:
                    return dict(v)
        return shown

    @app.route("/updates")
    def updates() -> Response:
        """The exporter's updates aimed at it (row-level security shows no
        other), each titled as its own page shows it: a list's rows carry
        their variants' titles, so none is opened (GetUpstreamUpdate would
        record a reading)."""
        signed_in()
        items = newest("ListUpstreamUpdates", {"status": "published"}, "updates")
        rows = [dict(u, shown=shown_variant(u)) for u in items]
        return _page("updates.html", updates=rows, zone=my_zone())

    @app.route("/updates/<id:uid>")
    def update(uid: int) -> Response:
        """One update, in the reader's language when the exporter wrote a
        variant in it; opening it records this user's read receipt."""
        signed_in()
        u = api().call("GetUpstreamUpdate", {"id": uid})["update"]
        shown = shown_variant(u)
        docs = []
        for did in u.get("documentIds", []):
            try:
                docs.append(api().call("GetDocument", {"id": did})["document"])
            except liaison.NotFound:
                continue  # an attachment not shared with this distributor
        return _page("update.html", u=u, shown=shown, docs=docs, zone=my_zone())

    @app.route("/calendar.ics")
    def calendar() -> Response:
        me = signed_in()
        parts = api().stream("ExportCalendar", {"distributorId": me["distributorId"],
                                                 "stream": True})
        text = "".join("".join(p.get("ics", [])) for p in parts)
        return Response(text, content_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=liaison.ics"})

    @app.route("/documents")
    def documents() -> Response:
        # What the exporter shares with it (the server shows no other), a page
        # at a time (?cursor=: the "More" link).
        signed_in()
        docs, more = server_page("ListDocuments", {}, "documents")
        return _page("documents.html", docs=docs, more=more,
                     paged=bool(request.args.get("cursor")))

    @app.route("/documents/<id:doc>")
    def document(doc: int) -> Response:
        signed_in()
        return _page("document.html", d=api().call("GetDocument", {"id": doc})["document"])

    @app.route("/documents/<id:doc>/content")
    def document_content(doc: int) -> Response:
        signed_in()
        lang = request.args.get("language", "")
        parts = api().stream("GetDocumentContent", {"documentId": doc, "language": lang,
                                                     "stream": True})
        d = api().call("GetDocument", {"id": doc})["document"]
        title = (_variant_title(d, lang) if lang else "") or d["title"]
        return _attachment(parts, "%s%s" % (title, "-" + lang if lang else ""))

    # The handbook and the scorecard: generated by the server, downloaded whole.
    PERFORMANCE_FILES = {
        "scorecard.html": ("GetScorecard", {}),
        "handbook.html": ("GetHandbook", {"format": "html"}),
        "handbook.md": ("GetHandbook", {"format": "md"}),
    }

    @app.route("/performance")
    def performance() -> Response:
        me = signed_in()
        parts = api().stream("GetScorecard", {"distributorId": me["distributorId"],
                                               "stream": True})
        first = parts[0] if parts else {}
        return _page("performance.html", scored=bool(first.get("scored")),
                     score=first.get("score", 0))

    @app.route("/performance/<name>")
    def performance_file(name: str) -> Response:
        me = signed_in()
        if name not in PERFORMANCE_FILES:
            abort(404)
        method, req = PERFORMANCE_FILES[name]
        parts = api().stream(method, dict(req, distributorId=me["distributorId"], stream=True))
        if not name.endswith(".html"):
            return _attachment(parts, name)
        # The printable pages open in the browser to be read and printed (they were
        # downloaded, a try-out). Their styles are inline; nothing else runs or loads:
        # the sandbox gives the page no origin, so nothing in it reaches the portal.
        resp = _attachment(parts, name, inline=True)
        resp.headers["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
        return resp

    return app
