"""A prompt that asks for the subject on a flat key colour gets one: the key fills the edges, the subject
sits in the middle, clear of them (what Atelier's transparent-background generations key out)."""

from __future__ import annotations

import numpy as np

from .conftest import decode

ASK = "A red mug. Show the subject alone on a flat, evenly lit, solid pure magenta background of exactly #FF00FF."


def test_it_paints_the_asked_key_around_a_subject_in_the_middle(client):
    result = client.images.generate(model="gpt-image-2", prompt=ASK, size="1024x1024", output_format="png")
    pixels = np.asarray(decode(result.data[0].b64_json).convert("RGB")).astype(int)
    edges = np.concatenate(
        [pixels[:8].reshape(-1, 3), pixels[-8:].reshape(-1, 3), pixels[:, :8].reshape(-1, 3)]
    )
    assert (np.abs(edges - [255, 0, 255]).max(axis=1) <= 30).all()  # near the key, as a model paints it
    assert np.abs(pixels[512, 700] - [214, 48, 49]).max() <= 2  # the prompt's red, far from magenta


def test_without_the_request_the_design_is_as_before(client):
    result = client.images.generate(model="gpt-image-2", prompt="A red mug", size="1024x1024")
    pixels = np.asarray(decode(result.data[0].b64_json).convert("RGB")).astype(int)
    assert not (np.abs(pixels[:8].reshape(-1, 3) - [255, 0, 255]).max(axis=1) <= 30).all()
