"""The guarded zip reader every zip upload goes through: sizes from the directory, the real sizes
streamed with a cap, the number of members, the compression ratio and method, each refused in
French before anything parses the archive."""

import io
import time
import tracemalloc
import zipfile

import pytest

from ctg.zips import MIB, NotAZip, ZipLimits, ZipRefused, open_zip
from tests.helpers import deflated, raw_zip, repeated


def plain_zip(members, method=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refusal(upload, limits=None):
    with pytest.raises(ZipRefused) as refused:
        open_zip(upload, limits or ZipLimits())
    return refused.value.message


def test_an_ordinary_archive_opens_and_its_members_read():
    with open_zip(plain_zip({"word/document.xml": "<w:document/>", "a/b.txt": "texte"})) as archive:
        assert archive.names() == ["word/document.xml", "a/b.txt"]
        assert archive.read("a/b.txt") == b"texte"
        assert archive.size("word/document.xml") == 13
        with archive.open("word/document.xml") as stream:
            assert stream.read(3) == b"<w:"
        with pytest.raises(KeyError):
            archive.read("absent.xml")


def test_a_file_that_is_no_zip_is_refused_as_such():
    with pytest.raises(NotAZip, match="n'est pas une archive zip"):
        open_zip(b"Cle;Statut\naccueil;fini\n")


def test_an_upload_over_the_size_limit_is_refused_without_being_read():
    class Upload(io.BytesIO):
        size = 6 * MIB

        def read(self, *args):
            raise AssertionError("read")

    assert refusal(Upload()) == "Le fichier pèse 6 Mo : 5 Mo au plus."
    assert refusal(b"PK\x03\x04" + bytes(5 * MIB)) == "Le fichier pèse plus de 5 Mo : 5 Mo au plus."
    # A file of unknown size (a command's) is read up to the limit, no further.
    assert "5 Mo au plus" in refusal(io.BytesIO(bytes(20 * MIB)))


def test_too_many_members_are_refused():
    message = refusal(plain_zip({f"f{i}.txt": "x" for i in range(11)}), ZipLimits(max_members=10))
    assert message == "L'archive contient 11 fichiers : 10 au plus."


def test_a_member_too_large_once_unzipped_is_refused_from_the_directory():
    archive = raw_zip({"xl/worksheets/sheet1.xml": repeated(b"<row/>" * 10_000, 400)})  # 24 Mo
    assert refusal(archive) == (
        "Le fichier est trop volumineux une fois décompressé : « xl/worksheets/sheet1.xml » dépasse 20 Mo."
    )


def test_members_too_large_together_are_refused():
    members = {f"part{i}.xml": "x" * 300_000 for i in range(4)}
    message = refusal(plain_zip(members), ZipLimits(max_member=MIB, max_total=MIB))
    assert message == "Le fichier est trop volumineux une fois décompressé : plus de 1 Mo."


def test_a_member_compressed_beyond_any_ordinary_document_is_refused():
    message = refusal(plain_zip({"styles.xml": b" " * (2 * MIB)}))
    assert message.startswith("Le fichier est trop volumineux une fois décompressé : « styles.xml » est compressé "
                              "plus de 100 fois")
    # Small members may compress as they like.
    assert open_zip(plain_zip({"styles.xml": b" " * 100_000})).read("styles.xml") == b" " * 100_000


def test_a_directory_that_understates_a_size_is_caught_by_reading():
    data, crc, size = repeated(b"<si/>" * 200_000, 100)  # 100 Mo of XML
    archive = raw_zip({"xl/sharedStrings.xml": (data, crc, size, 1000)})  # the directory says 1000 bytes
    started = time.perf_counter()
    assert "L'archive est abîmée" in refusal(archive)
    assert time.perf_counter() - started < 2


def test_a_directory_that_overstates_a_size_is_refused():
    data, crc, size = deflated(b"<x/>" * 100)
    assert refusal(raw_zip({"a.xml": (data, crc, size, size + 10)})).startswith("L'archive est abîmée")


def test_only_deflate_and_stored_members_are_read():
    assert refusal(plain_zip({"a.xml": "<x/>" * 100}, zipfile.ZIP_BZIP2)) == (
        "« a.xml » est compressé d'une manière non prise en charge."
    )
    assert open_zip(plain_zip({"a.xml": "<x/>"}, zipfile.ZIP_STORED)).read("a.xml") == b"<x/>"


def test_a_member_is_read_with_a_cap():
    with open_zip(plain_zip({"a.xml": "x" * 5000})) as archive:
        assert len(archive.read("a.xml", cap=5000)) == 5000
        with pytest.raises(ZipRefused, match="« a.xml » dépasse"):
            archive.read("a.xml", cap=4999)


def test_sixty_million_shared_strings_are_refused_before_anything_is_unzipped():
    """The workbook of the issue: a few hundred kilobytes that unzip to 300 Mo of `<si/>`."""
    bomb = raw_zip({"[Content_Types].xml": deflated(b"<Types/>"),
                    "xl/sharedStrings.xml": repeated(b"<si/>" * 200_000, 300)})
    assert len(bomb) < 600_000
    tracemalloc.start()
    started = time.perf_counter()
    try:
        message = refusal(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith("Le fichier est trop volumineux une fois décompressé")
    assert time.perf_counter() - started < 1 and peak < 10 * MIB
