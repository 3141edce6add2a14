"""Benchmark at national scale, on PostgreSQL (issue 16).

Builds a national dataset with bulk inserts (COPY for the updates) — 101 Cafs, 1,500 CTGs (10 to
60 per Caf, mostly intercommunal), 45,000 fiches, 720,000 quarterly updates, 20,000 séances,
15,000 users, and a history record for each fiche, update and séance — then serves it with
gunicorn (2 workers) and measures the portfolio of the largest Caf, a plan, a fiche, a tracking
quarter, a dashboard and a search: the p50 of each page alone, then its p50/p95 with 16
concurrent clients, first computed at each request (a URL of its own each time), then read again
(served by the page cache while nothing changes). Also prints each page's number of SQL queries at
that scale, computed and read again.

Run (the database is emptied first; it must be a throwaway one):
    DATABASE_URL=postgres://postgres@127.0.0.1:54330/ctgscale make bench-scale
Options: --scale 0.1 (a tenth of the dataset, to try it), --requests 20 (per client and page),
--keep (reuse the data of a previous run).
"""

import argparse
import datetime
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg.settings")
os.environ["DEBUG"] = "0"  # as served in production (`make` exports DEBUG=1): persistent connections
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from actions.enums import UpdateStatus  # noqa: E402
from actions.models import Axis, Fiche, FicheTheme, Update  # noqa: E402
from actions.periods import Period  # noqa: E402
from conventions.enums import ConventionStatus, OrganisationKind, Role  # noqa: E402
from conventions.models import Commune, Convention, Membership, Organisation, Signatory  # noqa: E402
from evaluation.enums import MilestoneKind  # noqa: E402
from evaluation.models import Milestone  # noqa: E402
from governance.enums import BodyKind  # noqa: E402
from governance.models import Body, Meeting  # noqa: E402

CAFS, CTGS, FICHES, UPDATES, MEETINGS, USERS = 101, 1500, 45_000, 720_000, 20_000, 15_000
CLIENTS, WORKERS, PORT = 16, 2, 8021
BATCH = 5000
THEMES = ["petite_enfance", "enfance", "jeunesse", "parentalite", "acces_aux_droits", "animation_vie_sociale"]
STATUSES = [UpdateStatus.REALISEE, UpdateStatus.EN_COURS, UpdateStatus.EN_COURS, UpdateStatus.NON_DEMARREE]
TEXT = ("Développer l'accueil des familles du territoire, en lien avec les partenaires, les communes et "
        "les associations ; ")


def quarters(start_year, count):
    return [f"{start_year + q // 4}-T{q % 4 + 1}" for q in range(count)]


def ctgs_per_caf(total, cafs):
    """`total` CTGs shared out between `cafs` Cafs, 10 to 60 each, the largest first: a few big
    départements (Nord, Paris…) and a long tail near 10, in the proportions of a harmonic series."""
    counts, rest = [], total - 10 * cafs
    weights = [1 / (rank + 1) for rank in range(cafs)]
    for rank in range(cafs):
        extra = min(50, round(rest * weights[rank] / sum(weights[rank:])))
        counts.append(10 + extra)
        rest -= extra
    return sorted(counts, reverse=True)


def spread(total, parts):
    """`total` shared out between `parts` as evenly as whole numbers allow."""
    return [total // parts + (n < total % parts) for n in range(parts)]


def copy_rows(model, columns, rows):
    """Rows written with PostgreSQL's COPY: several times faster than INSERTs for the big tables."""
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def copy_history(model, history_date):
    """One creation record per row in the model's history table, dated by the SQL `history_date`
    (what the portfolio's last activity reads), copied by the database itself."""
    history = model.history.model
    tracked = {f.column for f in history._meta.concrete_fields}
    columns = ", ".join(f.column for f in model._meta.concrete_fields if f.column in tracked)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {history._meta.db_table} ({columns}, history_date, history_type) "
            f"SELECT {columns}, LEAST({history_date}, NOW()), '+' FROM {model._meta.db_table}"
        )


def build(scale, rng):
    started = time.perf_counter()
    cafs_count = max(2, round(CAFS * scale))
    ctgs = max(cafs_count * 10, round(CTGS * scale))
    fiches_per_ctg = FICHES // CTGS
    quarters_per_fiche = UPDATES // FICHES
    users_total = round(USERS * scale)
    password = make_password("bench-Motdepasse-2026")

    with transaction.atomic():
        cafs = Organisation.objects.bulk_create(
            Organisation(name=f"Caf n°{n:03d}", kind=OrganisationKind.CAF, code=f"B{n:03d}") for n in range(cafs_count)
        )
        # Mostly intercommunal: one CTG in six is a single commune's.
        owners = Organisation.objects.bulk_create(
            (Organisation(name=f"Commune n°{n:04d}", kind=OrganisationKind.COMMUNE, code=f"{n:05d}",
                          population=rng.randrange(3_000, 40_000)) if n % 6 == 5 else
             Organisation(name=f"Communauté de communes n°{n:04d}", kind=OrganisationKind.EPCI, code=f"2{n:08d}",
                          population=rng.randrange(5_000, 80_000))
             for n in range(ctgs)),
            batch_size=BATCH,
        )
        conventions = []
        today = datetime.date.today()
        for caf, count in zip(cafs, ctgs_per_caf(ctgs, cafs_count), strict=True):
            for _ in range(count):
                index = len(conventions)
                start = datetime.date(today.year - rng.randrange(0, 5), 1, 1)
                conventions.append(Convention(
                    slug=f"ctg-{index:04d}", title=f"CTG de la {owners[index].name}", caf=caf, start=start,
                    end=datetime.date(start.year + 4, 12, 31), status=ConventionStatus.SIGNEE, signed_on=start,
                    signed_at="Évreux", preamble=TEXT * 3,
                ))
        conventions = Convention.objects.bulk_create(conventions, batch_size=BATCH)
        Signatory.objects.bulk_create(
            [Signatory(convention=c, organisation=c.caf, representative="La directrice", capacity="Directrice",
                       position=0) for c in conventions]
            + [Signatory(convention=c, organisation=o, representative="Le président", capacity="Président",
                         position=1) for c, o in zip(conventions, owners, strict=True)],
            batch_size=BATCH,
        )
        Commune.objects.bulk_create(
            (Commune(convention=c, insee=f"{(i * 7 + k) % 95000 + 1000:05d}", name=f"Commune {i}-{k}",
                     population=rng.randrange(200, 9000), position=k)
             for i, (c, o) in enumerate(zip(conventions, owners, strict=True))
             for k in range(1 if o.kind == OrganisationKind.COMMUNE else rng.randrange(3, 25))),
            batch_size=BATCH,
        )
        axes = Axis.objects.bulk_create(
            (Axis(convention=c, number=n, title=f"Axe {n} : accompagner les familles") for c in conventions
             for n in range(1, 4)),
            batch_size=BATCH,
        )
        fiches = Fiche.objects.bulk_create(
            (Fiche(convention=axis.convention, axis=axis, number=n, key=f"action-{n}",
                   title=f"Développer l'action {n} pour les familles", is_current=True,
                   initial_diagnosis=TEXT * 2, target_public="Familles du territoire", operational_objectives=TEXT,
                   implementation=TEXT * 2, partners="Caf, communes, associations", start_year=axis.convention.start.year,
                   end_year=axis.convention.end.year)
             for axis, per_axis in zip(axes, spread(fiches_per_ctg, 3) * len(conventions), strict=True)
             for n in range((axis.number - 1) * 10 + 1, (axis.number - 1) * 10 + 1 + per_axis)),
            batch_size=BATCH,
        )
        FicheTheme.objects.bulk_create(
            (FicheTheme(fiche=f, theme=THEMES[i % len(THEMES)]) for i, f in enumerate(fiches)), batch_size=BATCH
        )
        print(f"  organisations, {len(conventions)} CTG, {len(fiches)} fiches: {time.perf_counter() - started:.0f} s",
              flush=True)
        copy_rows(Update, ["fiche_id", "period", "status", "progress", "comment", "difficulties", "author",
                           "copied_from"],
                  ((f.pk, period, rng.choice(STATUSES), rng.randrange(0, 101), "Avancement conforme au calendrier.",
                    "", "Coordinatrice CTG", "")
                   for f in fiches for period in quarters(f.start_year, quarters_per_fiche)))
        del fiches
        print(f"  updates: {time.perf_counter() - started:.0f} s", flush=True)
        bodies = Body.objects.bulk_create(
            (Body(convention=c, key=key, kind=kind, name=name, expected_per_year=per_year)
             for c in conventions for key, kind, name, per_year in (
                 ("copil", BodyKind.COPIL, "Comité de pilotage CTG", 2),
                 ("cotech", BodyKind.COTECH, "Comité technique CTG", 3),
                 ("commission", BodyKind.COMMISSION, "Commission enfance-jeunesse", 2))),
            batch_size=BATCH,
        )
        Meeting.objects.bulk_create(
            (Meeting(convention=b.convention, body=b, date=b.convention.start + datetime.timedelta(days=60 + k * 1700 // count),
                     title=f"{b.name} n°{k + 1}", place="Siège de la communauté", minutes=TEXT)
             for b, count in zip(bodies, spread(round(MEETINGS * ctgs / CTGS), len(bodies)), strict=True)
             for k in range(count)),
            batch_size=BATCH,
        )
        Milestone.objects.bulk_create(
            (Milestone(convention=c, kind=kind, title=title, end=datetime.date(c.start.year + year, 6, 30))
             for c in conventions for kind, title, year in (
                 (MilestoneKind.BILAN_INTERMEDIAIRE, "Bilan intermédiaire", 2),
                 (MilestoneKind.BILAN_FINAL, "Bilan final", 4), (MilestoneKind.DIAGNOSTIC, "Diagnostic partagé", 4))),
            batch_size=BATCH,
        )
        # What users did, as the history tables keep it: each fiche written at its start, each
        # update at the end of its quarter, each séance on its day (never later than now).
        copy_history(Fiche, "make_date(start_year, 1, 15)::timestamptz")
        copy_history(Update, "(make_date(left(period, 4)::int, right(period, 1)::int * 3, 1) "
                             "+ interval '1 month - 1 day')::timestamptz")
        copy_history(Meeting, "date::timestamptz")
        print(f"  séances, jalons, historique : {time.perf_counter() - started:.0f} s", flush=True)
        User = get_user_model()
        users = User.objects.bulk_create(
            (User(username=f"agent{n:05d}", password=password, first_name="Agent", last_name=f"{n:05d}",
                  email=f"agent{n:05d}@bench.invalid") for n in range(users_total)),
            batch_size=BATCH,
        )
        memberships = []
        for n, user in enumerate(users):
            if n % 5 == 0:  # one user in five is Caf staff, the others a collectivité's coordinator or élu
                memberships.append(Membership(user=user, organisation=cafs[n // 5 % len(cafs)], role=Role.CAF))
            else:
                local = n - n // 5 - 1  # the local users, numbered from 0: each collectivité in turn
                memberships.append(Membership(user=user, organisation=owners[local % len(owners)],
                                              role=Role.COORDINATEUR if local // len(owners) % 2 == 0 else Role.ELU))
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
    with connection.cursor() as cursor:
        # What autovacuum does soon after a load: statistics, and the visibility map that lets
        # PostgreSQL answer from an index alone.
        cursor.execute("VACUUM ANALYZE")
    print(f"  utilisateurs : {time.perf_counter() - started:.0f} s", flush=True)
    return time.perf_counter() - started


def counts():
    per_caf = Organisation.objects.filter(kind=OrganisationKind.CAF).annotate(n=Count("caf_conventions")) \
        .aggregate(low=Min("n"), high=Max("n"))
    return {
        "Cafs": Organisation.objects.filter(kind=OrganisationKind.CAF).count(),
        "CTG": Convention.objects.count(),
        "CTG intercommunales": Signatory.objects.filter(organisation__kind=OrganisationKind.EPCI).count(),
        "CTG pour la plus petite Caf": per_caf["low"], "CTG pour la plus grande": per_caf["high"],
        "fiches": Fiche.objects.count(), "mises à jour": Update.objects.count(),
        "séances": Meeting.objects.count(), "utilisateurs": get_user_model().objects.count(),
        "lignes d'historique": sum(m.history.model.objects.count() for m in (Fiche, Update, Meeting)),
    }


def pages():
    """(name, URL) of each measured page, and the Caf user who reads them."""
    largest = Organisation.objects.filter(kind=OrganisationKind.CAF).annotate(n=Count("caf_conventions")) \
        .order_by("-n").first()
    user = Membership.objects.filter(organisation=largest, role=Role.CAF).select_related("user").first().user
    # A CTG of that Caf in its second year at least, and the last closed quarter: what a
    # coordinator fills in (its fiches' sixteen quarters of tracking include it).
    today = datetime.date.today()
    convention = Convention.objects.filter(caf=largest, start__year__range=(today.year - 3, today.year - 1)) \
        .order_by("slug").first()
    fiche = convention.fiches.order_by("number").first()
    period = Period.containing(today).previous()
    return user, largest.n, [
        ("portefeuille de la plus grande Caf", "/"),
        ("plan d'actions", f"/conventions/{convention.slug}/plan/"),
        ("fiche action", f"/conventions/{convention.slug}/fiches/{fiche.key}/"),
        ("suivi d'un trimestre", f"/conventions/{convention.slug}/suivi/{period}/"),
        ("tableau de bord", f"/conventions/{convention.slug}/tableau-de-bord/"),
        ("recherche", "/recherche/?q=accueil+familles"),
    ]


def session_cookie(user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["ctg_seen"] = time.time() + 3600  # no session write during the run
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def query_counts(user, urls):
    """Each page's queries when computed, then when read again from the page cache."""
    client = Client()
    client.force_login(user)
    result = {}
    for name, url in urls:
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as ctx:
                status = client.get(url, HTTP_HOST="127.0.0.1").status_code
            counts.append(len(ctx.captured_queries))
        result[name] = (status, *counts)
    return result


def measure(url, cookie, requests, clients=CLIENTS, *, computed=False):
    """p50 and p95 in ms of `requests` GETs by each of `clients` concurrent clients, and the statuses.
    `computed`: each request asks for a URL of its own (an ignored parameter), so no page comes
    from the page cache: the cost of a page read for the first time since the last write."""
    timings, statuses, lock = [], {}, threading.Lock()
    fresh = iter(range(10**9))

    def client():
        connection_ = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        for _ in range(requests):
            path = f"{url}{'&' if '?' in url else '?'}_={next(fresh)}" if computed else url
            began = time.perf_counter()
            connection_.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = connection_.getresponse()
            response.read()
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                timings.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
        connection_.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], statuses


def serve(port=PORT, log=None):
    """gunicorn with WORKERS workers on `port`, its log to the file `log` (the terminal by default)."""
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "ctg.wsgi", f"--workers={WORKERS}", f"--bind=127.0.0.1:{port}",
         "--log-level=warning"], cwd=ROOT, env=env, start_new_session=True, stderr=log,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/connexion/")
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn ne démarre pas.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/scale.py mesure PostgreSQL : donnez DATABASE_URL=postgres://… (une base jetable).")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not args.keep:
        call_command("flush", interactive=False, verbosity=0)
        print(f"Chargement du jeu national (échelle {args.scale:g})…", flush=True)
        seconds = build(args.scale, random.Random(2026))
        print(f"Chargé en {seconds / 60:.1f} min")
    print(", ".join(f"{n:,} {label}".replace(",", "\u202f") for label, n in counts().items()))
    user, largest, urls = pages()
    print(f"Plus grande Caf : {largest} CTG")
    queries = query_counts(user, urls)
    cookie = session_cookie(user)
    process = serve()
    try:
        measure(urls[0][1], cookie, 2)  # warm-up: workers import, caches fill
        # Alone, a page takes its own time; with CLIENTS clients on WORKERS workers, it also waits
        # for the pages ahead of it.
        print(f"\n{'':38} {'requêtes SQL':>13} | {'page calculée (ms)':>23} | {'page relue (ms)':>23}")
        print(f"{'page':38} {'calc.':>6} {'relue':>6} | {'seule':>7} {'p50':>7} {'p95':>7} | {'seule':>7} {'p50':>7} {'p95':>7}"
              "  statuts")
        for name, url in urls:
            status, computed_queries, cached_queries = queries[name]
            figures, all_statuses = [], {}
            for computed in (True, False):
                alone, _, statuses = measure(url, cookie, args.requests, clients=1, computed=computed)
                p50, p95, more = measure(url, cookie, args.requests, computed=computed)
                figures += [alone, p50, p95]
                for code, n in [*statuses.items(), *more.items()]:
                    all_statuses[code] = all_statuses.get(code, 0) + n
            print(f"{name:38} {computed_queries:>6} {cached_queries:>6} | {figures[0]:>7.0f} {figures[1]:>7.0f} "
                  f"{figures[2]:>7.0f} | {figures[3]:>7.0f} {figures[4]:>7.0f} {figures[5]:>7.0f}  {all_statuses}")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
    print(f"\n« seule » : un client à la fois ; p50, p95 : {CLIENTS} clients simultanés ; gunicorn {WORKERS} "
          f"travailleurs, {args.requests} requêtes par client et par page. « calculée » : chaque requête a son URL, "
          "aucune page ne vient du cache ; « relue » : la même page, que le cache sert tant que rien n'a changé.")


if __name__ == "__main__":
    main()
