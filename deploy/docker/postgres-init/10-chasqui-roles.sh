#!/usr/bin/env bash
# First start of the postgres container: per-service schemas and least-privilege login roles in
# $POSTGRES_DB (chasqui). Passwords come from the environment (docker-compose.yml passes the
# *_DB_PASSWORD variables, with development defaults); never commit real ones.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
    -v registry_password="${REGISTRY_DB_PASSWORD:?}" \
    -v eligibility_password="${ELIGIBILITY_DB_PASSWORD:?}" \
    -v employment_password="${EMPLOYMENT_DB_PASSWORD:?}" \
    -v migrants_password="${MIGRANTS_DB_PASSWORD:?}" \
    -v notifications_password="${NOTIFICATIONS_DB_PASSWORD:?}" \
    -f /docker-entrypoint-initdb.d/chasqui-roles.psql
