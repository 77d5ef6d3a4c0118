"""The errors of reading and importing spatial files (bad input: nothing was stored)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["GeoInputError", "RetractedImportError"]


class GeoInputError(ValueError):
    """Bad input: nothing was stored. ``problems`` holds one line per problem."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class RetractedImportError(GeoInputError):
    """The same import is a batch that a user retracted: restore it rather than import it again."""

    def __init__(self, problem: str, batch_id: int) -> None:
        super().__init__(problem)
        self.batch_id = batch_id
