"""Domain: facts, rule sets, CEL and vectorised evaluation, decisions. No I/O."""
