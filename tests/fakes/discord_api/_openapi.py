"""Request bodies checked against Discord's official OpenAPI spec, answered as Discord does.

``discord-openapi.json.gz`` (beside this file) is Discord's published OpenAPI 3.1 description of
API v10. Every request the fake receives is matched to the spec's path template and method, and
its body (for ``multipart/form-data``: the parsed ``payload_json`` plus one string per file part)
is validated with ``jsonschema`` (draft 2020-12, ``$ref`` resolved by ``referencing``) against that
operation's ``requestBody`` schema for the request's content type. A body that breaks the schema
gets 400 50035 "Invalid Form Body" with Discord's nested ``errors`` tree, e.g.
``{"data": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", ...}]}}}``.

The spec is loaded and each validator built once per process (:func:`functools.cache`).

Where the spec is stricter than the live API, the schema is patched narrowly in
:func:`_load_spec`; each patch says why.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.fakes.discord_api._rules import API_PREFIX, FormErrors

SPEC_PATH: Final = Path(__file__).with_name("discord-openapi.json.gz")
_SPEC_URI: Final = "urn:discord:openapi"
_METHODS: Final = ("get", "put", "post", "patch", "delete")
_BODY_TYPES: Final = ("application/json", "multipart/form-data")
_PARAM = re.compile(r"\{[^/}]+\}")
#: Validators whose failure at ``<union>.type`` means "this branch is for another tag".
_TAG_CHECKS: Final = ("enum", "const", "allOf", "oneOf", "anyOf")


@functools.cache
def _load_spec() -> dict[str, Any]:
    spec = json.loads(gzip.decompress(SPEC_PATH.read_bytes()))
    schemas = spec["components"]["schemas"]
    # Snowflakes are strings in the spec, but the live API takes integers too, and discord.py
    # sends some as integers (``allowed_mentions.users``/``roles``, ``attachments[].id``, which
    # is the index of the file part, and command ``guild_id``s). A negative one is still refused.
    schemas["SnowflakeType"] = {
        "anyOf": [copy.deepcopy(schemas["SnowflakeType"]), {"type": "integer", "minimum": 0}],
        "format": "snowflake",
    }
    # The number of attachments is the fake's own rule (``max_attachments``, answered with the
    # documented 30015 or a form error, see ``too_many_attachments_code``): the schema's
    # ``maxItems: 10`` would pre-empt that knob with one fixed answer.
    for schema in schemas.values():
        attachments = schema.get("properties", {}).get("attachments")
        if isinstance(attachments, dict):
            attachments.pop("maxItems", None)
    return spec


@functools.cache
def _registry() -> Registry:
    resource = Resource.from_contents(_load_spec(), default_specification=DRAFT202012)
    return Registry().with_resource(_SPEC_URI, resource)


@functools.cache
def _routes() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    """Return ``(regex, template, method)`` for every operation that takes a body.

    Literal templates sort first, so ``/messages/@original`` wins over ``/messages/{message_id}``.
    """
    found = []
    for template, item in _load_spec()["paths"].items():
        pattern = re.compile("^" + "[^/]+".join(re.escape(part) for part in _PARAM.split(template)) + "$")
        for method in _METHODS:
            if "requestBody" in item.get(method, {}):
                found.append((template.count("{"), pattern, template, method.upper()))
    found.sort(key=lambda entry: entry[0])
    return tuple((pattern, template, method) for _, pattern, template, method in found)


def operation_for(method: str, path: str) -> str | None:
    """Return the spec's path template for ``method path`` (path after ``/api/v10``), if it has a body."""
    path = path.removeprefix(API_PREFIX)
    for pattern, template, route_method in _routes():
        if route_method == method and pattern.match(path):
            return template
    return None


def _pointer(*parts: str) -> str:
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@functools.cache
def validator_for(template: str, method: str, content_type: str) -> Draft202012Validator | None:
    """Return the (cached) validator of an operation's request body, or ``None`` if it has none."""
    body = _load_spec()["paths"][template][method.lower()].get("requestBody")
    if body is None or content_type not in body["content"]:
        return None
    pointer = _pointer("paths", template, method.lower(), "requestBody", "content", content_type, "schema")
    return Draft202012Validator({"$ref": f"{_SPEC_URI}#{pointer}"}, registry=_registry())


def _content_type(raw: str) -> str | None:
    if raw.startswith("multipart/"):
        return "multipart/form-data"
    if raw in ("", "application/json"):
        return "application/json"
    return None


def stricter_schema(method: str, template: str, schema: Mapping[str, Any]) -> Draft202012Validator:
    """Return a validator for an extra rule on one operation's body (see ``tighten_schema``).

    Raises:
        KeyError: ``method template`` is not an operation of the spec that takes a body.
        jsonschema.SchemaError: ``schema`` is not a valid JSON Schema.
    """
    if operation_for(method, template) != template:
        raise KeyError(f"{method} {template} is not an operation of the spec that takes a body")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(dict(schema))


def validate_request(
    method: str,
    path: str,
    content_type: str,
    body: Any,
    file_fields: Sequence[str] = (),
    stricter: Mapping[tuple[str, str], Draft202012Validator] | None = None,
) -> FormErrors:
    """Return the schema errors of one request (empty when it passes or the spec has no schema).

    Args:
        method: HTTP method.
        path: Request path, with or without ``/api/v10``.
        content_type: The request's media type (``request.content_type``).
        body: The JSON body, or the parsed ``payload_json`` of a multipart request (``None``: none).
        file_fields: Names of a multipart request's file parts (``files[0]``…).
        stricter: Extra validators by ``(method, template)``, checked after the spec's.
    """
    errors = FormErrors()
    template = operation_for(method, path)
    kind = _content_type(content_type)
    if template is None or kind is None:
        return errors
    if body is None and not file_fields:
        body_spec = _load_spec()["paths"][template][method.lower()]["requestBody"]
        if body_spec.get("required") and method != "PATCH":
            errors.add((), "BASE_TYPE_REQUIRED", "This field is required")
        return errors
    validator = validator_for(template, method, kind)
    if validator is None:
        return errors
    instance = body
    if kind == "multipart/form-data" and isinstance(body, dict | type(None)):
        # Each file part is a form field of the same request (files[n], binary) next to payload_json.
        instance = {**(body or {}), **dict.fromkeys(file_fields, "<binary>")}
    extra = (stricter or {}).get((method, template))
    found = [*validator.iter_errors(instance), *(extra.iter_errors(instance) if extra else ())]
    for error in found:
        for leaf in _leaves(error):
            for where, code, message in _describe(leaf):
                errors.add(where, code, message)
    return errors


# -- from jsonschema errors to Discord's ------------------------------------------------------


def _leaves(error: ValidationError) -> list[ValidationError]:
    """Reduce an ``anyOf``/``oneOf`` failure to the errors of the branch the body meant.

    Discord's unions are tagged by a ``type`` field (callbacks, components) or by JSON type
    (``null`` or an object): a branch whose tag or JSON type does not fit is dropped, and the
    remaining branch with the fewest errors is the one reported.
    """
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches: dict[int, list[ValidationError]] = defaultdict(list)
    for sub in error.context:
        branches[int(sub.relative_schema_path[0])].append(sub)
    here = list(error.absolute_path)
    tag = [*here, "type"]
    fitting = [
        subs
        for subs in branches.values()
        if not any(
            (list(sub.absolute_path) == here and sub.validator == "type")
            or (list(sub.absolute_path) == tag and sub.validator in _TAG_CHECKS)
            for sub in subs
        )
    ]
    if not fitting:
        if isinstance(error.instance, dict) and "type" in error.instance:
            # No branch takes this tag: report it with every tag the union accepts.
            tags = sorted(
                {
                    value
                    for sub in error.context
                    if list(sub.absolute_path) == tag and sub.validator == "enum"
                    for value in sub.validator_value
                }
            )
            value = error.instance["type"]
            kind, check = ("integer", "type") if not isinstance(value, int) else ("", "enum")
            bad = ValidationError(
                "no union branch takes this type",
                validator=check,
                validator_value=kind or tags,
                path=tag,
                instance=value,
            )
            return [bad]
        return [error]
    best = min(fitting, key=len)
    return [leaf for sub in best for leaf in _leaves(sub)]


def _length_rule(schema: dict[str, Any], low_key: str, high_key: str) -> tuple[str, str]:
    low, high = schema.get(low_key), schema.get(high_key)
    if low is not None and high is not None:
        return "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length."
    if high is not None:
        return "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length."
    return "BASE_TYPE_MIN_LENGTH", f"Must be {low} or more in length."


_TYPE_ERRORS: Final = {
    "integer": ("NUMBER_TYPE_COERCE", 'Value "{value}" is not int.'),
    "number": ("NUMBER_TYPE_COERCE", 'Value "{value}" is not a number.'),
    "string": ("STRING_TYPE_CONVERT", 'Could not interpret "{value}" as string.'),
    "boolean": ("BOOLEAN_TYPE_CONVERT", "Must be either true or false."),
    "object": ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"),
    "array": ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"),
}


def _expected_type(value: Any) -> str:
    kinds = [value] if isinstance(value, str) else [k for k in value if k != "null"]
    return kinds[0] if kinds else "null"


def _describe(error: ValidationError) -> Iterable[tuple[tuple[str | int, ...], str, str]]:
    """Yield ``(path, code, message)`` in Discord's words for one leaf validation error."""
    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    match error.validator:
        case "required":
            instance = error.instance if isinstance(error.instance, dict) else {}
            for name in error.validator_value:
                if name not in instance:
                    yield (*path, name), "BASE_TYPE_REQUIRED", "This field is required"
        case "maxLength" | "minLength":
            yield (path, *_length_rule(schema, "minLength", "maxLength"))
        case "maxItems" | "minItems":
            yield (path, *_length_rule(schema, "minItems", "maxItems"))
        case "type":
            code, message = _TYPE_ERRORS.get(
                _expected_type(error.validator_value), ("BASE_TYPE_INVALID", "Invalid value.")
            )
            yield path, code, message.format(value=error.instance)
        case "enum" | "const":
            choices = error.validator_value if error.validator == "enum" else [error.validator_value]
            shown = ", ".join(str(c) for c in choices) if isinstance(choices, list) else "…"
            yield path, "BASE_TYPE_CHOICES", f"Value must be one of {{{shown}}}."
        case "minimum":
            bound = error.validator_value
            yield path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {bound}."
        case "maximum":
            bound = error.validator_value
            yield path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {bound}."
        case "pattern" if schema.get("format") == "snowflake":
            yield path, "NUMBER_TYPE_COERCE", f'Value "{error.instance}" is not snowflake.'
        case "pattern":
            yield path, "STRING_TYPE_REGEX", "String value did not match validation regex."
        case "uniqueItems":
            yield path, "SET_TYPE_ALREADY_CONTAINS_VALUE", "The set already contains this value."
        case "anyOf" | "oneOf" if schema.get("format") == "snowflake":
            yield path, "NUMBER_TYPE_COERCE", f'Value "{error.instance}" is not snowflake.'
        case _:
            yield path, "BASE_TYPE_INVALID", f"Invalid value ({error.validator})."
