"""``python -m foidesk`` runs the command line."""

from foidesk.cli import main

main()
