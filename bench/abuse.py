"""Abuse benchmark (issue 14): crafted inputs sent to a running gunicorn, one line each.

Starts gunicorn (2 workers, DEBUG off) on a throwaway database loaded with `loaddemo`, then sends
what a hostile or careless user would: a flood of wrong passwords, zip bombs and a mistyped cell in
the tracking workbook, a fiche box of one 2.4-million-character word, nested Markdown, a Markdown
image outside the static folder, JSON nested 10,000 levels deep, dates in 9999, a newline in a
séance title, two large imports on SQLite while the web writes. For each line it prints the
answer, the seconds, the peak resident memory of gunicorn's workers and of the processes they
start (VmHWM, reset before each line), and the time of a page of another territory fetched again
and again meanwhile. A line passes when it reads « refusé » (a French refusal) or « ok » (done
harmlessly) in under 5 s and 300 Mo, the other page answering in under 1 s; the script exits 1
otherwise. Not a test: run it by hand (`make bench-abuse`), it takes a few minutes.

    .venv/bin/python bench/abuse.py              # SQLite in a temporary folder
    DATABASE_URL=postgres://…/jetable .venv/bin/python bench/abuse.py   # emptied first
Options: --fiches 1000 (fiches of each large import), --pdf-wait 30 (seconds to wait for a queued PDF).
"""

import argparse
import copy
import datetime
import html
import http.client
import io
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="ctg-abuse-"))
GIVEN_DATABASE = "DATABASE_URL" in os.environ
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/abuse.sqlite3")
os.environ["MEDIA_ROOT"] = str(TMP / "media")
os.environ["DOCUMENT_WORKER"] = "process"  # PDFs as in production: long ones in their own process
os.environ["DEBUG"] = "0"  # as served in production (`make` exports DEBUG=1)

# First: importing it sets up Django (DEBUG off, a bench SECRET_KEY) before the models are imported.
from bench.scale import serve, session_cookie  # noqa: E402, I001

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from actions.periods import Period  # noqa: E402
from actions.tracking import tracking_fiches  # noqa: E402
from conventions.models import Convention  # noqa: E402
from evaluation.models import Milestone  # noqa: E402
from governance.models import Body, CalendarToken, Meeting  # noqa: E402
from tests.actions.helpers import with_cells, with_shared_strings, workbook_bytes  # noqa: E402
from tests.helpers import EXAMPLE_PATH, deflated, raw_zip, repeated  # noqa: E402

SECONDS_LIMIT, MEMORY_LIMIT, OTHER_LIMIT = 5, 300, 1  # what issue 14 asks of every line
TIMEOUT = 60  # the client gives up after gunicorn's own 30 s timeout
OK, REFUSED, FAILED, MOOT = "ok", "refusé", "ÉCHEC", "sans objet"
TARGET = "roumois-seine-2022"  # Caf de l'Eure, signed: the workbook, dates, séances, avenant
DRAFT = "ecouen-2027"  # Caf du Val-d'Oise, in préparation: new fiches and their PDF
OTHER = "pornic-agglo-2025"  # Caf de Loire-Atlantique: the other territory's page
WORD = "a" * 2_400_000
STATIC = ROOT / "static"


# HTTP: one user's cookies, the forms and the French refusals of a page.


class Response:
    def __init__(self, url, status=None, headers=None, body=b"", seconds=0.0, error=""):
        self.url, self.status, self.headers, self.body, self.seconds, self.error = url, status, headers, body, seconds, error
        self.history = []  # the redirects that led here

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def readable(self):
        """The text with its entities decoded (« n'a » is « n&#x27;a » in the HTML)."""
        return html.unescape(self.text)

    @property
    def statuses(self):
        return "→".join(str(r.status or "—") for r in [*self.history, self])

    def location(self):
        """Where the first answer sent the browser."""
        first = (self.history or [self])[0]
        return urljoin(first.url, first.headers.get("Location", "")) if first.headers else ""

    def page(self):
        parser = PageParser()
        parser.feed(self.text)
        return parser


class Form:
    def __init__(self, action, method):
        self.action, self.method = action, method
        self.fields, self.choices, self.files = [], {}, []

    def names(self):
        return {name for name, _ in self.fields} | set(self.choices) | set(self.files)

    def data(self, overrides):
        """The form's fields as sent by a browser, with `overrides` ({name: value or list}) in place."""
        fields = [(name, value) for name, value in self.fields if name not in overrides]
        for name, value in overrides.items():
            fields += [(name, v) for v in (value if isinstance(value, list) else [value])]
        return fields


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ALERT_CLASSES = {"field-error", "error-summary", "message--error", "notice--error"}


class PageParser(HTMLParser):
    """The forms of a page (their fields as a browser sends them) and its refusals (texts with
    role="alert" or an error class)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.alerts = [], []  # alerts: (text, [texts of its list items])
        self.form = self.textarea = self.select = self.option = None
        self.depth, self.alert_depth, self.alert_text, self.items, self.item = 0, None, [], [], None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag not in VOID:
            self.depth += 1
            if self.alert_depth is None and (a.get("role") == "alert" or ALERT_CLASSES & set(a.get("class", "").split())):
                self.alert_depth, self.alert_text, self.items = self.depth, [], []
            elif self.alert_depth is not None and tag == "li":
                self.item = []
        if tag == "form":
            self.form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self.form)
        if self.form is None or not a.get("name") and tag != "option":
            return
        name = a.get("name")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                self.form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    self.form.fields.append((name, a.get("value", "on")))
            elif kind == "file":
                self.form.files.append(name)
            elif kind not in ("submit", "button", "image", "reset"):
                self.form.fields.append((name, a.get("value", "")))
        elif tag == "textarea":
            self.textarea = (name, [])
        elif tag == "select":
            self.select = {"name": name, "multiple": "multiple" in a, "options": [], "selected": []}
        elif tag == "option" and self.select is not None:
            self.option = [a.get("value"), "selected" in a, []]

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if tag == "option" and self.option is not None:
            value, selected, text = self.option
            value = " ".join("".join(text).split()) if value is None else value
            self.select["options"].append(value)
            if selected:
                self.select["selected"].append(value)
            self.option = None
        elif tag == "select" and self.select is not None:
            select, self.select = self.select, None
            self.form.choices[select["name"]] = select["options"]
            chosen = select["selected"] or ([] if select["multiple"] else select["options"][:1])
            self.form.fields += [(select["name"], value) for value in chosen]
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.form.fields.append((name, "".join(text).removeprefix("\n")))
            self.textarea = None
        elif tag == "form":
            self.form = None
        elif tag == "li" and self.item is not None:
            self.items.append(" ".join("".join(self.item).split()))
            self.item = None
        self.depth -= 1
        if self.alert_depth is not None and self.depth < self.alert_depth:
            message = " ".join("".join(self.alert_text).split())
            if message:
                self.alerts.append((message, self.items))
            self.alert_depth = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)
        if self.option is not None:
            self.option[2].append(data)
        if self.alert_depth is not None:
            self.alert_text.append(data)
        if self.item is not None:
            self.item.append(data)


class Browser:
    """One user: their cookies (a session made for them, or a login), redirects followed."""

    def __init__(self, cookie=""):
        self.cookies = dict(part.split("=", 1) for part in cookie.split("; ") if part)

    def send(self, method, url, body=None, headers=None):
        connection_ = http.client.HTTPConnection("127.0.0.1", PORT, timeout=TIMEOUT)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        began = time.perf_counter()
        try:
            connection_.request(method, url, body=body, headers=headers)
            answer = connection_.getresponse()
            data = answer.read()
        except TimeoutError:
            return Response(url, seconds=time.perf_counter() - began, error=f"pas de réponse en {TIMEOUT} s")
        except (ConnectionError, http.client.HTTPException) as error:
            return Response(url, seconds=time.perf_counter() - began, error=f"connexion coupée ({type(error).__name__})")
        finally:
            connection_.close()
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, rest = cookie.split("=", 1)
            self.cookies[name] = rest.split(";", 1)[0]
        return Response(url, answer.status, answer.headers, data, time.perf_counter() - began)

    def get(self, url, *, follow=True, headers=None):
        return self.follow(self.send("GET", url, headers=headers), follow)

    def post(self, url, fields, files=None, *, follow=True, headers=None):
        if files:
            body, kind = multipart(fields, files)
        else:
            body, kind = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.follow(self.send("POST", url, body, {"Content-Type": kind, **(headers or {})}), follow)

    def follow(self, response, follow):
        history = []
        while follow and response.status in (301, 302, 303) and len(history) < 5:
            history.append(response)
            response = self.send("GET", urlsplit(response.location())._replace(scheme="", netloc="").geturl())
        response.history = history
        response.seconds += sum(r.seconds for r in history)
        return response

    def form(self, url, field=None, *, action=None, headers=None):
        """The POST form of the page at `url` that has a field `field`, or whose action holds `action`."""
        page = self.get(url, headers=headers)
        if page.error or page.status >= 500:
            raise PageFailed(page)
        for form in (form for form in page.page().forms if form.method == "post"):
            form.action, form.seconds = urljoin(page.url, form.action or page.url), page.seconds
            if field in form.names() or action and action in form.action:
                return form
        raise RuntimeError(f"pas de formulaire « {field or action} » sur {url} ({page.statuses})")

    def submit(self, form, overrides=None, files=None, **kwargs):
        return self.post(form.action, form.data(overrides or {}), files, **kwargs)


class PageFailed(Exception):
    """A page the bench needed on its way (a form to fill) failed: the line reports that answer."""

    def __init__(self, response):
        super().__init__(response.url)
        self.response = response


def multipart(fields, files):
    boundary = f"abuse{secrets.token_hex(12)}"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
              f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
              for name, (filename, data) in files.items()]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# Judging an answer.


def french(text):
    return bool(re.search(r"[éèêàçùôîœ«»’]|\b(le|la|les|des|est|une?|pas|ne)\b", text, re.IGNORECASE))


def judge(response, *, refused_ok=True):
    """(verdict, remark) of an answer: a 5xx or no answer fails; a 4xx, or a page showing a French
    error, is a refusal; any other answer is ok."""
    if response.error:
        return FAILED, response.error
    if response.status >= 500:
        return FAILED, f"erreur serveur {response.status}"
    # What the user reads first: the first error listed in the alert, or the alert itself.
    alerts = [items[0] if items else text for text, items in response.page().alerts] \
        if "html" in response.headers.get("Content-Type", "") else []
    if response.status >= 400:
        message = alerts[0] if alerts else " ".join(response.text.split())[:200]
        return (REFUSED, message) if french(message) else (FAILED, f"{response.status} sans message en français")
    if alerts:
        return (REFUSED if refused_ok else FAILED), alerts[0]
    return OK, ""


class Outcome:
    def __init__(self, verdict, remark="", status="", seconds=None, value=None):
        self.verdict, self.remark, self.status, self.seconds, self.value = verdict, remark, status, seconds, value

    @classmethod
    def of(cls, response, value=None, **kwargs):
        """The outcome of one crafted request (and the redirects it led to), timed alone."""
        verdict, remark = judge(response, **kwargs)
        return cls(verdict, remark, response.statuses, response.seconds, value)


def moot(why):
    return Outcome(MOOT, why, "—", 0)


# Watching gunicorn: the memory of its workers and of their processes, the other territory's page.


def kind(command):
    if "render_document" in command:
        return "mise en page"
    return "travailleur" if "gunicorn" in command else "commande"


def logged_errors(log, start):
    """The exceptions and worker timeouts gunicorn's log recorded since `start` (bytes)."""
    with log.open("rb") as file:
        file.seek(start)
        lines = file.read().decode("utf-8", "replace").splitlines()
    found = {}  # message: the line, once per message (a chained exception repeats it)
    for line in lines:
        if re.match(r"[A-Za-z_][\w.]*(Error|Exception): ", line) or "WORKER TIMEOUT" in line:
            found.setdefault(line.split(": ", 1)[-1].strip(), f"journal : {line.strip()}")
    return list(found.values())[:2]


def children(pid):
    try:
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def status_field(pid, field):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Memory(threading.Thread):
    """The peak resident memory (VmHWM, in Mo) of gunicorn's workers, of the processes they start
    (PDF layouts, kept even once their worker is gone) and of the commands the bench runs, since
    `reset()`: the kernel's peak of each process is reset there (clear_refs), then sampled."""

    def __init__(self, master):
        super().__init__(daemon=True)
        self.master, self.known, self.lock, self.stopped = master, set(), threading.Lock(), False
        self.peak, self.peak_kind = 0, ""

    def watch(self, pid):
        with self.lock:
            self.known.add(pid)

    def processes(self):
        found, frontier = set(), [self.master]
        while frontier:
            new = children(frontier.pop()) - found
            found |= new
            frontier += new
        with self.lock:
            self.known = {pid for pid in self.known | found if Path(f"/proc/{pid}").exists()}
            return set(self.known)

    def sample(self):
        for pid in self.processes():
            peak = status_field(pid, "VmHWM") or 0
            with self.lock:
                if peak > self.peak:
                    self.peak, self.peak_kind = peak, kind(command_line(pid))

    def reset(self):
        for pid in self.processes():
            try:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            except OSError:
                pass
        with self.lock:
            self.peak, self.peak_kind = 0, ""
        self.sample()

    def megabytes(self):
        self.sample()
        return self.peak / 1024

    def layouts(self):
        """PDF layout processes still running."""
        return [pid for pid in self.processes() if "render_document" in command_line(pid)
                and status_field(pid, "VmRSS") is not None]

    def stop_layouts(self):
        """Kill the PDF layouts still running (the bench's own, started by its gunicorn); their number."""
        stray = self.layouts()
        for pid in stray:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while self.layouts() and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(stray)

    def run(self):
        while not self.stopped:
            self.sample()
            time.sleep(0.1)


class Probe:
    """The other territory's page, fetched over and over while a line runs: its slowest time."""

    def __init__(self, browser, url):
        self.browser, self.url = browser, url

    def start(self):
        self.running, self.slowest, self.problem = True, 0.0, ""
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while self.running:
            response = self.browser.get(self.url)
            self.slowest = max(self.slowest, response.seconds)
            if response.status != 200:
                self.problem = f"autre territoire : {response.statuses} {response.error}".strip()
            time.sleep(0.2)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.slowest, self.problem


# The lines.


class Bench:
    def __init__(self, memory, probe, args, log):
        self.memory, self.probe, self.args, self.log, self.rows = memory, probe, args, log, []
        self.users = {u.username: u for u in get_user_model().objects.all()}
        self.eure = Browser(session_cookie(self.users["caf.eure"]))
        self.oise = Browser(session_cookie(self.users["caf.val-d-oise"]))
        self.convention = Convention.objects.get(slug=TARGET)
        # The quarter the tracking page opens on.
        self.period = urlsplit(self.eure.get(f"/conventions/{TARGET}/suivi/").url).path.rstrip("/").rsplit("/", 1)[-1]

    def line(self, name, action):
        """Run `action() -> Outcome` while the memory and the other page are watched; print its row."""
        self.memory.reset()
        self.probe.start()
        log_start = self.log.stat().st_size
        began = time.perf_counter()
        try:
            outcome = action()
        except PageFailed as failed:
            outcome = Outcome.of(failed.response)
            outcome.remark = f"en ouvrant {failed.response.url} : {outcome.remark}"
        except Exception as error:  # the bench goes on: the line reports what broke
            outcome = Outcome(FAILED, f"le banc a échoué : {type(error).__name__} : {error}"[:200], "—")
        seconds = time.perf_counter() - began if outcome.seconds is None else outcome.seconds
        other, problem = self.probe.stop()
        megabytes = self.memory.megabytes()
        remarks = [outcome.remark] if outcome.remark else []
        if stray := self.memory.stop_layouts():  # a layout left running would slow every line after it
            remarks.append(f"mise en page encore active : {stray} processus arrêté(s) par le banc")
        over = [text for exceeded, text in (
            (seconds >= SECONDS_LIMIT, f"plus de {SECONDS_LIMIT} s"),
            (megabytes >= MEMORY_LIMIT, f"plus de {MEMORY_LIMIT} Mo ({self.memory.peak_kind})"),
            (other >= OTHER_LIMIT, f"autre territoire ralenti (plus de {OTHER_LIMIT} s)"),
        ) if exceeded and outcome.verdict != MOOT] + ([problem] if problem else [])
        verdict = FAILED if over else outcome.verdict
        remarks = over + remarks
        if verdict == FAILED:
            remarks += logged_errors(self.log, log_start)
        remark = " ; ".join(remarks).replace("|", "/")
        row = (name, outcome.status, verdict, seconds, megabytes, other, remark[:160])
        self.rows.append(row)
        print(f"| {name} | {outcome.status} | {verdict} | {number(seconds)} | {megabytes:.0f} | {number(other)} | {row[6]} |",
              flush=True)
        return outcome

    def run(self):
        print("| entrée | statut HTTP | résultat | secondes | Mo en pointe | autre territoire (s) | remarque |")
        print("|---|---|---|---|---|---|---|")
        self.logins()
        self.workbooks()
        self.fiches()
        self.nested_json()
        self.far_dates()
        self.newline_title()
        self.imports_while_writing()
        self.far_avenant()
        failed = [row for row in self.rows if row[2] == FAILED]
        print(f"\n{len(self.rows) - len(failed)} lignes sur {len(self.rows)} conformes "
              f"(« refusé » ou « ok », moins de {SECONDS_LIMIT} s et {MEMORY_LIMIT} Mo, autre territoire en moins de "
              f"{OTHER_LIMIT} s) ; autre territoire au plus lent : {number(max(row[5] for row in self.rows))} s.")
        if failed:
            print("En échec : " + " ; ".join(row[0] for row in failed) + ".")
        return not failed

    # Login: 55 wrong passwords, then the right one, through the real form.

    def logins(self):
        browser = Browser()
        times = []

        def wrong():
            refused_at = first = None
            for attempt in range(1, 56):
                form = browser.form("/connexion/", "username")
                response = browser.submit(form, {"username": "elu.roumois", "password": f"mauvais-{attempt}"})
                times.append(response.seconds)
                if response.error or response.status >= 500:
                    return Outcome.of(response)
                message = judge(response)[1]
                first = first or message  # « wrong password »: a lockout says something else
                if refused_at is None and (response.status == 429 or message != first):
                    refused_at = attempt
            if refused_at is None:
                return Outcome(FAILED, "55 essais acceptés sans blocage", response.statuses, max(times))
            verdict, _ = judge(response)
            quick = max(times[refused_at:])
            return Outcome(verdict, f"bloqué dès l'essai n°{refused_at}, ensuite {number(quick)} s au plus par essai "
                                    f"(total {number(sum(times))} s)", response.statuses, max(times))

        def right():
            form = browser.form("/connexion/", "username")
            response = browser.submit(form, {"username": "elu.roumois", "password": "demo"})
            if response.status == 302 or response.history:
                return Outcome(FAILED, "connecté malgré les 55 essais", response.statuses)
            return Outcome.of(response)

        self.line("Connexion : 55 mauvais mots de passe de suite (le plus lent)", wrong)
        self.line("Connexion : puis le bon mot de passe", right)

    # The tracking workbook: zip bombs, two at once, a text in a number cell.

    def import_form(self, browser):
        return browser.form(f"/conventions/{TARGET}/suivi/{self.period}/", "workbook")

    def upload(self, browser, content):
        return browser.submit(self.import_form(browser), files={"workbook": ("suivi.xlsx", content)})

    def workbooks(self):
        base = workbook_bytes(self.convention, Period.parse(self.period))
        strings = with_shared_strings(base, repeated(
            b"<si><t>a</t></si>" * 100_000, 600,
            head=b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">', tail=b"</sst>",
        ))
        with zipfile.ZipFile(io.BytesIO(base)) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        sheet = members["xl/worksheets/sheet1.xml"]
        cut = sheet.index(b"</sheetData>")
        rows = raw_zip({**{name: deflated(data) for name, data in members.items() if name != "xl/worksheets/sheet1.xml"},
                        "xl/worksheets/sheet1.xml": repeated(b'<row><c t="n"><v>1</v></c></row>' * 40_000, 1000,
                                                             head=sheet[:cut], tail=sheet[cut:])})
        typed = with_cells(base, 1, {"H2": '<c r="H2" t="n"><v>abc</v></c>'})

        def both():
            browsers = [Browser(session_cookie(self.users["caf.eure"])) for _ in range(2)]
            forms = [self.import_form(browser) for browser in browsers]
            answers = [None, None]
            threads = [threading.Thread(target=lambda i=i: answers.__setitem__(
                i, browsers[i].submit(forms[i], files={"workbook": ("suivi.xlsx", strings)}))) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return Outcome.of(max(answers, key=lambda r: (judge(r)[0] == FAILED, r.seconds)))

        self.line(f"Classeur : 60 millions de textes partagés ({megabytes(strings)} Mo, 1 Go décompressé)",
                  lambda: Outcome.of(self.upload(self.eure, strings)))
        self.line(f"Classeur : feuille de 40 millions de lignes ({megabytes(rows)} Mo, 1 Go décompressé)",
                  lambda: Outcome.of(self.upload(self.eure, rows)))
        self.line("Classeur : les 60 millions de textes, deux envois simultanés", both)
        self.line("Classeur : texte « abc » dans une cellule numérique", lambda: Outcome.of(self.upload(self.eure, typed)))

    # Fiches of a plan in préparation: a giant word, nested Markdown, an image outside the static folder.

    def fiche(self, title, boxes):
        form = self.oise.form(f"/conventions/{DRAFT}/fiches/nouvelle/", "initial_diagnosis")
        axis = next(value for value in form.choices["axis"] if value)
        response = self.oise.submit(form, {"title": title, "axis": axis, "themes": form.choices["themes"][:1], **boxes})
        key = re.search(r"/fiches/([^/]+)/", response.location() if response.history else "")
        return Outcome.of(response, value=key.group(1) if key else None)

    def pdf(self, created, check=None):
        """The fiche's PDF: made in the request, or queued and followed on its progress page."""
        if created.value is None:
            return moot("fiche non enregistrée")
        browser = self.oise
        response = browser.get(f"/conventions/{DRAFT}/fiches/{created.value}/fiche.pdf", follow=False)
        seconds = response.seconds
        if response.status == 302 and "/documents/" in response.location():
            progress = urlsplit(response.location()).path
            deadline = time.perf_counter() + self.args.pdf_wait
            while True:
                page = browser.get(progress)
                seconds += page.seconds
                ready, failed = "Document prêt" in page.readable, "n'a pas abouti" in page.readable
                if page.status != 200 or ready or failed or time.perf_counter() > deadline:
                    break
                time.sleep(0.5)
                seconds += 0.5
            if page.status != 200:
                return Outcome.of(page)
            if not ready:
                waited = "n'a pas abouti" if failed else f"toujours en préparation après {self.args.pdf_wait:g} s"
                return Outcome(FAILED, f"PDF mis en file : {waited}", page.statuses, seconds)
            response = browser.get(progress.rstrip("/") + "/telecharger/")
            seconds += response.seconds
        elif response.status == 302:
            response = browser.follow(response, True)
            seconds = response.seconds
        if response.headers and response.headers.get("Content-Type") == "application/pdf":
            remark = check(response.body) if check else ""
            pages = len(PdfReader(io.BytesIO(response.body)).pages)
            return Outcome(FAILED if remark else OK, remark or f"{pages} page(s)", response.statuses, seconds)
        verdict, remark = judge(response, refused_ok=False)
        return Outcome(FAILED, remark or "pas de PDF", response.statuses, seconds)

    def fiches(self):
        outside = TMP / "hors-static.png"
        Image.new("RGB", (40, 40), "red").save(outside)
        up = "../" * (len(STATIC.parts) - 1)
        images = (f"![image hors du dossier static](file://{STATIC}/{up}{str(outside).lstrip('/')})\n\n"
                  f"![passwd](file://{STATIC}/{up}etc/passwd)")

        def no_image(data):
            found = sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)
            return f"{found} image(s) lue(s) hors du dossier static" if found else ""

        # The image: "file:///…/static/../../../tmp/…/hors-static.png", and /etc/passwd the same way.
        for title, short, boxes, check in (
            ("un mot de 2,4 millions de caractères", "mot géant", {"initial_diagnosis": WORD}, None),
            ("Markdown imbriqué sur 500 niveaux", "Markdown imbriqué",
             {"implementation": "> " * 500 + "Texte au fond de 500 citations."}, None),
            ("image Markdown file://STATIC/../…", "image", {"initial_diagnosis": images}, no_image),
        ):
            created = self.line(f"Fiche : {title}", lambda title=title, boxes=boxes: self.fiche(title[0].upper() + title[1:], boxes))
            self.line(f"PDF de la fiche ({short})", lambda created=created, check=check: self.pdf(created, check))

    # Commands: run as an administrator would, their memory watched.

    def command(self, *arguments, message=""):
        """`manage.py *arguments` as an administrator runs it: ok when it ends well, refused when it
        stops with a French message, failed on a traceback. Its seconds leave out what any command
        takes to start (`self.startup`)."""
        env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1"}
        began = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *arguments], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.memory.watch(process.pid)
        try:
            out, err = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            err += f"\npas de fin en {TIMEOUT} s"
        seconds = max(0.0, time.perf_counter() - began - getattr(self, "startup", 0))
        status = f"code {process.returncode}"
        last = next((line.strip() for line in reversed(err.splitlines()) if line.strip()), "")
        if "Traceback" in err or process.returncode not in (0, 1):
            return Outcome(FAILED, f"trace d'erreur : {last}"[:160], status, seconds)
        if process.returncode == 1:
            return Outcome(REFUSED if french(err) else FAILED, last[:160], status, seconds)
        return Outcome(OK, message(out) if message else "", status, seconds)

    def nested_json(self):
        path = TMP / "imbrique.json"
        path.write_text('{"format": "ctg-exchange", "version": 1, "convention": {"slug": "imbriquee", "fiches": '
                        + "[" * 10_000 + "]" * 10_000 + "}}")

        # No web page imports an exchange document: the command is the only way in.
        self.line("JSON imbriqué sur 10 000 niveaux (manage.py import_convention)",
                  lambda: self.command("import_convention", str(path)))

    # Dates in 9999: a séance, a jalon, the pages and feed that show them.

    def body(self):
        return Body.objects.filter(convention=self.convention).order_by("position", "id").first()

    def meeting(self, date, time_, title, email=""):
        form = self.eure.form(f"/conventions/{TARGET}/gouvernance/seances/nouvelle/?instance={self.body().key}", "title")
        overrides = {"date": date, "time": time_, "end_time": "", "title": title, "place": "Salle du conseil"}
        if email:  # the first participant (the instance's first member) gets the reminder
            overrides["participants-0-email"] = email
        response = self.eure.submit(form, overrides)
        pk = re.search(r"/seances/(\d+)/", response.location() if response.history else "")
        return Outcome.of(response, value=pk.group(1) if pk else None)

    def milestone(self, end):
        form = self.eure.form(f"/conventions/{TARGET}/evaluation/nouveau/", "end")
        kind = next(value for value in form.choices["kind"] if value)
        return Outcome.of(self.eure.submit(form, {"kind": kind, "title": "Jalon de l'an 9999", "end": end}))

    def pages(self, suffix=""):
        self.line(f"Suivi{suffix}", lambda: Outcome.of(self.eure.get(f"/conventions/{TARGET}/suivi/")))
        self.line(f"Tableau de bord{suffix}", lambda: Outcome.of(self.eure.get(f"/conventions/{TARGET}/tableau-de-bord/")))

        def generate():
            form = self.eure.form(f"/conventions/{TARGET}/evaluation/generer/", action="/generer/")
            outcome = Outcome.of(self.eure.submit(form))
            outcome.seconds += form.seconds
            return outcome

        self.line(f"Générer les jalons, aperçu puis création{suffix}", generate)

    def far_dates(self):
        self.line("Séance le 31/12/9999 à 23:30", lambda: self.meeting("9999-12-31", "23:30", "Séance de l'an 9999"))
        self.line("Jalon au 31/12/9999", lambda: self.milestone("9999-12-31"))

        def feed():
            self.eure.submit(self.eure.form("/agenda/", action="/nouvelle-adresse/"))
            token = CalendarToken.objects.get(user=self.users["caf.eure"]).token
            return Outcome.of(Browser().get(f"/agenda/{token}.ics"))

        self.line("Flux iCalendar de l'abonné", feed)
        self.pages()
        # The 9999 séance and jalon go: the lines after them test their own input only.
        Meeting.objects.filter(convention=self.convention, date__year=9999).delete()
        Milestone.objects.filter(convention=self.convention, end__year=9999).delete()

    # A newline in a séance title: its .ics, the reminders.

    def newline_title(self):
        tomorrow = f"{timezone.localdate() + datetime.timedelta(days=1):%Y-%m-%d}"
        created = self.line("Séance au titre sur deux lignes (POST forgé)",
                            lambda: self.meeting(tomorrow, "18:00", "Comité de pilotage\r\nBEGIN:VEVENT",
                                                 "invitee@banc.invalid"))
        def ics():
            if created.value is None:
                return moot("séance non enregistrée")
            return Outcome.of(self.eure.get(f"/conventions/{TARGET}/gouvernance/seances/{created.value}.ics"))

        self.line(".ics de cette séance", ics)

        self.line("manage.py send_reminders", lambda: self.command(
            "send_reminders", message=lambda out: out.strip().splitlines()[-1] if out.strip() else ""))

    # Two large imports on SQLite while the web writes.

    def large_document(self, slug):
        document = json.loads(EXAMPLE_PATH.read_text())
        convention = document["convention"]
        model = convention["amendments"][0]["operations"][1]["fiche"]
        convention.update(slug=slug, title=f"Convention importée {slug}", amendments=[], fiches=[])
        quarters = [f"{2023 + q // 4}-T{q % 4 + 1}" for q in range(16)]
        for n in range(1, self.args.fiches + 1):
            fiche = copy.deepcopy(model)
            fiche.update(key=f"action-{n}", number=n, axis=n % 3 + 1, title=f"Développer l'action n°{n}", updates=[
                {"period": q, "status": "en_cours", "progress": 50, "comment": "Avancement conforme au calendrier. " * 4,
                 "difficulties": None, "indicator_values": {}, "author": "Coordinatrice CTG", "updated_on": "2025-07-01"}
                for q in quarters
            ])
            convention["fiches"].append(fiche)
        path = TMP / f"{slug}.json"
        path.write_text(json.dumps(document, ensure_ascii=False))
        return path

    def imports_while_writing(self):
        paths = [self.large_document(f"import-abus-{n}") for n in (1, 2)]
        key = tracking_fiches(self.convention, Period.parse(self.period))[0].key
        row = f"/conventions/{TARGET}/suivi/{self.period}/{key}/"
        htmx = {"HX-Request": "true"}

        def run():
            env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1"}
            began = time.perf_counter()
            imports = [subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "import_convention", str(path)],
                                        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                       for path in paths]
            for process in imports:
                self.memory.watch(process.pid)
            writes = []
            while any(process.poll() is None for process in imports) or not writes:
                form = self.eure.form(row, f"{key}-comment", headers=htmx)
                writes.append(self.eure.submit(form, {
                    f"{key}-status": next(value for value in form.choices[f"{key}-status"] if value),
                    f"{key}-comment": f"Écriture n°{len(writes) + 1} pendant les imports",
                }, headers=htmx))
                time.sleep(0.5)
            codes = [process.wait() for process in imports]
            worst = max(writes, key=lambda r: (judge(r)[0] == FAILED, r.seconds))
            outcome = Outcome.of(worst)
            outcome.seconds = worst.seconds
            done = f"{len(writes)} écritures, imports en {number(time.perf_counter() - began)} s (codes {codes})"
            outcome.remark = f"{done} ; {outcome.remark}" if outcome.remark else done
            return outcome

        self.line(f"Écriture web pendant deux gros imports ({self.args.fiches} fiches chacun, la plus lente)", run)

    # An avenant extending the convention to 9999, then the pages that count its years.

    def far_avenant(self):
        def avenant():
            today = min(timezone.localdate(), self.convention.end)
            form = self.eure.form(f"/conventions/{TARGET}/avenants/nouveau/", "effective_until")
            response = self.eure.submit(form, {"title": "Avenant de prolongation", "effective_from": f"{today:%Y-%m-%d}",
                                               "effective_until": "9999-12-31", "signed_at": "Bourg-Achard",
                                               "object": "Prolonger la convention."})
            number_ = re.search(r"/avenants/(\d+)/", response.location() if response.history else "")
            if number_ is None:
                return Outcome.of(response)
            url = f"/conventions/{TARGET}/avenants/{number_.group(1)}/"
            form = self.eure.form(url + "modifier/", "articles-TOTAL_FORMS")
            response = self.eure.submit(form, {"articles-0-number": "6", "articles-0-title": "Durée",
                                               "articles-0-body": "La convention est prolongée jusqu'au 31/12/9999."})
            if judge(response)[0] != OK:
                return Outcome.of(response)
            form = self.eure.form(url, "signed_on")
            return Outcome.of(self.eure.submit(form, {"signed_on": f"{today:%Y-%m-%d}", "signed_at": "Bourg-Achard"}))

        self.line("Avenant prolongeant la convention jusqu'au 31/12/9999 (créé, signé)", avenant)
        self.pages(" après l'avenant")


def number(value):
    return f"{value:.2f}".replace(".", ",")


def megabytes(data):
    return f"{len(data) / 2**20:.1f}".replace(".", ",")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = free_port()


def prepare():
    call_command("migrate", verbosity=0)
    if GIVEN_DATABASE:
        call_command("flush", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    # loaddemo refuses to run without DEBUG (its accounts share a known password): here, a throwaway database.
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "loaddemo"], cwd=ROOT, env={**os.environ, "DEBUG": "1"},
                   check=True, stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiches", type=int, default=1000)
    parser.add_argument("--pdf-wait", type=float, default=30)
    args = parser.parse_args()
    prepare()
    print(f"Base {connection.vendor} jetable, démo chargée ; journal de gunicorn : {TMP / 'gunicorn.log'}", flush=True)
    log = (TMP / "gunicorn.log").open("w")
    process = serve(PORT, log)
    memory = Memory(process.pid)
    memory.start()
    try:
        other = Browser(session_cookie(get_user_model().objects.get(username="caf.loire-atlantique")))
        probe = Probe(other, f"/conventions/{OTHER}/")
        bench = Bench(memory, probe, args, TMP / "gunicorn.log")
        probe.start()  # both workers import and warm up before anything is measured
        for _ in range(3):
            bench.eure.get(f"/conventions/{TARGET}/suivi/{bench.period}/")
        probe.stop()
        memory.reset()
        probe.start()
        time.sleep(3)
        at_rest = probe.stop()[0]
        bench.startup = bench.command("import_convention", str(TMP / "absent.json")).seconds
        print(f"Au repos : gunicorn à 2 travailleurs, {memory.megabytes():.0f} Mo en pointe ; page de l'autre territoire "
              f"en {number(at_rest)} s au plus ; une commande manage.py met {number(bench.startup)} s à démarrer et "
              "refuser un fichier absent (temps retiré des lignes de commande).\n", flush=True)
        passed = bench.run()
    finally:
        memory.stopped = True
        memory.stop_layouts()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        log.close()
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
