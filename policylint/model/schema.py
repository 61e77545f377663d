"""The JSON Schemas (Draft 2020-12) of the descriptor and of the configuration file, made from
their pydantic models.

A run reads the copies shipped in ``policylint/schemas/`` and never imports pydantic for them;
these functions make them from the models, for the tests that hold the copies to the models
and to rewrite the copies after a model changes:

    python -m policylint.model.schema
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from policylint.model.checker import CONFIG_SCHEMA, DESCRIPTOR_SCHEMA

SCHEMA_ID = "https://policylint.dev/schemas/descriptor.schema.json"


def descriptor_schema() -> dict[str, Any]:
    from policylint.model.descriptor import Descriptor

    schema = Descriptor.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def config_schema() -> dict[str, Any]:
    from pydantic import TypeAdapter

    from policylint.model.config import Settings

    schema: dict[str, Any] = TypeAdapter(Settings).json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_json(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def schemas_from_models() -> dict[Path, str]:
    """Each shipped schema file and the text its model gives today."""
    return {DESCRIPTOR_SCHEMA: schema_json(descriptor_schema()), CONFIG_SCHEMA: schema_json(config_schema())}


if __name__ == "__main__":
    for target, text in schemas_from_models().items():
        target.write_text(text, encoding="utf-8")
