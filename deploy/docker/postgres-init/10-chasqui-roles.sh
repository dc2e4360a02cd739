#!/usr/bin/env bash
# First start of the postgres container: per-service schemas and least-privilege login roles in
# $POSTGRES_DB (chasqui). Passwords come from the environment (docker-compose.yml passes the
# *_DB_PASSWORD variables, with development defaults); never commit real ones.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
    -v registry_password="${REGISTRY_DB_PASSWORD:?}" \
    -v eligibility_password="${ELIGIBILITY_DB_PASSWORD:?}" \
    -v employment_matching_password="${EMPLOYMENT_MATCHING_DB_PASSWORD:?}" \
    -v migrant_services_password="${MIGRANT_SERVICES_DB_PASSWORD:?}" \
    -v notifications_password="${NOTIFICATIONS_DB_PASSWORD:?}" \
    -v dci_gateway_password="${DCI_GATEWAY_DB_PASSWORD:?}" \
    -f /docker-entrypoint-initdb.d/chasqui-roles.psql
