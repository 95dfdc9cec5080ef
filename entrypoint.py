"""Docker entrypoint of the action: a thin shell over registry_action.action."""

import sys

from registry_action.action import main

if __name__ == "__main__":
    sys.exit(main())
