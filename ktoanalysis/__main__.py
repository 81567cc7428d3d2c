"""``python -m ktoanalysis``."""

from .cli import main

main()
