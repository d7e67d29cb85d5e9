"""``python -m soteflow`` runs the CLI."""

from soteflow.cli import main

main()
