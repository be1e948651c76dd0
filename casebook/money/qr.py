"""EPC QR codes ("SEPA credit transfer" QR, EPC069-12) for letters that ask for payment.

Payload, one element per line (LF), nothing after the last element used:

    1 BCD   2 002   3 1 (UTF-8)   4 SCT   5 BIC (optional in 002)   6 name (<= 70)
    7 IBAN   8 EUR<amount, 2 decimals>   9 purpose (empty)
    10 structured creditor reference: ISO 11649 RF only
    11 unstructured remittance (<= 140): a Belgian OGM goes here as +++ddd/dddd/ddddd+++
    12 beneficiary-to-originator information (optional)

Why the OGM goes in line 11: line 10 is defined for ISO 11649 creditor references, and an
OGM is not one. Whether Belgian bank apps read 12 OGM digits from line 10 is unconfirmed
(DOMAIN 5 [?]); what they do recognise is a `+++ddd/dddd/ddddd+++` communication, which
they turn into a structured communication, and any app at least shows it to the payer
unchanged. Lines 10 and 11 are never both used.

Error correction is level M, fixed (no boosting), QR version at most 13, payload at most 331
bytes: the limits the EPC guidelines set. The mask pattern is fixed too (`MASK`): choosing
the "best" of the eight masks is most of segno's encoding time (about 5x), and ISO 18004
decoders read every mask, so a fixed one costs nothing in readability.

This module is the one place where casebook builds EPC payloads and draws QR codes: letters
and emails call `epc_payload`, `epc_code` once per letter, then `epc_svg(code)` and the PNG
from the same symbol.
"""

from __future__ import annotations

import functools
import html
import itertools
import operator
import re
import struct
import types
import zlib
from decimal import Decimal
from xml.sax.saxutils import escape as xml_escape

import segno
from stdnum import iban as iban_check

from casebook.money import refs
from casebook.money.interest import cents

MAX_BYTES = 331
MAX_VERSION = 13
MAX_AMOUNT = Decimal("999999999.99")
#: The QR mask pattern (0-7), fixed instead of segno's evaluation of all eight.
MASK = 0


def epc_payload(
    *,
    name: str,
    iban: str,
    amount: Decimal | None,
    reference: str = "",
    text: str = "",
    bic: str = "",
    info: str = "",
) -> str:
    """The EPC069-12 (version 002) payload.

    `reference` (an OGM or RF reference, any usual spelling) wins over `text`; a reference
    that is neither is used as free text. Raises ValueError for what a bank would reject.
    """
    name = " ".join(name.split())[:70]
    if not name:
        raise ValueError("the beneficiary name is empty")
    account = iban.replace(" ", "").upper()
    try:
        _check_iban(account)
    except ValueError:
        raise ValueError(f"{iban!r} is not a valid IBAN") from None
    bic = bic.replace(" ", "").upper()
    if bic and len(bic) not in (8, 11):
        raise ValueError(f"{bic!r} is not a BIC (8 or 11 characters)")
    money = ""
    if amount is not None and amount > 0:
        amount = cents(amount)
        if amount > MAX_AMOUNT:
            raise ValueError(f"{amount} is above the EPC QR maximum {MAX_AMOUNT}")
        money = f"EUR{amount:.2f}"
    structured, unstructured = "", " ".join(text.split())
    if reference:
        rf = refs.parse_rf(reference)
        ogm = refs.parse_ogm(reference)
        if rf:
            structured, unstructured = rf, ""
        elif ogm:
            unstructured = refs.format_ogm(ogm)
        else:
            unstructured = " ".join(reference.split())
    if len(unstructured) > 140:
        raise ValueError("the remittance text is longer than 140 characters")
    lines = [
        "BCD", "002", "1", "SCT", bic, name, account, money, "", structured, unstructured,
        " ".join(info.split())[:70],
    ]
    payload = "\n".join(lines).rstrip("\n")
    if len(payload.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"the EPC payload is longer than {MAX_BYTES} bytes")
    return payload


@functools.lru_cache(maxsize=64)  # the creditor's, in every letter of a run
def _check_iban(account: str) -> None:
    # The ISO 13616 check only: some published example IBANs fail the national one.
    iban_check.validate(account, check_country=False)


def epc_code(payload: str) -> segno.QRCode:
    """The QR code of a payload: byte mode UTF-8, error correction M, never boosted, mask
    `MASK`."""
    code = _fast_code(payload)
    if code is None:
        code = segno.make_qr(payload, error="m", boost_error=False, encoding="utf-8", mask=MASK)
    if code.version > MAX_VERSION:  # pragma: no cover - 331 bytes always fit version 13
        raise ValueError("the EPC payload needs a QR version above 13")
    return code


# -- encoding, faster -------------------------------------------------------------------------
#
# Why our own encoder, measured (benchmarks/qr.py, 2026-12-03, this 2-core machine): 10,000
# EPC symbols take 1.0 s here and 28.2 s with segno even with the mask fixed (28x; 157 s when
# segno chooses the mask); `advance` on 10,000 debtors took 114 s with ours and 139 s with
# segno's: segno would be 18 % of the whole run, 25 s more, as much as the whole run is
# meant to take (issue #14). Kept, and checked against segno's
# own matrix for every payload length (tests/money/test_qr.py).
#
# segno encodes module by module in Python, and was a fifth of a letter's rendering time.
# For what letters ask (an EPC payload: byte mode, level M, mask MASK, version <= 13) the
# symbol is built here from segno's own tables and pattern functions, once per version
# for everything but the data, and the data bits are placed through a precomputed index:
# the very matrix segno makes (tests compare every length up to the EPC maximum), as a
# segno QRCode. Anything else goes to segno.

_FAST_VERSIONS = range(1, MAX_VERSION + 1)


class _Template:
    """What every symbol of one version (level M, mask MASK) shares."""

    def __init__(self, version: int) -> None:
        from segno import consts, encoder

        self.version = version
        width = encoder.calc_matrix_size(version)
        self.width = width
        matrix = encoder.make_matrix(width, width)
        encoder.add_finder_patterns(matrix, width, width)
        encoder.add_alignment_patterns(matrix, width, width)
        # Data modules in placement order (ISO 18004 7.7.3, as segno's add_codewords walks).
        order: list[int] = []
        for right in range(width - 1, 0, -2):
            if right <= 6:
                right -= 1
            for vertical in range(width):
                for z in range(2):
                    j = right - z
                    upwards = (right & 2) == 0
                    upwards ^= j < 6
                    i = (width - 1 - vertical) if upwards else vertical
                    if matrix[i][j] == 0x2:
                        order.append(i * width + j)
        for flat in order:
            matrix[flat // width][flat % width] = 0
        encoder.add_format_info(matrix, version, consts.ERROR_LEVEL_M, MASK)
        encoder.add_version_info(matrix, version)
        base = b"".join(bytes(row) for row in matrix)
        self.bits = len(order)
        # Where each module's value comes from: the template, or the n-th data bit.
        at = {flat: n for n, flat in enumerate(order)}
        self.take = operator.itemgetter(*(len(base) + at[k] if k in at else k for k in range(len(base))))
        self.base = base
        mask = encoder.get_data_mask_functions(False)[MASK]
        self.mask = int("".join("1" if mask(flat // width, flat % width) else "0" for flat in order), 2)
        self.blocks = [(ec.num_data, ec.num_total - ec.num_data)
                       for ec in consts.ECC[version][consts.ERROR_LEVEL_M] for _ in range(ec.num_blocks)]
        self.capacity = consts.SYMBOL_CAPACITY[version][consts.ERROR_LEVEL_M]
        self.count_bits = consts.CHAR_COUNT_INDICATOR_LENGTH[consts.MODE_BYTE][encoder.version_range(version)]
        self.remainder = 7 if version in (2, 3, 4, 5, 6) else 0
        self.ec_tables = {ec: _ec_table(ec) for _, ec in self.blocks}


@functools.lru_cache(maxsize=None)
def _template(version: int) -> _Template:
    return _Template(version)


@functools.lru_cache(maxsize=None)
def _ec_table(ec: int) -> tuple[int, ...]:
    """For each leading coefficient, the generator polynomial times it (as one integer of
    `ec` bytes): Reed-Solomon division a byte at a time, as segno's make_blocks computes it."""
    from segno import consts

    gen, exp, log = consts.GEN_POLY[ec], consts.GALIOS_EXP, consts.GALIOS_LOG
    table = [0]
    for coef in range(1, 256):
        table.append(int.from_bytes(bytes(exp[log[coef] + g] for g in gen), "big"))
    return tuple(table)


def _ec_bytes(block: bytes, ec: int, table: tuple[int, ...]) -> bytes:
    shift, keep, remainder = 8 * (ec - 1), (1 << (8 * ec)) - 1, 0
    for byte in block:
        remainder = ((remainder << 8) & keep) ^ table[byte ^ (remainder >> shift)]
    return remainder.to_bytes(ec, "big")


_BITS = bytes.maketrans(b"01", b"\x00\x01")


def _fast_code(payload: str) -> segno.QRCode | None:
    from segno import consts, encoder

    data = payload.encode("utf-8")
    if b"\n" not in data:  # then segno might choose another mode than bytes
        return None
    try:
        template = next(t for t in map(_template, _FAST_VERSIONS)
                        if t.capacity >= 4 + t.count_bits + 8 * len(data))
    except StopIteration:
        return None
    # The bit stream as segno writes it: mode, count, data, terminator, padding to a whole
    # byte (a whole zero byte when already whole), then pad codewords.
    length = 4 + template.count_bits + 8 * len(data)
    stream = (0b0100 << template.count_bits | len(data)) << (8 * len(data)) | int.from_bytes(data, "big")
    terminator = min(template.capacity - length, 4)
    padding = 8 - (length + terminator) % 8
    stream <<= terminator + padding
    length += terminator + padding
    codewords = stream.to_bytes(length // 8, "big")
    pads = template.capacity // 8 - length // 8
    codewords += (b"\xec\x11" * (pads // 2 + 1))[:max(pads, 0)]
    blocks, ecs, start = [], [], 0
    for size, ec in template.blocks:
        block = codewords[start : start + size]
        start += size
        blocks.append(block)
        ecs.append(_ec_bytes(block, ec, template.ec_tables[ec]))
    final = bytes(b for group in itertools.zip_longest(*blocks) for b in group if b is not None)
    final += bytes(b for group in itertools.zip_longest(*ecs) for b in group if b is not None)
    bits = 8 * len(final) + template.remainder
    if bits != template.bits:  # pragma: no cover - guards against a table we misread
        return None
    value = (int.from_bytes(final, "big") << template.remainder) ^ template.mask
    modules = format(value, f"0{bits}b").encode("ascii").translate(_BITS)
    flat = bytes(template.take(template.base + modules))
    width = template.width
    matrix = tuple(bytearray(flat[r * width : (r + 1) * width]) for r in range(width))
    segments = (types.SimpleNamespace(mode=consts.MODE_BYTE),)
    return segno.QRCode(encoder.Code(matrix, template.version, consts.ERROR_LEVEL_M, MASK, segments))


def epc_svg(
    payload: str | segno.QRCode, *, title: str = "EPC QR code: scan to pay", scale: int = 4
) -> str:
    """Inline SVG (no XML declaration) with a title and an ARIA label, on a white ground so
    it scans in dark mode too. `payload` may be the code `epc_code` already encoded, so a
    letter that also needs the PNG encodes once."""
    code = payload if isinstance(payload, segno.QRCode) else epc_code(payload)
    svg = _svg_inline(code, scale=scale, title=title)
    label = html.escape(title, quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def epc_png(code: segno.QRCode, *, scale: int = 4) -> bytes:
    """The PNG of a code, black on white: the very bytes of segno's
    `code.save(out, kind="png", scale=scale)`, made a row at a time instead of a pixel at a
    time (segno's writer took longer than encoding the symbol; tests compare the two)."""
    border = code.default_border_size
    matrix = code.matrix
    width = (len(matrix[0]) + 2 * border) * scale
    height = (len(matrix) + 2 * border) * scale
    row_bytes = (width + 7) // 8
    pad = "0" * (row_bytes * 8 - width)
    # Pixels are palette indexes of a 1-bit greyscale image: white (light) 1, black (dark) 0;
    # a row is padded with 0 bits to whole bytes, like segno's `zip_longest(fillvalue=0)`.
    edge = "1" * (border * scale)
    pixels = {0: "1" * scale, 1: "0" * scale}
    blank = b"\0" + int("1" * width + pad, 2).to_bytes(row_bytes, "big")
    same_as_above = (b"\2" + bytes(row_bytes)) * (scale - 1)  # PNG filter "Up", all zero
    idat = bytearray(blank * (border * scale))
    if scale == 4 and len(pad) in (0, 4):  # a module is a hex digit: f light, 0 dark
        edge_hex, pad_hex = "f" * border, "0" * (len(pad) // 4)
        for row in matrix:
            idat += b"\0" + bytes.fromhex(
                edge_hex + bytes(row).translate(_HEX_PIXELS).decode("ascii") + edge_hex + pad_hex)
            idat += same_as_above
    else:
        for row in matrix:
            bits = edge + bytes(row).decode("latin-1").translate(pixels) + edge + pad
            idat += b"\0" + int(bits, 2).to_bytes(row_bytes, "big")
            idat += same_as_above
    idat += blank * (border * scale)

    def chunk(name: bytes, data: bytes) -> bytes:
        head = name + data
        return struct.pack(">I", len(data)) + head + struct.pack(">I", zlib.crc32(head))

    return b"".join((
        b"\211PNG\r\n\032\n",
        chunk(b"IHDR", struct.pack(">2I5B", width, height, 1, 0, 0, 0, 0)),
        chunk(b"IDAT", zlib.compress(bytes(idat), 9)),
        chunk(b"IEND", b""),
    ))


_HEX_PIXELS = bytes.maketrans(b"\x00\x01", b"f0")
_LIGHT_DARK = re.compile(b"\x00*\x01+")


class _Moves(dict):
    """`m<light> 0h<dark>` for a run of light then dark modules, made once."""

    def __missing__(self, chunk: bytes) -> str:
        dark = chunk.count(1)
        made = self[chunk] = f"m{len(chunk) - dark} 0h{dark}"
        return made


_MOVES = _Moves()


def _svg_inline(code: segno.QRCode, *, scale: int, title: str) -> str:
    """segno's `code.svg_inline(scale=scale, title=title, svgclass="epc-qr", lineclass=None,
    light="#fff", dark="#000")`, byte for byte, with the dark runs found by a regular
    expression instead of a loop over every module (tests compare the two)."""
    border = code.default_border_size
    matrix = code.matrix
    size_x, size_y = len(matrix[0]) + 2 * border, len(matrix) + 2 * border
    moves: list[str] = []
    last_x, last_row = 0, -1
    for number, row in enumerate(matrix):
        # A row's dark runs, each with the light run before it: after the first, each
        # is a relative move `m<light> 0h<dark>`, the same few in every symbol.
        chunks = _LIGHT_DARK.findall(bytes(row))
        if number == 0 and row and not row[0]:
            start = end = 0  # segno draws an empty line when the symbol starts light
            rest = chunks
        elif not chunks:
            continue
        else:
            end = len(chunks[0])
            start = end - chunks[0].count(1)
            rest = chunks[1:]
        # The first move is absolute (M, y in the middle of the row: 4.5), the others relative.
        dy = f"{border + 0.5 + number}" if last_row < 0 else f"{number - last_row}"
        moves.append(f"{'m' if moves else 'M'}{border + start - last_x} {dy}h{end - start}")
        moves.extend(map(_MOVES.__getitem__, rest))
        last_x, last_row = border + end + sum(map(len, rest)), number
    dark = f'<path stroke="#000" d="{"".join(moves)}"/>'
    light = f'<path fill="#fff" d="M0 0h{size_x}v{size_y}h-{size_x}z"/>'
    paths = "".join(sorted((dark, light), key=len))
    if scale != 1:
        paths = f'<g transform="scale({scale})">{paths}</g>'
    return (
        f'<svg width="{size_x * scale}" height="{size_y * scale}" class="epc-qr">'
        f"<title>{xml_escape(title)}</title>{paths}</svg>"
    )
