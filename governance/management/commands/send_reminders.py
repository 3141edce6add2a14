"""`manage.py send_reminders`: e-mail the participants of the séances of the next days, and the
coordinators whose fiches in force lack the current quarter's update.

Run it daily (cron). What was sent is recorded, so running it again sends nothing new. Mail goes
through Django's mail API (EMAIL_BACKEND; the console by default). A reminder that fails is
logged and the others still leave; the command then ends with status 1.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ctg.dates import DATE_RANGE, in_range
from governance.reminders import send_reminders


def iso_date(value):
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Date « {value} » invalide : attendu AAAA-MM-JJ.") from error
    if not in_range(day):
        raise CommandError(f"Date « {value} » hors limites : attendu {DATE_RANGE}.")
    return day


class Command(BaseCommand):
    help = "Envoie les rappels de séance aux participants et les rappels de suivi trimestriel aux coordinateurs."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7,
                            help="Rappeler les séances des N prochains jours (7 par défaut).")
        parser.add_argument("--update-days", type=int, default=30,
                            help="Rappeler le suivi trimestriel dans les N derniers jours du trimestre (30 par défaut).")
        parser.add_argument("--today", type=iso_date, default=None, help="Date du jour (AAAA-MM-JJ), pour rattraper un envoi.")
        parser.add_argument("--site-url", default=getattr(settings, "SITE_URL", ""),
                            help="Adresse du site pour les liens des messages, par exemple https://ctg.example.fr.")
        parser.add_argument("--dry-run", action="store_true", help="Compter les rappels dus sans rien envoyer.")

    def handle(self, *args, days, update_days, today, site_url, dry_run, **options):
        if days < 0 or update_days < 0:
            raise CommandError("--days et --update-days doivent être positifs.")
        sent = send_reminders(
            today or timezone.localdate(), days=days, update_days=update_days,
            site_url=site_url.rstrip("/"), dry_run=dry_run,
        )
        verb = "à envoyer" if dry_run else "envoyé(s)"
        self.stdout.write(f"Rappels de séance {verb} : {sent['seance']}. Rappels de suivi trimestriel {verb} : {sent['suivi']}.")
        if sent["echecs"]:
            # After everything else left: the exit status tells cron to warn the administrator.
            raise CommandError(f"Rappels en échec : {sent['echecs']} (le journal donne le détail de chacun).")
