"""``python -m analyzer``: the same CLI as the ``analyzer`` console script."""

from analyzer.cli import main

if __name__ == "__main__":
    main()
