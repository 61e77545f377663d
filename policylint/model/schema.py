"""The descriptor's JSON Schema (Draft 2020-12), for editors and for CI."""

from __future__ import annotations

import json
from typing import Any

SCHEMA_ID = "https://policylint.dev/schemas/descriptor.schema.json"


def descriptor_schema() -> dict[str, Any]:
    from policylint.model.descriptor import Descriptor

    schema = Descriptor.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def descriptor_schema_json() -> str:
    return json.dumps(descriptor_schema(), ensure_ascii=False, indent=2) + "\n"
