"""`python -m scenes`: render every scene through the manim CLI (see scenes/render.py)."""

import sys

from .render import main

if __name__ == "__main__":
    sys.exit(main())
