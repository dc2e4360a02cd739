"""The Perú Social scenario that `chasqui-scenario run` (`make run`) plays through the live platform's HTTP APIs.

Modules: `options` (size, seed, timeouts), `households` (the seeded sample), `ule_import`
(registry), `job_fair` (employment-matching), `migracentros` (migrant-services), `events` (this
run's events from Kafka), `settle` (waiting for the platform), `report` (figures and tables),
`clients` (HTTP clients that name the failing service), `runner` (the whole run with its progress).

Over HTTP and Kafka only: no service package is imported. `chasqui_local` starts the stack and
the service processes and says where they listen.
"""
