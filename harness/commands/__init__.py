"""One module per capability command; each defines `register(app: typer.Typer) -> None`.

`harness.cli` registers every module found here, so adding a command never edits cli.py.
"""
