"""Zip archives sent by users (.xlsx today, .docx tomorrow), opened only once they are known to be
small inside: a few megabytes of zip can hold gigabytes of XML (generic: no domain app here).

`open_zip(upload, ZipLimits(...))` reads the upload (its size capped), then, before any library
parses it, checks the archive's directory (number of members, the uncompressed size of each and
of all, the compression ratio, the compression method) and streams every member once with a cap,
so that a directory that lies about its sizes is caught too. `SafeZip.read(name)` and
`SafeZip.open(name)` then give one member with the same cap. Every refusal is a `ZipRefused`
with a French message for the user."""

import io
import zipfile
from dataclasses import dataclass

from ctg.errors import DomainError

MIB = 1024 * 1024
CHUNK = 64 * 1024
TOO_LARGE = "Le fichier est trop volumineux une fois décompressé"


class ZipRefused(DomainError):
    """The upload is not opened; `message` says why, in French."""


class NotAZip(ZipRefused):
    """The upload is no zip archive at all: callers say what they expected instead."""


@dataclass(frozen=True)
class ZipLimits:
    max_bytes: int = 5 * MIB  # the upload itself
    max_members: int = 1000
    max_member: int = 20 * MIB  # uncompressed, one member
    max_total: int = 50 * MIB  # uncompressed, all members
    max_ratio: int = 100  # uncompressed / compressed, for a member over `ratio_from` bytes
    ratio_from: int = 1 * MIB


def megabytes(size):
    return f"{size / MIB:.1f}".replace(".", ",").removesuffix(",0") + " Mo"


def read_upload(upload, max_bytes):
    """The bytes of `upload` (bytes, or a binary file such as a Django upload), refused past
    `max_bytes` without reading further."""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > max_bytes:
            raise too_heavy(size, max_bytes)
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_heavy(len(data) if isinstance(upload, bytes | bytearray) else None, max_bytes)
    return data


def too_heavy(size, max_bytes):
    shown = megabytes(size) if size is not None else megabytes(max_bytes)
    if shown == megabytes(max_bytes):
        shown = f"plus de {shown}"
    return ZipRefused(f"Le fichier pèse {shown} : {megabytes(max_bytes)} au plus.")


def open_zip(upload, limits=ZipLimits()):
    """A `SafeZip` over `upload`, or `ZipRefused`."""
    data = read_upload(upload, limits.max_bytes)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise NotAZip("Ce fichier n'est pas une archive zip.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise ZipRefused("Ce fichier est une archive abîmée : elle ne peut pas être lue.") from error
    safe = SafeZip(data, archive, limits)
    try:
        safe.check()
    except BaseException:
        archive.close()
        raise
    return safe


class _CappedReader(io.RawIOBase):
    """One member's bytes as a stream that refuses to go past `cap` bytes."""

    def __init__(self, member, name, cap):
        self.member = member
        self.name = name
        self.cap = cap
        self.count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        size = min(len(buffer), CHUNK)
        try:
            chunk = self.member.read(size)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
            raise ZipRefused(f"L'archive est abîmée : « {self.name} » ne peut pas être lu.") from error
        self.count += len(chunk)
        if self.count > self.cap:
            raise ZipRefused(f"{TOO_LARGE} : « {self.name} » dépasse {megabytes(self.cap)}.")
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self):
        self.member.close()
        super().close()


class SafeZip:
    """An archive whose directory and members passed `ZipLimits`; close it after use (or use it
    as a context manager)."""

    def __init__(self, data, archive, limits):
        self.data = data  # the upload's bytes, for a library that opens the archive itself
        self.archive = archive
        self.limits = limits

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.archive.close()

    def names(self):
        return self.archive.namelist()

    def size(self, name):
        """The uncompressed size the directory gives (checked against the real one by `check`)."""
        return self.archive.getinfo(name).file_size

    def open(self, name, cap=None):
        """A binary stream of one member (a name, or a `ZipInfo`), refused past `cap` bytes
        (default: `max_member`); KeyError when the archive has no such member."""
        cap = self.limits.max_member if cap is None else min(cap, self.limits.max_member)
        label = getattr(name, "filename", name)
        try:
            member = self.archive.open(name)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError) as error:
            raise ZipRefused(f"L'archive est abîmée : « {label} » ne peut pas être lu.") from error
        return io.BufferedReader(_CappedReader(member, label, cap), CHUNK)

    def read(self, name, cap=None):
        with self.open(name, cap) as stream:
            return stream.read()

    def check(self):
        limits = self.limits
        members = self.archive.infolist()
        if len(members) > limits.max_members:
            raise ZipRefused(f"L'archive contient {len(members)} fichiers : {limits.max_members} au plus.")
        total = 0
        for member in members:
            if member.flag_bits & 0x1:
                raise ZipRefused("Ce fichier est protégé par mot de passe : enregistrez-le sans mot de passe.")
            if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ZipRefused(f"« {member.filename} » est compressé d'une manière non prise en charge.")
            self._check_size(member.filename, member.file_size, member.compress_size)
            total += member.file_size
            if total > limits.max_total:
                raise ZipRefused(f"{TOO_LARGE} : plus de {megabytes(limits.max_total)}.")
        # The directory may lie: count the real bytes, stopping as soon as a cap is passed.
        total = 0
        for member in members:
            if member.is_dir():
                continue
            with self.open(member) as stream:
                size = 0
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if total + size > limits.max_total:
                        raise ZipRefused(f"{TOO_LARGE} : plus de {megabytes(limits.max_total)}.")
            if size != member.file_size:
                raise ZipRefused(f"L'archive est abîmée : la taille de « {member.filename} » est fausse.")
            total += size

    def _check_size(self, name, size, compressed):
        limits = self.limits
        if size > limits.max_member:
            raise ZipRefused(f"{TOO_LARGE} : « {name} » dépasse {megabytes(limits.max_member)}.")
        if size > limits.ratio_from and size > limits.max_ratio * max(compressed, 1):
            raise ZipRefused(
                f"{TOO_LARGE} : « {name} » est compressé plus de {limits.max_ratio} fois, "
                "ce qu'aucun document ordinaire ne fait."
            )
