"""The Perú Social scenario that `chasqui-local run` plays through the live platform's HTTP APIs.

Modules: `options` (size, seed, timeouts), `households` (the seeded sample), `ule_import`
(registry), `job_fair` (employment-matching), `migracentros` (migrant-services), `events` (this
run's events from Kafka), `settle` (waiting for the platform), `report` (figures and tables),
`clients` (HTTP clients that name the failing service), `runner` (the whole run with its progress).

Kept free of imports so that `chasqui-local` starts without loading the service packages.
"""
