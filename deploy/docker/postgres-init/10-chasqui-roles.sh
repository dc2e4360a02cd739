#!/usr/bin/env bash
# First start of the postgres container: per-service schemas, owner and runtime login roles in
# $POSTGRES_DB (chasqui). Passwords come from the environment (docker-compose.yml passes the
# *_DB_PASSWORD and *_APP_DB_PASSWORD variables, with development defaults); never commit real ones.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
    -v registry_password="${REGISTRY_DB_PASSWORD:?}" \
    -v eligibility_password="${ELIGIBILITY_DB_PASSWORD:?}" \
    -v employment_matching_password="${EMPLOYMENT_MATCHING_DB_PASSWORD:?}" \
    -v migrant_services_password="${MIGRANT_SERVICES_DB_PASSWORD:?}" \
    -v notifications_password="${NOTIFICATIONS_DB_PASSWORD:?}" \
    -v dci_gateway_password="${DCI_GATEWAY_DB_PASSWORD:?}" \
    -v citizen_attention_password="${CITIZEN_ATTENTION_DB_PASSWORD:?}" \
    -v registry_app_password="${REGISTRY_APP_DB_PASSWORD:?}" \
    -v eligibility_app_password="${ELIGIBILITY_APP_DB_PASSWORD:?}" \
    -v employment_matching_app_password="${EMPLOYMENT_MATCHING_APP_DB_PASSWORD:?}" \
    -v migrant_services_app_password="${MIGRANT_SERVICES_APP_DB_PASSWORD:?}" \
    -v notifications_app_password="${NOTIFICATIONS_APP_DB_PASSWORD:?}" \
    -v dci_gateway_app_password="${DCI_GATEWAY_APP_DB_PASSWORD:?}" \
    -v citizen_attention_app_password="${CITIZEN_ATTENTION_APP_DB_PASSWORD:?}" \
    -f /docker-entrypoint-initdb.d/chasqui-roles.psql
