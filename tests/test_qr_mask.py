"""The fast mask choice gives exactly what segno gives: same mask, same modules."""

from __future__ import annotations

import random

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_qr import DEEP_LINK, pairing
from tui.qr import mask
from tui.qr.encode import encode


def segno_matrix(qr: segno.QRCode) -> tuple[tuple[bool, ...], ...]:
    return tuple(tuple(bool(v) for v in row) for row in qr.matrix)


def assert_same_as_segno(payload: str, **options) -> None:
    expected = segno.make_qr(payload, boost_error=False, **options)
    chosen, matrix = mask.choose(segno.make_qr(payload, boost_error=False, mask=0, **options))
    assert chosen == expected.mask
    assert matrix == segno_matrix(expected)


@pytest.mark.parametrize("version", range(1, 41))
def test_every_version(version: int) -> None:
    """Each version has its own alignment patterns, and version information from 7 on."""
    rng = random.Random(version)
    payload = "".join(rng.choice("abcXYZ019-/:") for _ in range(7))
    assert_same_as_segno(payload, version=version, error="LMQH"[version % 4])


@pytest.mark.parametrize("seed", range(12))
def test_pairing_strings_and_links(seed: int) -> None:
    assert_same_as_segno(pairing(seed=seed), error="L")
    assert_same_as_segno(f"{DEEP_LINK}{seed}", error="M")


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=300), st.sampled_from("LMQH"))
def test_any_text(payload: str, error: str) -> None:
    assert_same_as_segno(payload, error=error)


def test_encode_uses_it_and_still_decodes() -> None:
    from tests.qrcheck import decode_lines
    from tui.qr.render import render

    assert encode(pairing(seed=3)) == segno_matrix(segno.make_qr(pairing(seed=3), error="L", boost_error=False))
    assert decode_lines(render(encode(pairing(seed=3)), "half", 4).lines) == [pairing(seed=3)]


def test_needs_a_mask_0_qr_code() -> None:
    with pytest.raises(ValueError, match="mask=0"):
        mask.choose(segno.make_qr("hello", mask=3))
    with pytest.raises(ValueError, match="mask=0"):
        mask.choose(segno.make_micro("hi", mask=0))
