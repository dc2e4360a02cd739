"""Root pytest configuration: real Kafka and Postgres fixtures for every test in the repo."""

pytest_plugins = ["chasqui_local.pytest_plugin"]
