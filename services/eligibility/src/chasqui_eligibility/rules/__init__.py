"""Program rule files (JSON), one per program; see docs/eligibility.md."""
