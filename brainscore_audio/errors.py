"""Errors a user can fix: the CLI prints them as one line, without a traceback."""


class UserError(Exception):
    """A problem with the user's input (an id, a file, an argument), fixable without code changes.

    The message must be one line that names the offending file or argument and says what was
    expected.
    """


class UnknownIdError(UserError, KeyError):
    """An identifier that no registry knows; the message lists the close matches."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""
