"""The README's deploy examples: every command that serves the dashboard says which address it binds."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
SERVES = re.compile(r"(make run|make serve-team|python app\.py|streamlit run)\b")
STATES = re.compile(r"ADDRESS=|--server\.address|localhost|127\.0\.0\.1|loopback|binds")


def _commands() -> list[str]:
    blocks = re.findall(r"```\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    return [line for block in blocks for line in block.splitlines() if SERVES.search(line)]


def test_every_serving_command_states_its_address() -> None:
    commands = _commands()
    assert len(commands) >= 4
    silent = [line for line in commands if not STATES.search(line)]
    assert not silent, f"README commands that do not say which address they bind: {silent}"


def test_binding_every_interface_is_said_plainly() -> None:
    text = README.read_text(encoding="utf-8")
    assert "0.0.0.0" in text and "every network interface" in text
    assert "python app.py --server.port 8501`)" not in text  # the old team line, with no address
