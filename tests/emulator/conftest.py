"""One emulator process for the whole emulator suite, reached through the real `openai` SDK over HTTP."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openai import AsyncOpenAI, OpenAI
from PIL import Image

from tests.support.emulator import start_emulator

# A copy of shared/reference/openai-openapi-subset.json: OpenAI's published schemas (openai/openai-openapi, commit
# f85dbe2, MIT licence), kept here so the suite runs wherever the repository is checked out.
OPENAPI = Path(__file__).with_name("openai-openapi-subset.json")


@pytest.fixture(scope="session")
def emulator():
    running = start_emulator(latency=0)
    yield running
    running.stop()


@pytest.fixture
def client(emulator) -> OpenAI:
    # Retries stay on (the SDK's own), but short: the fault tests count on them.
    return OpenAI(base_url=emulator.base_url, api_key="sk-test", max_retries=2, timeout=20)


@pytest.fixture
def async_client(emulator) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=emulator.base_url, api_key="sk-test", max_retries=2, timeout=20)


def decode(b64: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(b64)))
    image.load()
    return image


def png_bytes(size: tuple[int, int], colour=(200, 80, 40), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


class Schemas:
    """OpenAI's published schemas, with `size` relaxed to any WIDTHxHEIGHT (the enum predates gpt-image-2)."""

    def __init__(self) -> None:
        document = json.loads(OPENAPI.read_text())
        self.components = relax_sizes(document["components"])

    def errors(self, name: str, instance: object) -> list[str]:
        validator = Draft202012Validator(
            {"$ref": f"#/components/schemas/{name}", "components": self.components}
        )
        return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(instance)]

    def check(self, name: str, instance: object) -> None:
        problems = self.errors(name, instance)
        assert not problems, f"{name} does not validate: {problems[:5]}"


def relax_sizes(node):
    if isinstance(node, dict):
        relaxed = {key: relax_sizes(value) for key, value in node.items()}
        size = relaxed.get("properties", {}).get("size")
        if isinstance(size, dict) and "enum" in size:
            relaxed["properties"]["size"] = {key: value for key, value in size.items() if key != "enum"} | {
                "pattern": r"^(\d+x\d+|auto)$"
            }
        return relaxed
    if isinstance(node, list):
        return [relax_sizes(item) for item in node]
    return node


@pytest.fixture(scope="session")
def schemas() -> Schemas:
    return Schemas()
