"""The click command behind the typer application, for sphinx-click (``.. click::``)."""

import typer.main

from ktoanalysis.cli import app

#: click group equivalent to the ``ktoanalysis`` console script
command = typer.main.get_command(app)
