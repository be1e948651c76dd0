"""EPC QR codes (casebook.money.qr), decoded by a real decoder (zbar's zbarimg)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
import segno

from casebook.money.qr import MASK, epc_code, epc_payload, epc_svg

D = Decimal
IBAN = "BE68 5390 0754 7034"


def zbarimg() -> str:
    path = shutil.which("zbarimg")
    if path is None:
        reason = "zbarimg not installed (Debian package zbar-tools)"
        if os.environ.get("CASEBOOK_REQUIRE_TOOLS") == "1":
            pytest.fail(reason + " and CASEBOOK_REQUIRE_TOOLS=1")
        pytest.skip(reason)
    return path


def decode(payload: str, tmp_path) -> bytes:
    png = tmp_path / "qr.png"
    epc_code(payload).save(str(png), scale=4)
    done = subprocess.run(
        [zbarimg(), "--raw", "-q", "-Sbinary", str(png)], capture_output=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_domain_example_payload_exactly():
    payload = epc_payload(name="Voorbeeld BV", iban=IBAN, amount=D("1234.56"),
                          text="Factuur 2026-0042")
    assert payload == "BCD\n002\n1\nSCT\n\nVoorbeeld BV\nBE68539007547034\nEUR1234.56\n\n\nFactuur 2026-0042"
    assert len(payload.encode()) == 75
    rf = epc_payload(name="Voorbeeld BV", iban=IBAN, amount=D("1234.56"),
                     reference="RF18 5390 0754 7034")
    assert rf.split("\n")[9] == "RF18539007547034" and len(rf.encode()) == 73


def test_ogm_goes_in_the_unstructured_line_with_plus_signs():
    lines = epc_payload(name="Us", iban=IBAN, amount=D("10"), reference="123456789002",
                        text="ignored").split("\n")
    assert lines[9] == "" and lines[10] == "+++123/4567/89002+++"


def test_payload_rules():
    lines = epc_payload(name="  A " + "x" * 100, iban=IBAN.lower(), amount=D("20"),
                        bic="gkcc be bb").split("\n")
    assert lines[4] == "GKCCBEBB" and len(lines[5]) == 70 and lines[6] == "BE68539007547034"
    assert lines[7] == "EUR20.00"
    assert epc_payload(name="Us", iban=IBAN, amount=D("20.005")).split("\n")[7] == "EUR20.01"
    assert epc_payload(name="Us", iban=IBAN, amount=None).split("\n") == [
        "BCD", "002", "1", "SCT", "", "Us", "BE68539007547034"]
    for bad in (dict(iban="BE00 0000"), dict(name=" "), dict(bic="ABC"),
                dict(amount=D("1000000000")), dict(text="x" * 141)):
        with pytest.raises(ValueError):
            epc_payload(**{"name": "Us", "iban": IBAN, "amount": D("1"), **bad})


def test_error_correction_is_m_and_fixed():
    code = epc_code(epc_payload(name="Us", iban=IBAN, amount=D("1")))
    assert code.error == "M" and code.version <= 13 and not code.is_micro


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(name="Voorbeeld BV", amount=D("1234.56"), reference="+++123/4567/89002+++"),
        dict(name="Boulangerie Émile & Fils — Liège", amount=D("0.01"), bic="GEBABEBB",
             reference="RF18539007547034", info="Merci"),
        dict(name="Bakkerij Müller", amount=D("999999999.99"), text="Factuur 2026-0042 en 0043"),
    ],
)
def test_zbarimg_decodes_the_payload_line_by_line(kwargs, tmp_path):
    payload = epc_payload(iban=IBAN, **kwargs)
    decoded = decode(payload, tmp_path).decode("utf-8")
    assert decoded.split("\n") == payload.split("\n")
    lines = decoded.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[5] == kwargs["name"] and lines[6] == "BE68539007547034"
    assert lines[7] == f"EUR{kwargs['amount']:.2f}"


def test_svg_is_inline_accessible_and_is_the_same_code():
    payload = epc_payload(name="Us", iban=IBAN, amount=D("12.30"), reference="123456789002")
    svg = epc_svg(payload, title="Scan <to> pay")
    assert svg.startswith('<svg role="img" aria-label="Scan &lt;to&gt; pay"')
    assert "<?xml" not in svg and "<title>Scan &lt;to&gt; pay</title>" in svg
    # Redraw the SVG path and compare it with the code that zbarimg decodes.
    path = re.search(r'<path stroke="#000" d="([^"]+)"', svg).group(1)
    dark, x, y = set(), 0.0, 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark |= {(int(x) + i, int(y)) for i in range(int(a))}
            x += float(a)
    code = epc_code(payload)
    border = 4
    expected = {
        (c + border, r + border)
        for r, row in enumerate(code.matrix) for c, v in enumerate(row) if v & 1
    }
    assert dark == expected


def test_the_mask_is_fixed_so_encoding_does_not_try_all_eight():
    # segno's automatic choice picks mask 2 for this payload; a fixed mask saves ~80 % of
    # the encoding time and every decoder reads any mask (zbarimg above).
    payload = epc_payload(name="Atelier Vanhove BV", iban="BE55 7370 4182 6544",
                          bic="KREDBEBB", amount=D("1234.56"), reference="+++010/8068/17183+++")
    assert segno.make_qr(payload, error="m", boost_error=False, encoding="utf-8").mask != MASK
    for amount in ("1234.56", "0.01", "77.70"):
        assert epc_code(payload.replace("1234.56", amount)).mask == MASK


def test_svg_of_an_encoded_code_is_the_svg_of_its_payload():
    payload = epc_payload(name="Us", iban=IBAN, amount=D("5"), reference="123456789002")
    assert epc_svg(epc_code(payload), title="t", scale=3) == epc_svg(payload, title="t", scale=3)
