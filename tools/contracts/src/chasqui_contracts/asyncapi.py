"""The AsyncAPI 3.0 document of every Chasqui topic, generated from the topic and event catalogues.

One channel per topic (and per dead-letter topic), keyed by the topic name; one message per event
type with its CloudEvents headers (Kafka binary content mode) and its payload schema; one operation
per service and topic it sends to or receives from. `make catalogue` writes it to docs/asyncapi.yaml
and the test suite validates it with the official parser (`@asyncapi/parser`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from chasqui_common.envelope import (
    H_CAUSATION,
    H_CONTENT_TYPE,
    H_CORRELATION,
    H_DATASCHEMA,
    H_ID,
    H_SOURCE,
    H_SPECVERSION,
    H_SUBJECT,
    H_TIME,
    H_TRACEPARENT,
    H_TRACESTATE,
    H_TYPE,
    JSON_CONTENT_TYPE,
    SPEC_VERSION,
)
from chasqui_common.events import CATALOGUE, EventCatalogue, EventSpec
from chasqui_common.messaging import deadletter
from chasqui_common.topics import ARCO_TOPICS, AUDIT, DAY_MS, TOPICS, Topic

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
DOCUMENT_VERSION = "1.0.0"
SCHEMA_BASE = "https://chasqui.pe/schemas/"

# Who receives what (docs/architecture.md): service → the topics it consumes, and optionally the
# event types it handles there (None: every event of the topic; the rest it skips).
SUBSCRIPTIONS: Mapping[str, Mapping[str, Sequence[str] | None]] = {
    "eligibility": {"registry.households": None},
    "employment-matching": {"migrant-services.cases": ("pe.chasqui.migrants.referral.issued.v1",)},
    "notifications": {
        "registry.households": None,
        "eligibility.decisions": None,
        "employment-matching.job-seekers": None,
        "employment-matching.vacancies": None,
        "migrant-services.migrants": None,
        "migrant-services.cases": None,
    },
}

SERVERS: dict[str, dict[str, Any]] = {
    "local": {
        "host": "127.0.0.1:19092",
        "protocol": "kafka",
        "title": "Local stack",
        "description": "The single-node Kafka of `make up` (plaintext, no authentication; development only).",
        "tags": [{"name": "env:local"}],
    },
    "production": {
        "host": "kafka-external.chasqui.gob.pe:9094",
        "protocol": "kafka-secure",
        "title": "Production cluster (external listener)",
        "description": (
            "The Strimzi `external` listener (deploy/k8s/overlays/prod): TLS with client certificates. "
            "Every integrator has its own KafkaUser (mTLS) whose ACLs allow reading only the topics "
            "it is entitled to, in consumer groups prefixed with its name; see docs/integrators.md."
        ),
        "security": [{"$ref": "#/components/securitySchemes/kafkaMutualTls"}],
        "tags": [{"name": "env:production"}],
    },
}


def cloudevents_headers(spec: EventSpec | None = None) -> dict[str, Any]:
    """JSON Schema of the Kafka headers of a Chasqui CloudEvent (binary content mode)."""
    schema: dict[str, Any] = {
        "type": "object",
        "description": (
            "CloudEvents 1.0 context attributes as Kafka headers (binary content mode), UTF-8 text. "
            "The value of the message is the event data as UTF-8 JSON."
        ),
        "required": [H_SPECVERSION, H_ID, H_SOURCE, H_TYPE, H_TIME, H_CONTENT_TYPE],
        "properties": {
            H_SPECVERSION: {"type": "string", "const": SPEC_VERSION, "description": "CloudEvents version"},
            H_ID: {
                "type": "string",
                "format": "uuid",
                "description": "Unique event id: consumers deduplicate on it (delivery is at least once)",
            },
            H_SOURCE: {
                "type": "string",
                "pattern": "^/chasqui/[a-z-]+$",
                "description": "The service that produced the event, /chasqui/<service>",
            },
            H_TYPE: {
                "type": "string",
                "pattern": r"^pe\.chasqui\.[a-z_-]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$",
                "description": "Event type pe.chasqui.<service>.<aggregate>.<fact>.v<N>",
            },
            H_SUBJECT: {
                "type": "string",
                "description": "The aggregate id; equal to the Kafka key, so order holds per aggregate",
            },
            H_TIME: {"type": "string", "format": "date-time", "description": "When it happened (UTC)"},
            H_DATASCHEMA: {
                "type": "string",
                "format": "uri",
                "description": f"The JSON Schema of the data, {SCHEMA_BASE}<type>.json",
            },
            H_CONTENT_TYPE: {"type": "string", "const": JSON_CONTENT_TYPE},
            H_CORRELATION: {
                "type": "string",
                "description": "Extension: id of the first event of the chain this event belongs to",
            },
            H_CAUSATION: {
                "type": "string",
                "description": "Extension: id of the event whose handling recorded this one",
            },
            H_TRACEPARENT: {
                "type": "string",
                "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
                "description": "W3C trace context",
            },
            H_TRACESTATE: {"type": "string", "description": "W3C trace context (vendor state)"},
        },
    }
    if spec is not None:
        properties = schema["properties"]
        properties[H_TYPE] = {"type": "string", "const": spec.type, "description": "Event type"}
        properties[H_SOURCE] = {
            "type": "string",
            "const": f"/chasqui/{spec.type.split('.')[2]}",
            "description": "The service that produced the event",
        }
        properties[H_SUBJECT] = {
            "type": "string",
            "description": f"The aggregate id (payload field `{spec.subject_field}`); equal to the Kafka key",
        }
        properties[H_DATASCHEMA] = {"type": "string", "const": f"{SCHEMA_BASE}{spec.type}.json"}
        schema["required"] = [*schema["required"][:4], H_SUBJECT, *schema["required"][4:]]
    return schema


def dead_letter_headers() -> dict[str, Any]:
    """The original message's headers plus the `dlq_*` headers saying why and where it came from."""
    schema = cloudevents_headers()
    schema["description"] = (
        "The original message's headers (whatever they were: the message may not be a valid "
        "CloudEvent) plus the dead-letter headers."
    )
    schema["required"] = [
        deadletter.H_REASON,
        deadletter.H_DETAIL,
        deadletter.H_TOPIC,
        deadletter.H_PARTITION,
        deadletter.H_OFFSET,
        deadletter.H_CONSUMER,
        deadletter.H_ATTEMPTS,
        deadletter.H_FAILED_AT,
    ]
    schema["properties"].update(
        {
            deadletter.H_REASON: {
                "type": "string",
                "description": "Stable reason code, e.g. envelope.missing_header, body.not_json, "
                "type.unknown, payload.invalid, handler.failed, handler.retries_exhausted",
            },
            deadletter.H_DETAIL: {"type": "string", "description": "What exactly was wrong"},
            deadletter.H_TOPIC: {"type": "string", "description": "Topic the message was read from"},
            deadletter.H_PARTITION: {"type": "string", "pattern": "^[0-9]+$"},
            deadletter.H_OFFSET: {"type": "string", "pattern": "^[0-9]+$"},
            deadletter.H_CONSUMER: {"type": "string", "description": "Consumer group that gave up"},
            deadletter.H_ATTEMPTS: {"type": "string", "pattern": "^[0-9]+$"},
            deadletter.H_FAILED_AT: {"type": "string", "format": "date-time"},
        }
    )
    return schema


def _payload_schema(spec: EventSpec, shared: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The event's JSON Schema with its `$defs` hoisted into components/schemas (per service)."""
    schema = copy.deepcopy(spec.json_schema())
    definitions: dict[str, Any] = schema.pop("$defs", {})
    service = spec.type.split(".")[2]
    names: dict[str, str] = {}
    for name in definitions:
        names[name] = f"{service}.{name}"
    rewritten = {names[name]: _rewrite_refs(body, names) for name, body in definitions.items()}
    for key, body in rewritten.items():
        if key in shared and shared[key] != body:
            # Two models of one service share a name but differ: keep them apart by event type.
            names = {name: f"{spec.type}.{name}" for name in definitions}
            rewritten = {names[name]: _rewrite_refs(body, names) for name, body in definitions.items()}
            break
    shared.update(rewritten)
    schema.pop("$id", None)
    schema["externalDocs"] = {
        "description": "JSON Schema of this event",
        "url": f"{SCHEMA_BASE}{spec.type}.json",
    }
    result: dict[str, Any] = _rewrite_refs(schema, names)
    return result


def _rewrite_refs(node: Any, names: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = f"#/components/schemas/{names[value.removeprefix('#/$defs/')]}"
            else:
                out[key] = _rewrite_refs(value, names)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, names) for item in node]
    return node


def _topic_bindings(topic: Topic) -> dict[str, Any]:
    return {
        "kafka": {
            "topic": topic.name,
            "partitions": topic.partitions,
            "topicConfiguration": {
                "cleanup.policy": ["delete"],
                "retention.ms": topic.retention_ms,
            },
            "bindingVersion": KAFKA_BINDING_VERSION,
        }
    }


def _channel_description(topic: Topic) -> str:
    days = topic.retention_ms // DAY_MS
    personal = (
        "Holds personal data (Ley 29733): read only with an entitlement for this topic."
        if topic.personal_data
        else "Holds no personal data."
    )
    return (
        f"{topic.description}. Owner: {topic.owner}. Key: {topic.key} (the CloudEvents subject), "
        f"so order holds per key. {topic.partitions} partition(s), kept {days} days. {personal}"
    )


def build(
    catalogue: EventCatalogue = CATALOGUE, topics: Sequence[Topic] = (*TOPICS, *ARCO_TOPICS, AUDIT)
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document as a plain dict (ready for YAML or JSON)."""
    schemas: dict[str, dict[str, Any]] = {}
    shared: dict[str, dict[str, Any]] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    specs_by_topic: dict[str, list[EventSpec]] = {topic.name: [] for topic in topics}
    for spec in catalogue:
        specs_by_topic.setdefault(spec.topic.name, []).append(spec)
        schemas[spec.type] = _payload_schema(spec, shared)
        messages[spec.type] = {
            "name": spec.type,
            "title": spec.model.__name__,
            "summary": spec.description,
            "contentType": JSON_CONTENT_TYPE,
            "headers": cloudevents_headers(spec),
            "payload": {"$ref": f"#/components/schemas/{spec.type}"},
            "correlationId": {"$ref": "#/components/correlationIds/correlation"},
            "bindings": {
                "kafka": {
                    "key": {
                        "type": "string",
                        "description": f"The {spec.topic.key} (payload field `{spec.subject_field}`)",
                    },
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
            "tags": [{"name": f"service:{spec.type.split('.')[2]}"}, {"name": f"v{spec.version}"}],
        }
    messages["DeadLetter"] = {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A message a consumer could not process: the original key and value, untouched, "
        "with the original headers and the reason in dlq_* headers.",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"description": "The original message value, as it was (possibly not JSON)"},
    }
    schemas.update(shared)
    schemas["CloudEventHeaders"] = cloudevents_headers()
    schemas["DeadLetterHeaders"] = dead_letter_headers()

    for topic in topics:
        specs = specs_by_topic.get(topic.name, [])
        channels[topic.name] = {
            "address": topic.name,
            "title": topic.name,
            "description": _channel_description(topic),
            "messages": {spec.type: {"$ref": f"#/components/messages/{spec.type}"} for spec in specs},
            "bindings": _topic_bindings(topic),
            "tags": [{"name": f"owner:{topic.owner}"}]
            + ([{"name": "personal-data"}] if topic.personal_data else []),
        }
        dlq = topic.dlq
        if topic.dead_letters:  # chasqui.arco-answers is read by the CLI only: no dead letters
            channels[dlq.name] = {
                "address": dlq.name,
                "title": dlq.name,
                "description": _channel_description(dlq)
                + " Read by operators (`chasqui dlq`), not by integrators.",
                "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
                "bindings": _topic_bindings(dlq),
                "tags": [{"name": f"owner:{topic.owner}"}, {"name": "dead-letters"}],
            }
        if specs:
            operations[f"{topic.owner}.send.{topic.name}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{topic.name}"},
                "title": f"{topic.owner} publishes to {topic.name}",
                "summary": f"The {topic.owner} service publishes these events through its "
                "transactional outbox, keyed by aggregate, at least once.",
                "messages": [{"$ref": f"#/channels/{topic.name}/messages/{spec.type}"} for spec in specs],
                "tags": [{"name": f"service:{topic.owner}"}],
            }

    # Copies on least-privilege topics (a program's own decisions): read by integrators only, so
    # no Chasqui consumer and no dead-letter twin.
    for spec in catalogue:
        for copy_topic in spec.copy_topics:
            channels[copy_topic.name] = {
                "address": copy_topic.name,
                "title": copy_topic.name,
                "description": _channel_description(copy_topic)
                + f" A copy of each {spec.type} event of `{spec.topic.name}` for this topic (its own ce_id).",
                "messages": {spec.type: {"$ref": f"#/components/messages/{spec.type}"}},
                "bindings": _topic_bindings(copy_topic),
                "tags": [{"name": f"owner:{copy_topic.owner}"}, {"name": "integrators"}]
                + ([{"name": "personal-data"}] if copy_topic.personal_data else []),
            }
            operations[f"{copy_topic.owner}.send.{copy_topic.name}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{copy_topic.name}"},
                "title": f"{copy_topic.owner} publishes to {copy_topic.name}",
                "summary": f"The {copy_topic.owner} service publishes these events through its "
                "transactional outbox, keyed by aggregate, at least once.",
                "messages": [{"$ref": f"#/channels/{copy_topic.name}/messages/{spec.type}"}],
                "tags": [{"name": f"service:{copy_topic.owner}"}],
            }

    by_name = {topic.name: topic for topic in topics}
    for service, subscribed in SUBSCRIPTIONS.items():
        for topic_name, wanted in subscribed.items():
            subscribed_topic = by_name.get(topic_name)
            if subscribed_topic is None:
                continue
            specs = [
                spec for spec in specs_by_topic.get(topic_name, []) if wanted is None or spec.type in wanted
            ]
            if not specs:
                continue
            operations[f"{service}.receive.{topic_name}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{topic_name}"},
                "title": f"{service} consumes {topic_name}",
                "summary": f"Consumer group `{service}`: applies each event at most once (inbox by "
                "ce_id); what it cannot process goes to the dead-letter topic.",
                "messages": [{"$ref": f"#/channels/{topic_name}/messages/{spec.type}"} for spec in specs],
                "tags": [{"name": f"service:{service}"}],
            }
            operations[f"{service}.deadletter.{topic_name}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{subscribed_topic.dlq.name}"},
                "title": f"{service} dead-letters what it cannot process from {topic_name}",
                "messages": [{"$ref": f"#/channels/{subscribed_topic.dlq.name}/messages/DeadLetter"}],
                "tags": [{"name": f"service:{service}"}],
            }

    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:pe:chasqui:events",
        "info": {
            "title": "Chasqui events",
            "version": DOCUMENT_VERSION,
            "description": (
                "Domain events of Chasqui, the event-driven platform for social protection and public "
                "services in Peru. Every message is a CloudEvents 1.0 event in Kafka binary content "
                "mode: `ce_*` headers, the data as UTF-8 JSON in the value, the aggregate id as key. "
                "Delivery is at least once (deduplicate on `ce_id`); order holds per key. A breaking "
                "change is a new event type `.v<N+1>`, published alongside the old one. Generated "
                "from `libs/common` by `make catalogue`; see docs/integrators.md."
            ),
            "contact": {"name": "Chasqui platform team", "url": "https://chasqui.pe"},
            "license": {"name": "Proprietary (Peruvian State)"},
            "tags": [{"name": f"service:{name}"} for name in sorted({t.owner for t in topics})],
        },
        "defaultContentType": JSON_CONTENT_TYPE,
        "servers": copy.deepcopy(SERVERS),
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": messages,
            "securitySchemes": {
                "kafkaMutualTls": {
                    "type": "X509",
                    "description": "Mutual TLS: the client certificate of the integrator's own Strimzi "
                    "KafkaUser (authentication type tls; one per integrator, read-only ACLs on its "
                    "topics and a consumer-group prefix).",
                }
            },
            "correlationIds": {
                "correlation": {
                    "description": "Id of the first event of the causal chain (CloudEvents extension)",
                    "location": f"$message.header#/{H_CORRELATION}",
                }
            },
        },
    }


class _Dumper(yaml.SafeDumper):
    """Block-style YAML, no anchors/aliases (every node written out), long lines kept."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render_yaml(
    catalogue: EventCatalogue = CATALOGUE, topics: Sequence[Topic] = (*TOPICS, *ARCO_TOPICS, AUDIT)
) -> str:
    document = build(catalogue, topics)
    # A JSON round trip turns every value into plain YAML types (enums, tuples).
    plain = json.loads(json.dumps(document))
    header = "# Generated by `make catalogue` from libs/common (chasqui_contracts.asyncapi). Do not edit.\n"
    return header + yaml.dump(
        plain, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False
    )
