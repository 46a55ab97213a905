"""``python -m dealstudy``: the command line (the same as the ``dealstudy`` command)."""

from dealstudy.cli import main

if __name__ == "__main__":
    main()
