"""Start GradSim: `python main.py` opens the desktop app (the same as running `gradsim`)."""
from gradsim.cli import main

if __name__ == "__main__":
    raise SystemExit(main([]))
