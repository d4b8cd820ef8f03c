# The card's entry point. On hardware this is /main.py next to /board.py (the board file);
# in simulation `bioshard sim` runs it under the micropython unix port with boards/sim.py as
# `board`. Nothing here knows which: the board file is the only difference.
import sys

import board
from bioshard_card import app

try:
    app.main(board)
except KeyboardInterrupt:
    pass
except Exception as e:  # the app shows and recovers from its own errors; this is the last guard
    # Only the exception type and message: app code never puts secrets in exception text.
    sys.print_exception(e)
    if getattr(board, "NAME", "") != "sim":
        import machine

        machine.reset()
    sys.exit(1)
