from django.db import models
from django.utils import timezone


class Attempt(models.Model):
    """One try of a throttled action (`ctg.throttle`), kept for the length of its window: a
    password-reset request, counted for the e-mail typed and for the address it came from."""

    scope = models.CharField("action", max_length=50)
    key = models.CharField("clé", max_length=254)
    at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "essai limité"
        verbose_name_plural = "essais limités"
        indexes = [models.Index(fields=["scope", "key", "at"], name="ctg_attempt_scope_key_at")]

    def __str__(self):
        return f"{self.scope} — {self.key}"


class Revision(models.Model):
    """The stamp of a root object (a convention) and of everything beneath it: database triggers
    (`ctg.revisions`) give it a new random token at every write, bulk ones included. A page cached
    under a token is the page as it was at that stamp (`ctg.pagecache`). Root 0 stands for the rows
    every root shows (organisations, people's names)."""

    root_id = models.BigIntegerField("racine", primary_key=True)
    token = models.CharField("jeton", max_length=32)

    class Meta:
        verbose_name = "révision"
        verbose_name_plural = "révisions"

    def __str__(self):
        return f"{self.root_id} — {self.token}"
