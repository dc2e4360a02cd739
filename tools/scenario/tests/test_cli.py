"""`chasqui-scenario`: the options of `run` (what `make run` passes) and of `migracentros`."""

from __future__ import annotations

import pytest
from chasqui_scenario.cli import main, parser
from chasqui_scenario.peru.options import DEFAULT_HOUSEHOLDS, DEFAULT_SEED


def test_run_takes_the_size_the_seed_json_and_the_settle_timeout() -> None:
    args = parser().parse_args(
        ["run", "--households", "20", "--seed", "7", "--json", "--settle-timeout", "90"]
    )
    assert (args.command, args.households, args.seed, args.json, args.settle_timeout) == (
        "run",
        20,
        7,
        True,
        90.0,
    )
    defaults = parser().parse_args(["run"])
    assert (defaults.households, defaults.seed, defaults.json, defaults.settle_timeout) == (
        DEFAULT_HOUSEHOLDS,
        DEFAULT_SEED,
        False,
        None,
    )


def test_a_non_positive_number_of_households_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["run", "--households", "0"])
    assert exited.value.code == 2
    assert "0 is not a positive number of households" in capsys.readouterr().err


def test_migracentros_without_an_answering_service_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migracentros", "--url", "http://127.0.0.1:9", "--token", "t"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chasqui-scenario migracentros: ConnectError")
    assert "Traceback" not in err
