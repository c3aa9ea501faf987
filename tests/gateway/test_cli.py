"""``rempart gateway``: operational mistakes are one clear sentence, before any work starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rempart.cli.app import app
from rempart.errors import ConfigError


@pytest.mark.parametrize(
    ("args", "toml", "expected"),
    [
        (["smtp", "--listen", "127.0.0.1:notaport"], "", "is not host:port"),
        (["smtp", "--next-hop", "127.0.0.1:x"], "", "is not host:port"),
        (["smtp"], '[gateway.simulation]\nip_ranges = ["10.0.0.0/33"]\n', "is not an IP range"),
        (["imap", "--once"], "", "username is empty"),
        (["imap", "--once"], '[gateway.imap]\nusername = "r"\npassword_env = "REMPART_TEST_NO_SUCH_VAR"\n',
         "No IMAP password"),
        (["smtp"], "[gateway]\non_error = \"fail_sometimes\"\n", "gateway.on_error"),
    ],
)
def test_config_mistakes(args: list[str], toml: str, expected: str, tmp_path: Path) -> None:
    config = tmp_path / "rempart.toml"
    config.write_text(toml)
    result = CliRunner().invoke(app, ["gateway", *args, "--config", str(config)])
    assert isinstance(result.exception, ConfigError), result.output
    assert expected in str(result.exception)
