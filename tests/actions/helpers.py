"""Helpers of the actions tests: the fiche form's data, the tracking page's addresses, the
tracking workbook as exported (and edited, in openpyxl or in its XML), what the tracking holds."""

import io
import re
import zipfile

import openpyxl
from django.urls import reverse

from actions.models import Axis, IndicatorValue, Update
from actions.periods import Period
from ctg.concurrency import version_of

T1 = Period(2026, 1)


def form_data(fiche=None, **overrides):
    data = {
        "title": "Développer les passerelles entre structures", "number": "1",
        "axis": str(fiche.axis_id if fiche else Axis.objects.first().pk), "objective": "",
        "themes": ["enfance"], "nature": ["experimentale"], "commune": "",
        "initial_diagnosis": "Les temps scolaires et périscolaires restent cloisonnés.",
        "target_public": "Enfants de 3 à 11 ans", "operational_objectives": "- Tester", "implementation": "PEDT",
        "schedule": "2026", "start_year": "2026", "end_year": "2026", "lead": "Service enfance",
        "partners": "Caf", "expected_results": "", "evaluation_indicators": "", "funding": "", "referents": "",
        "version": str(version_of(fiche) if fiche else 0),
        "indicators-TOTAL_FORMS": "0", "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0", "indicators-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def page_url(convention, period=T1):
    return reverse("actions:tracking_period", args=[convention.slug, str(period)])


def row_url(convention, key, period=T1):
    return reverse("actions:tracking_row", args=[convention.slug, str(period), key])


def workbook_bytes(convention, period=T1, edit=None):
    """The exported workbook, optionally edited by `edit(workbook)` as a user would in Excel."""
    from actions.workbook import TrackingWorkbook

    content = TrackingWorkbook(period).generate(convention)[2]
    if edit is None:
        return content
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_cells(content, sheet, cells):
    """The workbook `content` with cells of its sheet number `sheet` (1: Suivi, 2: Indicateurs)
    written as raw XML, {coordinate: '<c r="H2">…</c>'}, as a crafted file holds them."""
    from tests.helpers import edited_zip

    name = f"xl/worksheets/sheet{sheet}.xml"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read(name).decode()
    for coordinate, cell in cells.items():
        existing = re.compile(rf'<c r="{coordinate}"(?:[^>]*/>|[^>]*>.*?</c>)')
        if existing.search(xml):
            xml = existing.sub(lambda _, cell=cell: cell, xml, count=1)
        else:
            row = re.match(r"[A-Z]+(\d+)", coordinate).group(1)
            xml = re.sub(rf'(<row r="{row}"[^>]*>.*?)</row>', lambda m, cell=cell: m.group(1) + cell + "</row>",
                         xml, count=1)
    return edited_zip(content, {name: xml})


SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def with_shared_strings(content, member):
    """The workbook `content` with `member` (bytes of XML, or a `raw_zip` member) as its shared
    strings, declared in its manifest as Excel declares them."""
    from tests.helpers import deflated, edited_zip, raw_zip

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    types = members["[Content_Types].xml"].decode()
    members["[Content_Types].xml"] = types.replace(
        "</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/></Types>'
    ).encode()
    if isinstance(member, bytes):
        return edited_zip(content, {"xl/sharedStrings.xml": member, "[Content_Types].xml": members["[Content_Types].xml"]})
    return raw_zip({**{name: deflated(data) for name, data in members.items()}, "xl/sharedStrings.xml": member})


def snapshot():
    return sorted(Update.objects.values_list("fiche__key", "period", "status", "progress", "comment", "difficulties")), sorted(
        IndicatorValue.objects.values_list("indicator__key", "update__period", "value")
    )


def upload(client, convention, content, name="suivi.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("actions:tracking_import", args=[convention.slug, str(T1)]), {"workbook": file})


def plan_bytes(convention, on=None, edit=None):
    """The plan workbook (the model when `on` is None), optionally edited by `edit(workbook)` in
    openpyxl, as a user would in Excel."""
    from actions.plan_workbook import PlanWorkbook

    content = PlanWorkbook(on).generate(convention)[2]
    if edit is None:
        return content
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
