"""`chasqui`: the operator CLI of a running platform. Topics, dead letters, consumer lag, outbox backlog.

Connection settings come from the environment (KAFKA_BOOTSTRAP_SERVERS, DATABASE_ADMIN_URL or
DATABASE_URL); for the local stack: `eval "$(uv run chasqui-local env --export)"` (starting and
stopping it is `chasqui-local`'s). Every command prints a table, or JSON with `--json`. Problems
are one line on stderr and exit status 1.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Coroutine
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import asyncpg
import typer
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.table import Table

from chasqui_cli import arco_commands, audit_command, kafka, outbox
from chasqui_cli.errors import CliError
from chasqui_cli.masking import mask_body, mask_detail
from chasqui_cli.settings import from_env

T = TypeVar("T")

app = typer.Typer(
    name="chasqui",
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
topics_app = typer.Typer(
    help="Kafka topics: what exists, partitions, offsets, catalogue facts.", no_args_is_help=True
)
dlq_app = typer.Typer(
    help="Dead-letter topics: what is pending, why it failed, replay to the original topic, purge.",
    no_args_is_help=True,
)
app.add_typer(topics_app, name="topics")
app.add_typer(dlq_app, name="dlq")
app.add_typer(arco_commands.app, name="arco")
app.command("audit")(audit_command.audit)

# Piped output (scripts use --json anyway) gets a wide table instead of an 80-column squeeze.
console = Console(soft_wrap=False)
if not console.is_terminal and "COLUMNS" not in os.environ:
    console = Console(soft_wrap=False, width=200)
err = Console(stderr=True, soft_wrap=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON (for scripts) instead of a table")]


# --- plumbing -------------------------------------------------------------------------------------


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        data = {f.name: getattr(value, f.name) for f in fields(value)}
        for name in dir(type(value)):
            if isinstance(getattr(type(value), name, None), property):
                data[name] = getattr(value, name)
        return {key: _plain(item) for key, item in data.items()}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(_plain(value), indent=2, ensure_ascii=False, default=str) + "\n")


def _yes_no(value: bool | None) -> str:
    return "?" if value is None else "yes" if value else "no"


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


# --- topics ---------------------------------------------------------------------------------------


@topics_app.command("list")
def topics_list(
    as_json: JsonFlag = False,
    internal: Annotated[bool, typer.Option(help="include Kafka's internal topics (__*)")] = False,
) -> None:
    """Every topic on the broker with partitions, messages held and its catalogue facts."""
    rows = _run(kafka.list_topics(from_env().kafka_bootstrap_servers, include_internal=internal))
    if as_json:
        _print_json(rows)
        return
    table = Table(title="topics")
    # Names are what operators copy into the next command: never shortened or wrapped.
    table.add_column("topic", no_wrap=True, min_width=max((len(row.name) for row in rows), default=5))
    for column, justify in (
        ("owner", "left"),
        ("partitions", "right"),
        ("messages", "right"),
        ("retention", "right"),
        ("personal data", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        table.add_row(
            row.name,
            row.owner or "—",
            str(row.partitions),
            str(row.messages),
            f"{row.retention_days:g} d" if row.retention_days is not None else "—",
            _yes_no(row.personal_data),
        )
    console.print(table)


@topics_app.command("describe")
def topics_describe(
    name: Annotated[str, typer.Argument(help="topic name")], as_json: JsonFlag = False
) -> None:
    """Partitions (leader, replicas, offsets), settings, event types and the groups reading it."""
    detail = _run(kafka.describe_topic(from_env().kafka_bootstrap_servers, name))
    if as_json:
        _print_json(detail)
        return
    t = detail.topic
    facts = Table.grid(padding=(0, 2))
    facts.add_row("topic", t.name)
    facts.add_row("owner", t.owner or "— (not in the catalogue)")
    facts.add_row("key", t.key or "—")
    facts.add_row("personal data", _yes_no(t.personal_data))
    facts.add_row("messages", str(t.messages))
    for key, value in detail.configs.items():
        facts.add_row(key, value)
    facts.add_row("event types", "\n".join(detail.event_types) or "—")
    facts.add_row("consumer groups", ", ".join(detail.consumer_groups) or "—")
    console.print(facts)
    table = Table(title=f"{t.name} partitions")
    for column in ("partition", "leader", "replicas", "isr", "start offset", "end offset", "messages"):
        table.add_column(column, justify="right")
    for p in detail.partitions:
        table.add_row(
            str(p.partition),
            str(p.leader),
            ",".join(map(str, p.replicas)),
            ",".join(map(str, p.isr)),
            str(p.start_offset),
            str(p.end_offset),
            str(p.messages),
        )
    console.print(table)


# --- dead letters ---------------------------------------------------------------------------------


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[str | None, typer.Argument(help="a topic or its .dlq (default: every DLQ)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Dead letters per DLQ topic: held, already replayed or purged, still pending."""
    rows = _run(kafka.dlq_list(from_env().kafka_bootstrap_servers, topic))
    if as_json:
        _print_json(rows)
        return
    table = Table(title="dead letters")
    width = max((len(row.topic) for row in rows), default=5)
    table.add_column("dead-letter topic", no_wrap=True, min_width=width)
    table.add_column("original topic", no_wrap=True, min_width=width - len(".dlq"))
    for column in ("held", "replayed/purged", "pending"):
        table.add_column(column, justify="right")
    for row in rows:
        pending = f"[bold red]{row.pending}[/]" if row.pending else "0"
        table.add_row(row.topic, row.original_topic, str(row.total), str(row.handled), pending)
    console.print(table)


def _letter_json(letter: kafka.DeadLetter, *, unmasked: bool = False) -> dict[str, Any]:
    data = _plain(letter)
    data.pop("headers", None)
    data.pop("key_bytes", None)
    if unmasked:
        data["value"] = letter.value.decode("utf-8", errors="replace") if letter.value is not None else None
    else:
        data["value"] = mask_body(letter.value)
        data["detail"] = mask_detail(letter.detail)
    data["masked"] = not unmasked
    data["headers"] = {
        name: raw.decode("utf-8", errors="replace") if raw is not None else None
        for name, raw in letter.headers
    }
    if not unmasked and data["headers"].get("dlq_detail"):
        data["headers"]["dlq_detail"] = mask_detail(data["headers"]["dlq_detail"])
    return dict(data)


@dlq_app.command("show")
def dlq_show(
    topic: Annotated[str, typer.Argument(help="a topic or its .dlq")],
    limit: Annotated[int, typer.Option(min=1, help="show at most this many")] = 20,
    all_: Annotated[
        bool, typer.Option("--all", help="include dead letters already replayed or purged")
    ] = False,
    unmasked: Annotated[
        bool,
        typer.Option(
            "--unmasked", help="show bodies and details as held, personal data included (default: masked)"
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Each pending dead letter: why it failed, where it came from, who gave up, when, and its
    body with personal values masked (names, documents, phones, addresses: ids, types and times kept)."""
    summary, letters = _run(
        kafka.dlq_show(from_env().kafka_bootstrap_servers, topic, limit=limit, include_handled=all_)
    )
    if as_json:
        _print_json(
            {**_plain(summary), "messages": [_letter_json(letter, unmasked=unmasked) for letter in letters]}
        )
        return
    console.print(
        f"{summary.topic}: {summary.total} held, {summary.handled} replayed/purged, "
        f"{summary.pending} pending; showing {len(letters)}",
        markup=False,
    )
    for letter in letters:
        grid = Table(
            title=f"{letter.topic}[{letter.partition}]@{letter.offset} "
            f"({'pending' if letter.pending else 'replayed/purged'})",
            title_justify="left",
            show_header=False,
        )
        grid.add_column("field", style="bold")
        grid.add_column("value", overflow="fold")
        grid.add_row("reason", letter.reason or "—")
        grid.add_row("detail", (letter.detail if unmasked else mask_detail(letter.detail)) or "—")
        original = letter.original_topic
        if letter.original_partition is not None:
            original += f"[{letter.original_partition}]@{letter.original_offset}"
        grid.add_row("original", original)
        grid.add_row("consumer", letter.consumer or "—")
        grid.add_row("attempts", str(letter.attempts) if letter.attempts is not None else "—")
        grid.add_row("failed at", letter.failed_at or "—")
        grid.add_row("event", f"{letter.event_type or '—'} {letter.event_id or ''}".strip())
        grid.add_row("key", letter.key or "—")
        if unmasked:
            body = letter.value.decode("utf-8", errors="replace") if letter.value is not None else None
        else:
            body = mask_body(letter.value)
        grid.add_row("body" if unmasked else "body (masked)", body or "—")
        console.print(grid)


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[str, typer.Argument(help="a topic or its .dlq")],
    offset: Annotated[
        int | None, typer.Option(min=0, help="replay this one dead letter (DLQ offset)")
    ] = None,
    partition: Annotated[int, typer.Option(min=0, help="DLQ partition of --offset")] = 0,
    all_: Annotated[bool, typer.Option("--all", help="replay every pending dead letter, in order")] = False,
    event_id: Annotated[
        str | None,
        typer.Option("--event-id", help="with --offset: the ce_id you expect there; refused if it differs"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Re-publish dead letters to their original topic (original key, value and headers), once.

    Consumers apply each event at most once (inbox by ce_id), so a replay of an event that was
    applied meanwhile is harmless.
    """
    replayed, notes = _run(
        kafka.dlq_replay(
            from_env().kafka_bootstrap_servers,
            topic,
            offset=offset,
            partition=partition,
            replay_all=all_,
            event_id=event_id,
        )
    )
    if as_json:
        _print_json({"replayed": replayed, "notes": notes})
        return
    for note in notes:
        console.print(note, markup=False)
    if replayed:
        table = Table(title=f"replayed {len(replayed)}")
        for column in ("from", "to", "event id"):
            table.add_column(column)
        for item in replayed:
            table.add_row(
                f"{item.dlq_topic}[{item.dlq_partition}]@{item.dlq_offset}",
                f"{item.topic}[{item.partition}]@{item.offset}",
                item.event_id or "—",
            )
        console.print(table)


@dlq_app.command("purge")
def dlq_purge(
    topic: Annotated[str, typer.Argument(help="a topic or its .dlq")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Mark every pending dead letter as handled without replaying it (messages stay in the topic
    until retention removes them; `dlq show --all` still shows them)."""
    bootstrap = from_env().kafka_bootstrap_servers
    if not yes:
        pending = _run(kafka.dlq_list(bootstrap, topic))[0].pending
        if pending == 0:
            console.print(f"{kafka.dlq_name(topic)}: nothing pending", markup=False)
            return
        if not typer.confirm(f"Discard {pending} pending dead letter(s) of {kafka.dlq_name(topic)}?"):
            err.print("chasqui: purge cancelled", markup=False)
            raise typer.Exit(1)
    purged = _run(kafka.dlq_purge(bootstrap, topic))
    if as_json:
        _print_json({"topic": kafka.dlq_name(topic), "purged": purged})
    else:
        console.print(f"{kafka.dlq_name(topic)}: purged {purged} dead letter(s)", markup=False)


# --- lag and outbox -------------------------------------------------------------------------------


@app.command("lag")
def lag(
    group: Annotated[str | None, typer.Argument(help="one consumer group (default: all)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Consumer lag per group, topic and partition (end offset - committed offset)."""
    rows = _run(kafka.consumer_lag(from_env().kafka_bootstrap_servers, group))
    if as_json:
        _print_json(rows)
        return
    table = Table(title="consumer lag")
    table.add_column("group", no_wrap=True, min_width=max((len(row.group) for row in rows), default=5))
    table.add_column("topic", no_wrap=True, min_width=max((len(row.topic) for row in rows), default=5))
    for column in ("partition", "committed", "end offset", "lag"):
        table.add_column(column, justify="right")
    for row in rows:
        shown = f"[bold yellow]{row.lag}[/]" if row.lag else "0"
        table.add_row(
            row.group, row.topic, str(row.partition), str(row.committed), str(row.end_offset), shown
        )
    console.print(table)
    totals: dict[str, int] = {}
    for row in rows:
        totals[row.group] = totals.get(row.group, 0) + row.lag
    if totals:
        console.print(
            "total lag: " + ", ".join(f"{name} {value}" for name, value in sorted(totals.items())),
            markup=False,
        )


@app.command("outbox")
def outbox_backlog(
    service: Annotated[str | None, typer.Argument(help="one service (its schema name)")] = None,
    every_schema: Annotated[
        bool,
        typer.Option(
            "--every-schema", hidden=True, help="no effect: every schema with an outbox table is listed"
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Events waiting in each service's transactional outbox (every schema holding an `outbox`
    table), and the age of the oldest."""
    del every_schema  # kept so scripts that pass it still work
    rows = _run(outbox.backlog(from_env().database_admin_url, service))
    if as_json:
        _print_json(rows)
        return
    table = Table(title="outbox backlog")
    table.add_column("service")
    for column in ("pending", "oldest age", "failing", "published (kept 24 h)"):
        table.add_column(column, justify="right")
    table.add_column("last error", overflow="fold")
    for row in rows:
        table.add_row(
            row.schema,
            str(row.pending),
            _age(row.oldest_age_seconds),
            str(row.failing),
            str(row.published_kept),
            row.last_error or "—",
        )
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    """Entry point: one-line errors, never a traceback (CHASQUI_DEBUG=1 re-raises and logs)."""
    debug = bool(os.environ.get("CHASQUI_DEBUG"))
    if debug:
        logging.basicConfig(level=logging.INFO)
    else:
        # The clients log their retries; the CLI reports the outcome itself, in one line.
        logging.getLogger().addHandler(logging.NullHandler())
    try:
        code = app(args=argv, prog_name="chasqui", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err.print("chasqui: aborted", markup=False)
        return 1
    except KeyboardInterrupt:
        return 130
    except CliError as exc:
        if debug:
            raise
        err.print(f"chasqui: {exc}", markup=False)
        return 1
    except Exception as exc:
        show = getattr(exc, "show", None)
        if callable(show):  # a usage error (unknown option, bad value): click's own message
            show()
            return int(getattr(exc, "exit_code", 2))
        if debug:
            raise
        detail = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, KafkaError | OSError | asyncpg.PostgresError):
            err.print(f"chasqui: {detail}", markup=False)
        else:
            err.print(
                f"chasqui: unexpected error ({detail}); rerun with CHASQUI_DEBUG=1 for details", markup=False
            )
        return 1
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
