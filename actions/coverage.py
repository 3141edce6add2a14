"""Coverage of the thématiques by the plan d'actions, with the rules of `003_…`."""

from django.db.models import Count

from .enums import COMPLEMENTARY_THEMES, MANDATORY_THEMES, Theme
from .models import FicheTheme


def theme_coverage(fiches):
    """Fiche count per theme, and the rules of `003_…` the plan breaks (`mandatory_problems`
    are those that prevent a signature):
    4 thématiques obligatoires, 1 complémentaire fortement recommandée, and a CTG covering only
    the 4 must widen to at least one more during its life."""
    counts = dict(
        FicheTheme.objects.filter(fiche__in=fiches).values_list("theme").annotate(n=Count("fiche", distinct=True))
    )
    rows = [{"theme": t, "label": t.label, "count": counts.get(t, 0), "mandatory": True} for t in MANDATORY_THEMES]
    rows += [{"theme": t, "label": t.label, "count": counts.get(t, 0), "mandatory": False} for t in COMPLEMENTARY_THEMES]
    mandatory = [
        f"Thématique obligatoire absente : {row['label'].lower()}. Une CTG couvre les 4 thématiques obligatoires "
        "(petite enfance, enfance, jeunesse et parentalité)."
        for row in rows if row["mandatory"] and not row["count"]
    ]
    problems = list(mandatory)
    # « Autre » names no thématique: it neither widens the CTG nor shows as one.
    widening = [t for t in counts if t not in MANDATORY_THEMES and t != Theme.AUTRE]
    others = [Theme(t).label for t in widening if t not in COMPLEMENTARY_THEMES]  # those without a row
    if not any(counts.get(t) for t in COMPLEMENTARY_THEMES):
        problems.append(
            "Aucune thématique complémentaire : l'accès aux droits ou l'animation de la vie sociale est fortement "
            "recommandé."
        )
    if not widening:
        problems.append(
            "La CTG ne couvre que les 4 thématiques obligatoires : elle doit s'élargir à au moins une autre "
            "thématique en cours de CTG."
        )
    return {"rows": rows, "others": sorted(others), "problems": problems, "mandatory_problems": mandatory}


def signature_problems(convention):
    """What the base plan d'actions lacks for the convention to be signed: each mandatory
    thématique it does not cover (registered in `conventions.lifecycle.plan_checks`)."""
    return theme_coverage(convention.fiches.filter(avenant__isnull=True))["mandatory_problems"]
