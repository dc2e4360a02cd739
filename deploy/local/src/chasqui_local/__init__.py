"""chasqui-local: a real Kafka (KRaft) and PostgreSQL on one machine, for development and tests."""
