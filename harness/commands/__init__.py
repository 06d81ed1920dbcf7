"""One module per command, each with `register(app)`; `harness.cli` registers every module here
(not those with a leading underscore), so adding a command never edits cli.py."""
