"""Command-line interface (typer). Thin: every command calls the library.

Sub-commands live in sibling modules, each exposing ``register(app)``; heavy imports
(numba, lmfit, matplotlib) happen inside the commands, so ``--help`` stays fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..errors import ExitCode, KtoError

app = typer.Typer(
    name="ktoanalysis",
    help="Superconductivity theory and transport analysis for KTaO3 interface 2DEGs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
theory_app = typer.Typer(help="Pairing theory: band structure, Fermi surfaces, lambda, Tc.",
                         no_args_is_help=True)
app.add_typer(theory_app, name="theory")


def _print_version(value: bool) -> None:
    """``--version``: print ``ktoanalysis <version>`` and exit 0."""
    if value:
        from ..transport.result import package_version

        typer.echo(f"ktoanalysis {package_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="print the version and exit",
                                          callback=_print_version, is_eager=True)] = False,
    verbose: Annotated[int, typer.Option(
        "--verbose", "-v", count=True,
        help="more messages on stderr: -v adds information lines and numpy's floating-point "
             "warnings (each once), -vv debugging lines")] = 0,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="errors only on stderr (no warnings, no progress bars)")]
        = False,
) -> None:
    """Superconductivity theory and transport analysis for KTaO3 interface 2DEGs.

    Messages go to stderr as one line each (``warning: ...``); results go to stdout.
    Global options (``-v``, ``-q``) come before the command: ``ktoanalysis -v fit tc FILE``.
    """
    from ._log import configure

    if quiet and verbose:
        raise typer.BadParameter("give either -q/--quiet or -v/--verbose, not both")
    ctx.call_on_close(configure(-1 if quiet else min(verbose, 2)))

# exit codes: documented once, in :class:`ktoanalysis.errors.ExitCode`
EXIT_INPUT_ERROR = int(ExitCode.INPUT)
EXIT_SOME_FAILED = int(ExitCode.SOME_FAILED)
EXIT_VERDICT_FAIL = int(ExitCode.VERDICT_FAIL)

from . import batch as _batch  # noqa: E402
from . import demo as _demo  # noqa: E402
from . import fit as _fit  # noqa: E402
from . import info as _info  # noqa: E402
from . import kinds as _kinds  # noqa: E402
from . import overlay as _overlay  # noqa: E402
from . import theory_bands as _theory_bands  # noqa: E402
from . import theory_pairing as _theory_pairing  # noqa: E402

_info.register(app)
_fit.register(app)
_kinds.register(app)
_batch.register(app)
_overlay.register(app)
_demo.register(app)
_theory_bands.register(theory_app)
_theory_pairing.register(theory_app)


def main() -> None:
    """Entry point of the ``ktoanalysis`` console script.

    A :class:`~ktoanalysis.errors.KtoError` is printed as one clear line on stderr and
    gives exit code 3, never a traceback.
    """
    try:
        app()
    except KtoError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT_ERROR)
