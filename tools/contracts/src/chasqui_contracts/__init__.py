"""Contract tooling (development only): AsyncAPI document and event catalogue docs, generated from libs/common."""
