"""The application layer's shared shape: one unit of work for commands, one reader for queries.

A command is `async def verb_noun(uow: UnitOfWork, command: C) -> R` and a query
`async def verb_noun(reader: Reader, query: Q) -> R`; neither opens a transaction. `Transactions`
runs them: HTTP routes through `run.command(...)`/`run.query(...)`, event handlers through the
consumer pipeline (which passes a `UnitOfWork` whose `event` is the envelope being handled),
background tasks through the runtime's `transactions`.
"""

from chasqui_common.application.unit_of_work import (
    Command,
    Query,
    Reader,
    Transactions,
    UnitOfWork,
)

__all__ = ["Command", "Query", "Reader", "Transactions", "UnitOfWork"]
