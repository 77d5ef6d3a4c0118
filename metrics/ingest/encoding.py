"""Bytes to text: what spreadsheets write (UTF-8 with or without BOM, UTF-16, Windows-1251/1252, Latin-1).

A file is decoded in one encoding or refused: a file that is neither clean UTF-8 nor clean single-byte
text (for example a lone Windows-1251 byte in an otherwise UTF-8 file) is refused with the line of the
first byte that does not fit, never stored garbled.
"""

from __future__ import annotations

import codecs
import re

import numpy as np

from metrics.ingest.problems import SAVE_AS_CSV, Problem

__all__ = ["decode"]

_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\x1f\x8b": "a gzip archive",
    b"\xff\xd8\xff": "a JPEG image",
}
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE with BOM"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE with BOM"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE with BOM"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE with BOM"),
]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
#: Three or more Cyrillic letters in a row encoded as UTF-8 (D0/D1 lead bytes): the signature of UTF-8 text.
#: In Windows-1251 these bytes read "РґРѕ..." (mojibake), which no Ukrainian or Russian text contains.
_UTF8_CYRILLIC_RUN = re.compile(rb"(?:[\xd0\xd1][\x80-\xbf]){3,}")
_ONE_ENCODING = "save the whole file again in one encoding, preferably UTF-8 (CSV UTF-8)"


def _line_of_byte(data: bytes, position: int) -> int:
    head = data[:position]
    return (head.count(b"\n") or head.count(b"\r")) + 1


def decode(data: bytes) -> tuple[str, str] | Problem:
    """(text, encoding name) or the problem that makes the bytes unreadable as text in one encoding."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return Problem(1, "", f"the file is not text but {what}", SAVE_AS_CSV)
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return _decode_strict(data, len(bom), codec, label)
    if b"\x00" in data:
        even, odd = data[0::2], data[1::2]
        half = max(len(data) // 2, 1)
        if odd.count(0) > 0.3 * half and even.count(0) < 0.05 * half:
            return _decode_strict(data, 0, "utf-16-le", "UTF-16 LE")
        if even.count(0) > 0.3 * half and odd.count(0) < 0.05 * half:
            return _decode_strict(data, 0, "utf-16-be", "UTF-16 BE")
        return Problem(1, "", "the file is not text (it holds zero bytes: a binary file?)", SAVE_AS_CSV)
    try:
        return _checked_text(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        if not data[: exc.start].isascii():  # valid UTF-8 before: two encodings in one file
            return Problem(
                _line_of_byte(data, exc.start), "",
                f"byte 0x{bad:02X} is not UTF-8, but the lines before are UTF-8 (two encodings in one file)",
                _ONE_ENCODING,
            )  # fmt: skip
        utf8 = _UTF8_CYRILLIC_RUN.search(data, exc.end)
        if utf8 is not None:  # a single-byte character first, UTF-8 text later: two encodings in one file
            return Problem(
                _line_of_byte(data, exc.start), "",
                f"byte 0x{bad:02X} is not UTF-8, but line {_line_of_byte(data, utf8.start())} is UTF-8 text "
                "(two encodings in one file)", _ONE_ENCODING,
            )  # fmt: skip
    return _checked_text(*_single_byte(data))


def _decode_strict(data: bytes, skip: int, codec: str, label: str) -> tuple[str, str] | Problem:
    try:
        text = data[skip:].decode(codec)
    except UnicodeDecodeError as exc:
        line = data[skip : skip + exc.start].decode(codec, errors="replace").count("\n") + 1
        claim = "starts with a byte-order mark that says" if "BOM" in label else "looks like"
        return Problem(
            line, "", f"the file {claim} {label.removesuffix(' with BOM')}, but its bytes at line {line} are not "
            f"{label.removesuffix(' with BOM')} ({exc.reason})",
            "save the file again as CSV UTF-8 (or as Unicode text) so that the whole file has one encoding",
        )  # fmt: skip
    return _checked_text(text, label)


def _single_byte(data: bytes) -> tuple[str, str]:
    """Windows-1251 (Cyrillic) or Windows-1252 / Latin-1 for bytes that are not UTF-8.

    Cyrillic text has its non-ASCII bytes in runs (whole words); Latin text has them alone among ASCII
    letters (é, ü, ñ). The bytes 0x80-0x9F are printable in Windows-1252 and control codes in Latin-1.
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    high = arr >= 0x80
    neighbour = np.zeros_like(high)
    neighbour[1:] |= high[:-1]
    neighbour[:-1] |= high[1:]
    in_runs = (high & neighbour).sum() / max(high.sum(), 1)
    if in_runs >= 0.5:
        try:
            return data.decode("cp1251"), "Windows-1251"
        except UnicodeDecodeError:  # 0x98 is the one byte Windows-1251 leaves undefined
            pass
    if ((arr >= 0x80) & (arr <= 0x9F)).any():
        try:
            return data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1"), "Latin-1"


def _checked_text(text: str, label: str) -> tuple[str, str] | Problem:
    text = text.removeprefix("\ufeff").rstrip("\x1a")  # a second BOM; a DOS end-of-file mark
    first = _CONTROL.search(text)
    if first is not None:
        controls = len(_CONTROL.findall(text))
        if "\x00" in text or controls > 0.01 * len(text):
            return Problem(1, "", f"the file is not text ({controls:,} control characters)", SAVE_AS_CSV)
    return text, label
