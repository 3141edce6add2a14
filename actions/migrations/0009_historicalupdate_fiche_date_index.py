"""An index of the tracking history by fiche and date: the portfolio reads each fiche's latest
record (`portfolio.rows._add_last_activity`) from it, a few rows instead of all sixteen a year.

Raw SQL: django-simple-history builds the historical model's Meta itself and takes no indexes, so
the index lives outside the model state (makemigrations neither sees nor removes it)."""

from django.db import migrations

INDEX = "actions_historicalupdate_fiche_date"


class Migration(migrations.Migration):
    dependencies = [("actions", "0008_value_bounds")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON actions_historicalupdate (fiche_id, history_date)",
            f"DROP INDEX {INDEX}",
        ),
    ]
