"""Archives and disk images: zip (plain, ZipCrypto, AES), 7z, rar (names only), tar, gz/bz2/xz, ISO/UDF.

Every member is read in memory through a bounded stream: the attachment's budgets (members, total
expanded bytes) are shared by all nested archives, and a member whose expansion ratio exceeds
``max_compression_ratio`` — declared in its header or observed while reading — is not read further.
Those are ``attachment.archive_bomb`` findings, never crashes. Encrypted zip and 7z archives are
tried with the passwords found in the body (``passwords.candidate_passwords``, bounded count).
RAR: ``rarfile`` needs the external ``unrar`` program to decompress, which Rempart does not require;
member names are listed (and judged) without it, contents are not read.
"""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import tarfile
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

import py7zr
import py7zr.exceptions
import py7zr.io
import pycdlib
import pycdlib.pycdlibexception
import pyzipper
import rarfile

from rempart.analyzers.payload.filetype import dangerous_category
from rempart.analyzers.payload.report import Item
from rempart.analyzers.payload.tables import RUNNABLE

if TYPE_CHECKING:
    from rempart.analyzers.payload.deep import Deep

ARCHIVE_BOMB = 0.5
ENCRYPTED_ARCHIVE = 0.3
ENCRYPTED_ARCHIVE_RUNNABLE_INSIDE = 0.5
PASSWORD_IN_BODY = 0.6
PASSWORD_IN_BODY_RUNNABLE_INSIDE = 0.8
MIN_BOMB_BYTES = 1024 * 1024  # small, very compressible files (a blank form) are not bombs
CHUNK = 1024 * 1024
MAX_PASSWORD_TRIES = 8


def _runnable_names(names: list[str], deep: Deep) -> list[str]:
    return [n for n in names if dangerous_category(n, "", deep.tables)[0] in RUNNABLE][:10]


def _encrypted(deep: Deep, item: Item, names: list[str], password: str | None, kind: str) -> None:
    runnable = _runnable_names(names, deep)
    evidence: dict[str, Any] = {"format": kind, "members": names[:10]}
    if runnable:
        evidence["runnable_members"] = runnable
    if password is not None:
        weight = PASSWORD_IN_BODY_RUNNABLE_INSIDE if runnable else PASSWORD_IN_BODY
        deep.report.add(
            "attachment.encrypted_archive_password_in_body", weight, item.path, password=password, **evidence
        )
    else:
        weight = ENCRYPTED_ARCHIVE_RUNNABLE_INSIDE if runnable else ENCRYPTED_ARCHIVE
        deep.report.add("attachment.encrypted_archive", weight, item.path, **evidence)


def _bomb(deep: Deep, item: Item, member: str, why: str, **evidence: Any) -> None:
    deep.report.add("attachment.archive_bomb", ARCHIVE_BOMB, item.path, member=member, reason=why, **evidence)


def _read_stream(stream: io.BufferedIOBase | Any, compressed: int, deep: Deep) -> tuple[bytes | None, str]:
    """Read a member's stream within the expanded-bytes budget and the ratio bound."""
    chunks: list[bytes] = []
    total = 0
    ratio = deep.settings.max_compression_ratio
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > deep.report.bytes_left:
            return None, "expanded_total"
        if total > MIN_BOMB_BYTES and compressed > 0 and total / compressed > ratio:
            return None, "ratio"
        chunks.append(chunk)
    deep.report.bytes_left -= total
    return b"".join(chunks), ""


def _declared_bomb(deep: Deep, item: Item, name: str, size: int, compressed: int) -> bool:
    ratio = deep.settings.max_compression_ratio
    if size > MIN_BOMB_BYTES and compressed > 0 and size / compressed > ratio:
        _bomb(deep, item, name, "ratio", ratio=round(size / compressed), expanded_bytes=size)
        return True
    if size > deep.report.bytes_left:
        _bomb(deep, item, name, "expanded_total", expanded_bytes=size)
        return True
    return False


# -- zip ----------------------------------------------------------------------------------------------


def _zip_password(archive: pyzipper.AESZipFile, infos: list[zipfile.ZipInfo], deep: Deep) -> str | None:
    probe = min(infos, key=lambda i: i.compress_size)
    if probe.file_size > deep.report.bytes_left:
        return None
    for password in deep.passwords[:MAX_PASSWORD_TRIES]:
        try:
            with archive.open(probe, pwd=password.encode("utf-8")) as stream:
                data, why = _read_stream(stream, probe.compress_size, deep)
            if data is not None and not why:
                deep.report.bytes_left += len(data)  # only a probe: the real read counts it
                return password
        except (RuntimeError, zipfile.BadZipFile, ValueError, zlib.error, EOFError, NotImplementedError):
            continue
    return None


def open_zip(item: Item, deep: Deep) -> None:
    try:
        archive = pyzipper.AESZipFile(io.BytesIO(item.data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError, NotImplementedError, OSError, EOFError, KeyError):
        deep.report.add("attachment.damaged_archive", 0.0, item.path, format="zip")
        return
    with archive:
        encrypted = [i for i in infos if i.flag_bits & 0x1]
        password: str | None = None
        if encrypted:
            password = _zip_password(archive, encrypted, deep)
            _encrypted(deep, item, [i.filename for i in infos], password, "zip")
        for info in infos:
            if not deep.take_member(item):
                return
            locked = bool(info.flag_bits & 0x1)
            if locked and password is None:
                deep.name_only(item, info.filename, "archive")
                continue
            if _declared_bomb(deep, item, info.filename, info.file_size, info.compress_size):
                continue
            try:
                pwd = password.encode("utf-8") if locked and password else None
                with archive.open(info, pwd=pwd) as stream:
                    data, why = _read_stream(stream, info.compress_size, deep)
            except (
                RuntimeError,
                zipfile.BadZipFile,
                ValueError,
                zlib.error,
                EOFError,
                NotImplementedError,
                OSError,
                lzma.LZMAError,
            ):
                deep.name_only(item, info.filename, "archive")
                continue
            if data is None:
                _bomb(deep, item, info.filename, why)
                continue
            deep.child(item, info.filename, data, "archive", password if locked and password else "")


# -- 7z -----------------------------------------------------------------------------------------------


def _open_7z(data: bytes, password: str | None) -> py7zr.SevenZipFile:
    return py7zr.SevenZipFile(io.BytesIO(data), mode="r", password=password)


def open_7z(item: Item, deep: Deep) -> None:
    password: str | None = None
    try:
        archive = _open_7z(item.data, None)
        needs = archive.needs_password()
        listing = archive.list()
    except py7zr.exceptions.PasswordRequired:
        needs, listing, archive = True, [], None
    except (
        py7zr.exceptions.Bad7zFile,
        py7zr.exceptions.ArchiveError,
        ValueError,
        KeyError,
        EOFError,
        OSError,
        lzma.LZMAError,
        IndexError,
        TypeError,
    ):
        deep.report.add("attachment.damaged_archive", 0.0, item.path, format="7z")
        return
    if needs:
        for candidate in deep.passwords[:MAX_PASSWORD_TRIES]:
            try:
                trial = _open_7z(item.data, candidate)
                listing = trial.list()
                trial.testzip()
            except Exception:  # py7zr raises many types on a wrong key
                continue
            archive, password = trial, candidate
            break
        names = [f.filename for f in listing if not f.is_directory]
        _encrypted(deep, item, names, password, "7z")
        if password is None:
            for name in names:
                if deep.take_member(item):
                    deep.name_only(item, name, "archive")
            return
    assert archive is not None
    files = [f for f in listing if not f.is_directory]
    declared = sum(int(f.uncompressed or 0) for f in files)
    if _declared_bomb(deep, item, "(all members)", declared, len(item.data)):
        return
    targets = []
    for f in files:
        if not deep.take_member(item):
            break
        targets.append(f.filename)
    factory = py7zr.io.BytesIOFactory(max(deep.report.bytes_left, 1))
    try:
        archive.reset()
        archive.extract(targets=targets, factory=factory)
    except Exception:  # a damaged or hostile stream: judge the names we have
        for name in targets:
            deep.name_only(item, name, "archive")
        return
    finally:
        archive.close()
    for name in targets:
        try:
            data = factory.products[name].read()
        except (KeyError, AttributeError):
            deep.name_only(item, name, "archive")
            continue
        deep.report.bytes_left -= len(data)
        deep.child(item, name, data, "archive", password or "")


# -- rar (names only without the unrar program) -------------------------------------------------------


def open_rar(item: Item, deep: Deep) -> None:
    try:
        archive = rarfile.RarFile(io.BytesIO(item.data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
        needs = archive.needs_password()
    except (rarfile.Error, ValueError, OSError, EOFError):
        deep.report.add("attachment.damaged_archive", 0.0, item.path, format="rar")
        return
    names = [i.filename for i in infos]
    if needs:
        _encrypted(deep, item, names, None, "rar")
    for name in names:
        if not deep.take_member(item):
            return
        deep.name_only(item, name, "archive")


# -- tar and single-stream compression ----------------------------------------------------------------


def open_tar(item: Item, deep: Deep) -> None:
    try:
        archive = tarfile.open(fileobj=io.BytesIO(item.data), mode="r:")  # noqa: SIM115 - closed below
        members = [m for m in archive.getmembers()[: deep.settings.max_archive_members] if m.isfile()]
    except (tarfile.TarError, ValueError, OSError, EOFError):
        deep.report.add("attachment.damaged_archive", 0.0, item.path, format="tar")
        return
    with archive:
        for member in members:
            if not deep.take_member(item):
                return
            if member.size > deep.report.bytes_left:
                _bomb(deep, item, member.name, "expanded_total", expanded_bytes=member.size)
                continue
            stream = archive.extractfile(member)
            if stream is None:
                continue
            data, why = _read_stream(stream, 0, deep)
            if data is None:
                _bomb(deep, item, member.name, why)
                continue
            deep.child(item, member.name, data, "archive")


def _decompressor(kind: str) -> Any:
    if kind == "application/gzip":
        return zlib.decompressobj(wbits=47)  # gzip or zlib header, auto-detected
    if kind == "application/x-bzip2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


def open_compressed(item: Item, deep: Deep, kind: str) -> None:
    """gzip / bzip2 / xz: one stream, decompressed in bounded steps."""
    decompressor = _decompressor(kind)
    limit = min(deep.report.bytes_left, deep.settings.max_expanded_bytes)
    ratio = deep.settings.max_compression_ratio
    out: list[bytes] = []
    total = 0
    try:
        pending = item.data
        while True:
            chunk = decompressor.decompress(pending, CHUNK)
            total += len(chunk)
            out.append(chunk)
            if total > limit or (total > MIN_BOMB_BYTES and total / max(len(item.data), 1) > ratio):
                _bomb(deep, item, item.name, "ratio" if total <= limit else "expanded_total")
                return
            pending = getattr(decompressor, "unconsumed_tail", b"")
            if not chunk and not pending:
                break
            if getattr(decompressor, "eof", False):
                break
            if not chunk and kind != "application/gzip" and getattr(decompressor, "needs_input", True):
                break
    except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError):
        deep.report.add("attachment.damaged_archive", 0.0, item.path, format=kind.rsplit("/", 1)[-1])
        return
    if not deep.take_member(item):
        return
    deep.report.bytes_left -= total
    inner = item.name
    for suffix in (".gz", ".tgz", ".bz2", ".xz", ".z"):
        if inner.lower().endswith(suffix):
            inner = inner[: -len(suffix)] + (".tar" if suffix == ".tgz" else "")
            break
    deep.child(item, inner or "(decompressed)", b"".join(out), "archive")


# -- ISO 9660 / UDF disk images ---------------------------------------------------------------------


def _iso_path_key(iso: pycdlib.PyCdlib) -> str:
    """The richest name space the image has (long names and real extensions come from UDF or Joliet)."""
    if iso.has_udf():
        return "udf_path"
    if iso.has_joliet():
        return "joliet_path"
    if iso.has_rock_ridge():
        return "rr_path"
    return "iso_path"


def open_iso(item: Item, deep: Deep) -> None:
    iso = pycdlib.PyCdlib()
    try:
        iso.open_fp(io.BytesIO(item.data))
    except (
        pycdlib.pycdlibexception.PyCdlibException,
        ValueError,
        OSError,
        EOFError,
        KeyError,
        IndexError,
        struct.error,
    ):
        deep.report.add("attachment.damaged_archive", 0.0, item.path, format="iso")
        return
    try:
        key = _iso_path_key(iso)
        for dirpath, _dirs, files in iso.walk(**{key: "/"}):
            for filename in files:
                if not deep.take_member(item):
                    return
                path = dirpath.rstrip("/") + "/" + filename
                shown = path.lstrip("/")
                if key == "iso_path":
                    shown = shown.split(";", 1)[0]
                record = iso.get_record(**{key: path})
                size = int(record.get_data_length())
                if size > deep.report.bytes_left:
                    _bomb(deep, item, shown, "expanded_total", expanded_bytes=size)
                    continue
                out = io.BytesIO()
                iso.get_file_from_iso_fp(out, **{key: path})
                data = out.getvalue()
                deep.report.bytes_left -= len(data)
                deep.child(item, shown, data, "disk_image")
    except (pycdlib.pycdlibexception.PyCdlibException, ValueError, OSError, EOFError, KeyError, IndexError):
        deep.report.add("attachment.damaged_archive", 0.0, item.path, format="iso")
    finally:
        iso.close()
